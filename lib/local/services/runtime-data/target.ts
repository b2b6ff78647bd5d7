/**
 * Which runtime, endpoint and version a data-plane call addresses: `agentRuntimeArn` is the
 * runtime's ARN, or its bare id with `accountId`; `qualifier` names the endpoint (`DEFAULT` when
 * absent). The caller is authorized on both the runtime and the endpoint, as AWS requires.
 */
import { AwsError } from "../../errors.js";
import type { RequestContext, Shape } from "../../service.js";
import { DEFAULT_ENDPOINT, readLiveTarget, type RuntimeEndpointRecord, type RuntimeRecord, type RuntimeVersionRecord } from "../runtime-control/index.js";

const RUNTIME_ARN = /^arn:aws[a-z-]*:bedrock-agentcore:([a-z0-9-]+):(\d{12}):runtime\/([^/]+)$/;

export interface InvokeTarget {
  runtime: RuntimeRecord;
  endpoint: RuntimeEndpointRecord;
  /** The endpoint's live version as read with it (liveVersion checks it is there). */
  version?: RuntimeVersionRecord;
  runtimeArn: string;
  endpointArn: string;
}

const validation = (message: string) => new AwsError("ValidationException", message, 400, { reason: "FieldValidationFailed" });
const notFound = (message: string) => new AwsError("ResourceNotFoundException", message, 404);

/**
 * Resolves and authorizes the runtime endpoint (`action` on the runtime and the endpoint ARN). A
 * JWT bearer caller has no IAM identity: its runtime's JWT authorizer decides, after the lookup.
 */
export function resolveTarget(input: Shape, ctx: RequestContext, action: string): InvokeTarget {
  const raw = String(input.agentRuntimeArn);
  let region = ctx.region;
  let accountId: string;
  let runtimeId: string;
  const m = RUNTIME_ARN.exec(raw);
  if (m) {
    [, region, accountId, runtimeId] = m as unknown as [string, string, string, string];
    if (input.accountId !== undefined && input.accountId !== accountId) {
      throw validation(`accountId ${input.accountId} does not match the account of ${raw}.`);
    }
  } else if (raw.startsWith("arn:")) {
    throw validation(`agentRuntimeArn ${raw} is not an agent runtime ARN (arn:aws:bedrock-agentcore:<region>:<account>:runtime/<id>).`);
  } else {
    if (input.accountId === undefined) {
      throw validation(`agentRuntimeArn ${raw} is a runtime id; pass the runtime's accountId with it, or pass the full runtime ARN.`);
    }
    accountId = String(input.accountId);
    runtimeId = raw;
  }
  const qualifier = input.qualifier === undefined ? DEFAULT_ENDPOINT : String(input.qualifier);
  const runtimeArn = `arn:aws:bedrock-agentcore:${region}:${accountId}:runtime/${runtimeId}`;
  const endpointArn = `${runtimeArn}/runtime-endpoint/${qualifier}`;
  if (ctx.principal.kind !== "bearer") ctx.authorize(action, [runtimeArn, endpointArn]);

  // One read of the three records, kept until the store changes (live-target.ts).
  const { runtime, endpoint, version } = region === ctx.region && accountId === ctx.accountId ? readLiveTarget(ctx.local, runtimeId, qualifier) : {};
  if (!runtime || runtime.region !== region || runtime.accountId !== accountId || runtime.status === "DELETING") {
    throw notFound(`No agent runtime ${runtimeArn} exists.`);
  }
  if (!endpoint || endpoint.status === "DELETING") throw notFound(`Agent runtime ${runtimeId} has no endpoint named ${qualifier}.`);
  return { runtime, endpoint, version, runtimeArn, endpointArn };
}

/** The version the endpoint serves now; a clear error while there is none. */
export function liveVersion(target: InvokeTarget): RuntimeVersionRecord {
  const { endpoint, runtime, version } = target;
  const live = endpoint.liveVersion;
  if (!live) {
    if (endpoint.status === "CREATING" || endpoint.status === "UPDATING") {
      throw new AwsError(
        "RetryableConflictException",
        `Endpoint ${endpoint.name} of agent runtime ${runtime.agentRuntimeId} is ${endpoint.status}; retry once GetAgentRuntimeEndpoint shows READY.`,
        409,
      );
    }
    throw validation(`Endpoint ${endpoint.name} of agent runtime ${runtime.agentRuntimeId} is ${endpoint.status}: ${endpoint.failureReason ?? "it has no live version"}.`);
  }
  if (!version) throw notFound(`Version ${live} of agent runtime ${runtime.agentRuntimeId} does not exist.`);
  return version;
}
