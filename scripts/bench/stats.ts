/** Sample statistics for the benchmarks: medians, percentiles, and timing helpers. */

/** The p-th percentile (0–100) by nearest rank on a sorted copy; NaN for no samples. */
export function percentile(samples: number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

export function median(samples: number[]): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Milliseconds since `t0` (a `performance.now()` value). */
export const since = (t0: number) => performance.now() - t0;

/** Runs `fn` and returns how long it took in milliseconds, with its value. */
export async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const t0 = performance.now();
  const value = await fn();
  return { ms: since(t0), value };
}

/** Rounds for the report: 3 significant digits, at most 3 decimals. */
export function round(n: number): number {
  if (!Number.isFinite(n)) return n;
  const digits = Math.max(0, Math.min(3, 2 - Math.floor(Math.log10(Math.abs(n) || 1))));
  return Number(n.toFixed(digits));
}
