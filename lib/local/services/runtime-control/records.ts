/**
 * How the agent runtime control plane keeps runtimes, their immutable versions and their endpoints
 * in the store. The runtime host reads these: to run an endpoint, take the endpoint's
 * `liveVersion`, read that version record and run its `artifact` with its `roleArn`,
 * `environmentVariables`, `lifecycleConfiguration` and `protocolConfiguration`, minting workload
 * access tokens for `workloadIdentityName`.
 *
 * Read them through `readRuntime` / `readEndpoint` (status.ts): those first finish any transition
 * that is due, so a record read straight after a restart is never stuck in `CREATING`. An invoke
 * reads all three at once through `readLiveTarget` (live-target.ts), kept until they can change.
 *
 * Timestamps are ISO-8601 strings (handlers convert to `Date`).
 */

export type RuntimeStatus = "CREATING" | "CREATE_FAILED" | "UPDATING" | "UPDATE_FAILED" | "READY" | "DELETING";
export type EndpointStatus = RuntimeStatus;

/** The `agentRuntimeArtifact` union exactly as the caller sent it (one member set). */
export interface RuntimeArtifact {
  containerConfiguration?: { containerUri: string };
  codeConfiguration?: {
    code: { s3?: { bucket: string; prefix: string; versionId?: string } };
    runtime: string; // "NODE_22", "PYTHON_3_12", ...
    entryPoint: string[];
  };
}

export interface LifecycleConfiguration {
  /** Seconds; defaulted to 900 when the caller omits it. */
  idleRuntimeSessionTimeout: number;
  /** Seconds; defaulted to 28800 when the caller omits it. */
  maxLifetime: number;
}

/** kind "runtime", id = agentRuntimeId */
export interface RuntimeRecord {
  agentRuntimeId: string; // <name>-<10 alphanumerics>
  agentRuntimeName: string;
  agentRuntimeArn: string; // arn:aws:bedrock-agentcore:<region>:<account>:runtime/<id>
  region: string;
  accountId: string;
  /** The newest version ("1", "2", ...): what GetAgentRuntime without `version` shows. */
  latestVersion: string;
  /** Mirrors the latest version's status, or `DELETING` once DeleteAgentRuntime was called. */
  status: RuntimeStatus;
  failureReason?: string;
  /** The workload identity created with the runtime (named after the runtime id, as AWS does). */
  workloadIdentityName: string;
  workloadIdentityArn: string;
  /** The latest version's JWT authorizer (Identity's GetWorkloadAccessTokenForJWT reads it here). */
  authorizerConfiguration?: Record<string, unknown>;
  tags: Record<string, string>;
  createdAt: string;
  lastUpdatedAt: string;
  /** When DELETING: the moment the runtime, its versions, endpoints and workload identity go away. */
  settleAt?: string;
}

/** kind "runtime-version", id = `${agentRuntimeId}/${version zero-padded to 5}` (sorts numerically) */
export interface RuntimeVersionRecord {
  agentRuntimeId: string;
  agentRuntimeArn: string;
  agentRuntimeName: string;
  agentRuntimeVersion: string;
  artifact: RuntimeArtifact;
  roleArn: string;
  environmentVariables: Record<string, string>;
  lifecycleConfiguration: LifecycleConfiguration;
  /** `{ serverProtocol: "HTTP" }` unless the caller chose MCP, A2A or AGUI. */
  protocolConfiguration: { serverProtocol: string };
  networkConfiguration: { networkMode: string; networkModeConfig?: Record<string, unknown> };
  workloadIdentityName: string;
  workloadIdentityArn: string;
  description?: string;
  authorizerConfiguration?: Record<string, unknown>;
  requestHeaderConfiguration?: { requestHeaderAllowlist?: string[] };
  metadataConfiguration?: Record<string, unknown>;
  filesystemConfigurations?: Record<string, unknown>[];
  capacityProviderConfiguration?: Record<string, unknown>;
  platformVersion?: string;
  /** CREATING/UPDATING until `settleAt`, then READY or CREATE_FAILED/UPDATE_FAILED. */
  status: RuntimeStatus;
  /** Why the version failed, phrased as what to fix. */
  failureReason?: string;
  createdAt: string;
  lastUpdatedAt: string;
  /** While CREATING/UPDATING: when the artifact and role checks run. */
  settleAt?: string;
}

/** kind "runtime-endpoint", id = `${agentRuntimeId}/${name}` */
export interface RuntimeEndpointRecord {
  name: string; // "DEFAULT" or the caller's name
  id: string; // <name>-<10 alphanumerics>
  agentRuntimeId: string;
  agentRuntimeArn: string;
  agentRuntimeEndpointArn: string; // <runtime arn>/runtime-endpoint/<name>
  /** The version invocations run; absent until the first target version became READY. */
  liveVersion?: string;
  /** The version the endpoint is moving to (equal to liveVersion once READY). */
  targetVersion: string;
  description?: string;
  tags: Record<string, string>;
  status: EndpointStatus;
  failureReason?: string;
  createdAt: string;
  lastUpdatedAt: string;
  /** While CREATING/UPDATING/DELETING: when the transition completes. */
  settleAt?: string;
}

/** kind "runtime-client-token", id = `${operation}|${scope}|${clientToken}`: idempotent replays. */
export interface ClientTokenRecord {
  key: string;
  inputHash: string;
  /** The first answer, timestamps as ISO strings. */
  response: Record<string, unknown>;
  createdAt: string;
}

export const KIND = {
  runtime: "runtime",
  version: "runtime-version",
  endpoint: "runtime-endpoint",
  clientToken: "runtime-client-token",
} as const;

export const DEFAULT_ENDPOINT = "DEFAULT";
export const DEFAULT_LIFECYCLE: LifecycleConfiguration = { idleRuntimeSessionTimeout: 900, maxLifetime: 28800 };

export const versionKey = (runtimeId: string, version: string) => `${runtimeId}/${version.padStart(5, "0")}`;
export const endpointKey = (runtimeId: string, name: string) => `${runtimeId}/${name}`;
