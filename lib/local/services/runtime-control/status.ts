/**
 * Status transitions of runtimes, versions and endpoints.
 *
 * A transitional record (CREATING, UPDATING, DELETING) carries `settleAt`, the moment it completes.
 * Completion runs in two ways that give the same answer: a timer scheduled in-process when the
 * transition starts, and `settleRuntime` on every read, so a transition that was due while the
 * server was down (restart, `kill -9`) completes on the first read after it comes back.
 * The artifact and role checks run at completion time, as AWS runs them asynchronously.
 */
import type { LocalServices } from "../../service.js";
import type { WorkloadIdentityRecord } from "../../state/records.js";
import { versionProblem } from "./artifacts.js";
import {
  KIND,
  endpointKey,
  versionKey,
  type RuntimeEndpointRecord,
  type RuntimeRecord,
  type RuntimeStatus,
  type RuntimeVersionRecord,
} from "./records.js";

/** How long CREATING/UPDATING/DELETING last; `AGENTCORE_LOCAL_RUNTIME_SETTLE_MS` overrides (default 300). */
export function settleDelayMs(): number {
  const raw = process.env.AGENTCORE_LOCAL_RUNTIME_SETTLE_MS;
  const n = raw === undefined ? NaN : Number(raw);
  return Number.isFinite(n) && n >= 0 ? n : 300;
}

/** The `settleAt` of a transition starting now. */
export const settleAtFromNow = (local: LocalServices): string => new Date(local.now().getTime() + settleDelayMs()).toISOString();

const isTransitional = (s: RuntimeStatus) => s === "CREATING" || s === "UPDATING" || s === "DELETING";
const isDue = (settleAt: string | undefined, now: Date) => settleAt === undefined || Date.parse(settleAt) <= now.getTime();

/** Completes a runtime's due transitions (call inside `store.tx`). */
export function settleRuntime(local: LocalServices, runtimeId: string): void {
  const { store } = local;
  const now = local.now();
  const runtime = store.get<RuntimeRecord>(KIND.runtime, runtimeId);
  if (!runtime) return;

  if (runtime.status === "DELETING") {
    if (isDue(runtime.settleAt, now)) purgeRuntime(local, runtime);
    return;
  }

  for (const version of store.list<RuntimeVersionRecord>(KIND.version, `${runtimeId}/`)) {
    if (!isTransitional(version.status) || !isDue(version.settleAt, now)) continue;
    const problem = versionProblem(local, version, runtime.region);
    const settled: RuntimeVersionRecord = {
      ...version,
      status: problem ? (version.status === "CREATING" ? "CREATE_FAILED" : "UPDATE_FAILED") : "READY",
      failureReason: problem,
      lastUpdatedAt: version.settleAt ?? now.toISOString(),
      settleAt: undefined,
    };
    store.put(KIND.version, versionKey(runtimeId, version.agentRuntimeVersion), settled);
    local.log(`runtime ${runtimeId} version ${version.agentRuntimeVersion}: ${settled.status}${problem ? ` (${problem})` : ""}`);
  }

  for (const endpoint of store.list<RuntimeEndpointRecord>(KIND.endpoint, `${runtimeId}/`)) {
    if (!isTransitional(endpoint.status) || !isDue(endpoint.settleAt, now)) continue;
    settleEndpoint(local, endpoint, now);
  }

  const latest = store.get<RuntimeVersionRecord>(KIND.version, versionKey(runtimeId, runtime.latestVersion));
  if (latest && (latest.status !== runtime.status || latest.failureReason !== runtime.failureReason)) {
    store.put<RuntimeRecord>(KIND.runtime, runtimeId, {
      ...runtime,
      status: latest.status,
      failureReason: latest.failureReason,
      lastUpdatedAt: latest.lastUpdatedAt,
    });
  }
}

