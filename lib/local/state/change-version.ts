/**
 * A cheap "has anything in the database changed?" token for caches of values derived from the
 * store: SQLite's `data_version` moves when another connection (another process: the CLI, a
 * bench, a notebook's helper) commits, and `total_changes()` when this connection writes. While
 * the token is the same, nothing was written anywhere, so a value computed from the store then
 * is still correct.
 */
import type { Store } from "./store.js";

export function changeVersion(store: Store): () => string {
  return () => store.version(); // one query per synchronous run, shared with the store's other readers
}

/** `compute()` again only when the store changed since its last result. */
export function cachedWhileUnchanged<T>(store: Store, compute: () => T): () => T {
  const version = changeVersion(store);
  let last: { version: string; value: T } | undefined;
  return () => {
    const v = version();
    if (last?.version !== v) last = { version: v, value: compute() };
    return last.value;
  };
}
