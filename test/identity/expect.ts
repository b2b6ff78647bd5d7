/** Assertion helpers for the Identity tests: the error the SDK raised, by name and HTTP status. */
import assert from "node:assert/strict";

export interface SdkError extends Error {
  $metadata: { httpStatusCode?: number };
  reason?: string;
  fieldList?: { name: string; message: string }[];
}

export async function rejects(call: () => Promise<unknown>, name: string, status: number): Promise<SdkError> {
  let caught: unknown;
  try {
    await call();
  } catch (e) {
    caught = e;
  }
  assert.ok(caught instanceof Error, `expected ${name}, but the call succeeded`);
  const err = caught as SdkError;
  assert.equal(err.name, name, `expected ${name}, got ${err.name}: ${err.message}`);
  assert.equal(err.$metadata?.httpStatusCode, status);
  assert.ok(err.message.length > 0, "the error carries a message");
  return err;
}

/** A Date the SDK parsed from an epoch number (an ISO string would have failed to parse). */
export function assertDate(value: unknown, what: string): Date {
  assert.ok(value instanceof Date, `${what} is a Date`);
  assert.ok(!Number.isNaN(value.getTime()), `${what} is a valid Date`);
  return value;
}