function settleEndpoint(local: LocalServices, endpoint: RuntimeEndpointRecord, now: Date): void {
  const { store } = local;
  const key = endpointKey(endpoint.agentRuntimeId, endpoint.name);
  if (endpoint.status === "DELETING") {
    store.delete(KIND.endpoint, key);
    return;
  }
  const target = store.get<RuntimeVersionRecord>(KIND.version, versionKey(endpoint.agentRuntimeId, endpoint.targetVersion));
  if (target && isTransitional(target.status)) {
    // Wait for the version; its own completion settles this endpoint too.
    store.put(KIND.endpoint, key, { ...endpoint, settleAt: target.settleAt });
    return;
  }
  const at = endpoint.settleAt ?? now.toISOString();
  if (target?.status === "READY") {
    store.put<RuntimeEndpointRecord>(KIND.endpoint, key, {
      ...endpoint,
      status: "READY",
      liveVersion: endpoint.targetVersion,
      failureReason: undefined,
      lastUpdatedAt: at,
      settleAt: undefined,
    });
    return;
  }
  const why = target
    ? `Version ${target.agentRuntimeVersion} of agent runtime ${endpoint.agentRuntimeId} is ${target.status}: ${target.failureReason ?? "no reason recorded"}`
    : `Version ${endpoint.targetVersion} of agent runtime ${endpoint.agentRuntimeId} does not exist. Point the endpoint at an existing version.`;
  // A failed update keeps serving the previous live version.
  store.put<RuntimeEndpointRecord>(KIND.endpoint, key, {
    ...endpoint,
    status: endpoint.status === "CREATING" ? "CREATE_FAILED" : "UPDATE_FAILED",
    failureReason: why,
    lastUpdatedAt: at,
    settleAt: undefined,
  });
}

/** Removes the runtime with its versions, endpoints and the workload identity it created. */
function purgeRuntime(local: LocalServices, runtime: RuntimeRecord): void {
  const { store } = local;
  const prefix = `${runtime.agentRuntimeId}/`;
  for (const v of store.list<RuntimeVersionRecord>(KIND.version, prefix)) {
    store.delete(KIND.version, versionKey(runtime.agentRuntimeId, v.agentRuntimeVersion));
  }
  for (const e of store.list<RuntimeEndpointRecord>(KIND.endpoint, prefix)) {
    store.delete(KIND.endpoint, endpointKey(runtime.agentRuntimeId, e.name));
  }
  const identity = store.get<WorkloadIdentityRecord>("identity-workload-identity", runtime.workloadIdentityArn);
  if (identity?.managedByRuntimeArn === runtime.agentRuntimeArn) {
    store.delete("identity-workload-identity", runtime.workloadIdentityArn);
  }
  store.delete(KIND.runtime, runtime.agentRuntimeId);
  local.log(`runtime ${runtime.agentRuntimeId}: deleted with its versions, endpoints and workload identity`);
}

/** Completes due transitions of every runtime (before listing). */
export function settleAll(local: LocalServices): void {
  local.store.tx(() => {
    for (const r of local.store.list<RuntimeRecord>(KIND.runtime)) settleRuntime(local, r.agentRuntimeId);
  });
}

/** Runs `settleRuntime` when `settleAt` comes, unless the server has stopped by then. */
export function scheduleSettle(local: LocalServices, runtimeId: string, settleAt: string): void {
  const delay = Math.max(0, Date.parse(settleAt) - local.now().getTime()) + 1;
  const timer = setTimeout(() => {
    if (!local.store.db.open) return;
    try {
      local.store.tx(() => settleRuntime(local, runtimeId));
    } catch (e) {
      local.log(`runtime ${runtimeId}: status transition failed: ${(e as Error).message}`);
    }
  }, delay);
  timer.unref();
}

// Readers for the runtime host and the data plane: current records with due transitions completed.

export function readRuntime(local: LocalServices, runtimeId: string): RuntimeRecord | undefined {
  return local.store.tx(() => {
    settleRuntime(local, runtimeId);
    return local.store.get<RuntimeRecord>(KIND.runtime, runtimeId);
  });
}

export function readVersion(local: LocalServices, runtimeId: string, version: string): RuntimeVersionRecord | undefined {
  return local.store.tx(() => {
    settleRuntime(local, runtimeId);
    return local.store.get<RuntimeVersionRecord>(KIND.version, versionKey(runtimeId, version));
  });
}

export function readEndpoint(local: LocalServices, runtimeId: string, name: string): RuntimeEndpointRecord | undefined {
  return local.store.tx(() => {
    settleRuntime(local, runtimeId);
    return local.store.get<RuntimeEndpointRecord>(KIND.endpoint, endpointKey(runtimeId, name));
  });
}
