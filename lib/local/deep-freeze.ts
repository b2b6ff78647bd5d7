/**
 * Freezes a value and everything it holds. Values kept and shared between requests (records read
 * once per change of the store, a verified token's claims) are frozen so no request can change
 * what the next one sees.
 */
export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
