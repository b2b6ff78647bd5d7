/**
 * What an invocation reads of a runtime endpoint — the runtime, the endpoint and the version it
 * serves — in one read that is kept until it can have changed. Reading them afresh cost three
 * SQLite transactions per invoke (each settling the runtime: listing its versions and endpoints),
 * about a fifth of the server's allocations per invoke and so of its garbage collections.
 *
 * A kept answer is used only while nothing was written to the database by any connection
 * (`changeVersion`: this server's writes and another process's commits) and before the earliest
 * status transition of the runtime is due (a `settleAt` passing changes a record without a write).
 * So an update, a delete or a transition takes effect on the very next invoke.
 *
 * The records are shared between requests: they are frozen, and a reader that needs another
 * shape copies them.
 */
import type { LocalServices } from "../../service.js";
import { deepFreeze } from "../../deep-freeze.js";
import { changeVersion } from "../../state/change-version.js";
import type { Store } from "../../state/store.js";
import { KIND, endpointKey, versionKey, type RuntimeEndpointRecord, type RuntimeRecord, type RuntimeStatus, type RuntimeVersionRecord } from "./records.js";
import { settleRuntime } from "./status.js";

export interface LiveTarget {
  runtime?: RuntimeRecord;
  endpoint?: RuntimeEndpointRecord;
  /** The endpoint's `liveVersion` record (absent while it has none, or when that version is gone). */
  version?: RuntimeVersionRecord;
}

interface Kept {
  target: Readonly<LiveTarget>;
  /** Epoch ms of the earliest pending transition of the runtime (Infinity: none). */
  validUntil: number;
}

interface Cache {
  version: () => string;
  /** The store's change token these entries were read at. */
  token?: string;
  entries: Map<string, Kept>;
}

/** Entries kept at most (runtime endpoints invoked since the last write); more start afresh. */
const MAX_ENTRIES = 1024;

const caches = new WeakMap<Store, Cache>();

const isTransitional = (s: RuntimeStatus) => s === "CREATING" || s === "UPDATING" || s === "DELETING";

/** The earliest moment one of the runtime's records changes by itself (its transition completes). */
function nextTransition(local: LocalServices, runtimeId: string, runtime: RuntimeRecord): number {
  const { store } = local;
  let at = Infinity;
  const consider = (status: RuntimeStatus, settleAt: string | undefined) => {
    // A transitional record without settleAt settles on the next read: never keep it.
    if (isTransitional(status)) at = Math.min(at, settleAt === undefined ? -Infinity : Date.parse(settleAt));
  };
  consider(runtime.status, runtime.settleAt);
  for (const v of store.list<RuntimeVersionRecord>(KIND.version, `${runtimeId}/`)) consider(v.status, v.settleAt);
  for (const e of store.list<RuntimeEndpointRecord>(KIND.endpoint, `${runtimeId}/`)) consider(e.status, e.settleAt);
  return at;
}

function read(local: LocalServices, runtimeId: string, qualifier: string): Kept {
  return local.store.tx(() => {
    settleRuntime(local, runtimeId);
    const runtime = local.store.get<RuntimeRecord>(KIND.runtime, runtimeId);
    if (!runtime) return { target: {}, validUntil: Infinity }; // a write creates it, and moves the token
    const endpoint = local.store.get<RuntimeEndpointRecord>(KIND.endpoint, endpointKey(runtimeId, qualifier));
    const live = endpoint?.liveVersion;
    const version = live === undefined ? undefined : local.store.get<RuntimeVersionRecord>(KIND.version, versionKey(runtimeId, live));
    return { target: deepFreeze({ runtime, endpoint, version }), validUntil: nextTransition(local, runtimeId, runtime) };
  });
}

/** The runtime, its endpoint `qualifier` and that endpoint's live version, current as of now. */
export function readLiveTarget(local: LocalServices, runtimeId: string, qualifier: string): Readonly<LiveTarget> {
  let cache = caches.get(local.store);
  if (!cache) caches.set(local.store, (cache = { version: changeVersion(local.store), entries: new Map() }));
  // The token is taken before reading: a write between the two makes the next call read again.
  const token = cache.version();
  if (token !== cache.token || cache.entries.size >= MAX_ENTRIES) {
    cache.entries.clear();
    cache.token = token;
  }
  const key = `${runtimeId}\n${qualifier}`;
  const kept = cache.entries.get(key);
  if (kept && local.now().getTime() < kept.validUntil) return kept.target;
  const fresh = read(local, runtimeId, qualifier);
  cache.entries.set(key, fresh);
  return fresh.target;
}
