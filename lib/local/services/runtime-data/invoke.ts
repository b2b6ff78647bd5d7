/**
 * InvokeAgentRuntime: authorize, resolve the endpoint's live version, mint a workload access token
 * when a user id is sent (as AWS does: without one the agent gets no token), get the session's
 * agent instance, forward the request and stream the agent's answer back as it is produced.
 * Every hop is one log line tagged with the request id, so a learner can follow the path.
 */
import type { IncomingMessage } from "node:http";
import { AwsError } from "../../errors.js";
import type { OperationHandler, RequestContext, Shape } from "../../service.js";
import { mintWorkloadAccessToken } from "../../auth/workload-tokens.js";
import { runtimeHostFor } from "../../runtime-host/host.js";
import { AgentResponseStream, AgentTimeoutError, forwardInvocation, readAgentError } from "../../runtime-host/forward.js";
import { invokeTimeoutMs, streamIdleTimeoutMs } from "../../runtime-host/limits.js";
import { runtimeClientError, type AgentInstance } from "../../runtime-host/instances.js";
import type { RuntimeVersionRecord } from "../runtime-control/index.js";
import { liveVersion, resolveTarget } from "./target.js";

/** AWS's documented InvokeAgentRuntime payload limit (the model's `Body` max). */
const MAX_PAYLOAD = 100 * 1000 * 1000;
const CUSTOM_HEADER_PREFIX = "x-amzn-bedrock-agentcore-runtime-custom-";
/** Request headers passed to the agent as they came (besides the ones set explicitly). */
const PASSED_HEADERS = ["accept", "x-amzn-trace-id", "traceparent", "tracestate", "baggage", "mcp-session-id", "mcp-protocol-version", "mcp-method", "mcp-name"];

const header = (ctx: RequestContext, name: string): string | undefined => {
  const v = ctx.headers[name];
  return Array.isArray(v) ? v.join(", ") : v;
};

function looksLikeJson(body: Buffer): boolean {
  try {
    JSON.parse(body.toString("utf8"));
    return true;
  } catch {
    return false;
  }
}

/**
 * The Content-Type the agent receives. Deliberate deviation from AWS: the SDK sends
 * `application/octet-stream` when the caller sets no contentType, and a TypeScript
 * `BedrockAgentCoreApp` (Fastify) answers that with 415, so a JSON body sent that way is forwarded
 * as `application/json`. Any other type is forwarded unchanged.
 */
export function agentContentType(contentType: string | undefined, body: Buffer): string {
  const type = contentType?.split(";")[0]!.trim().toLowerCase();
  if ((type === undefined || type === "application/octet-stream") && body.length && looksLikeJson(body)) return "application/json";
  return contentType ?? "application/octet-stream";
}

function agentHeaders(ctx: RequestContext, version: RuntimeVersionRecord, sessionId: string, body: Buffer, token?: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of PASSED_HEADERS) {
    const v = header(ctx, name);
    if (v !== undefined) out[name] = v;
  }
  for (const name of version.requestHeaderConfiguration?.requestHeaderAllowlist ?? []) {
    const v = header(ctx, name.toLowerCase());
    if (v !== undefined) out[name.toLowerCase()] = v;
  }
  for (const [name, v] of Object.entries(ctx.headers)) {
    if (name.startsWith(CUSTOM_HEADER_PREFIX) && v !== undefined) out[name] = Array.isArray(v) ? v.join(", ") : v;
  }
  out["content-type"] = agentContentType(header(ctx, "content-type"), body);
  out["x-amzn-bedrock-agentcore-runtime-session-id"] = sessionId;
  out["x-amzn-bedrock-agentcore-runtime-request-id"] = ctx.requestId;
  if (token) {
    // `WorkloadAccessToken` is what AgentCore Runtime sends; the TS SDK also reads the newer header.
    out["workloadaccesstoken"] = token;
    out["x-amz-bedrock-agentcore-identity-wat"] = token;
  }
  return out;
}

export const InvokeAgentRuntime: OperationHandler = async (input, ctx) => {
  const started = Date.now();
  const log = (line: string) => ctx.local.log(`[${ctx.requestId}] ${line}`);
  const target = resolveTarget(input, ctx, "bedrock-agentcore:InvokeAgentRuntime");
  const userId = input.runtimeUserId === undefined ? undefined : String(input.runtimeUserId);
  if (userId !== undefined) ctx.authorize("bedrock-agentcore:InvokeAgentRuntimeForUser", [target.runtimeArn, target.endpointArn]);
  const version = liveVersion(ctx, target);
  const body: Buffer = Buffer.isBuffer(input.payload) ? input.payload : Buffer.from(input.payload ?? "");
  if (body.length > MAX_PAYLOAD) throw new AwsError("ValidationException", `The payload is ${body.length} bytes; the limit is ${MAX_PAYLOAD}.`, 400);
  const sessionId = String(input.runtimeSessionId);
  const runtimeId = target.runtime.agentRuntimeId;
  log(
    `invoke accepted: runtime ${runtimeId} endpoint ${target.endpoint.name} (version ${version.agentRuntimeVersion}), session ${sessionId}` +
      `${userId !== undefined ? `, user ${userId}` : ""}, ${body.length} bytes`,
  );

  let token: string | undefined;
  if (userId !== undefined) {
    token = await mintWorkloadAccessToken(ctx.local, {
      accountId: ctx.accountId,
      region: target.runtime.region,
      workloadName: version.workloadIdentityName,
      workloadIdentityArn: version.workloadIdentityArn,
      grant: "user-id",
      userId,
    });
    log(`workload access token minted for ${version.workloadIdentityName} (user ${userId})`);
  }

  const host = runtimeHostFor(ctx.local);
  if (!host) throw new AwsError("InternalServerException", "This Local AgentCore has no runtime host.", 500);
  // One invocation per session at a time (see session-gate.ts): never two inside one agent instance.
  const leave = await host.gate.enter(`${runtimeId}\n${sessionId}`, ctx.signal);
  let acquired: Awaited<ReturnType<typeof host.pool.acquire>>;
  try {
    acquired = await host.pool.acquire(target.runtime, version, sessionId);
  } catch (e) {
    leave();
    throw e;
  }
  const { instance, started: isNew } = acquired;
  log(
    isNew
      ? `instance ${instance.id} started for session ${sessionId} (port ${instance.port}, ${Date.now() - started} ms)`
      : `instance ${instance.id} reused for session ${sessionId} (port ${instance.port})`,
  );
  instance.redactor.add(token);

  instance.active++;
  instance.touch();
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    instance.active--;
    instance.touch();
    leave();
  };
  const replace = (why: string) => {
    log(`instance ${instance.id} will be replaced on the next invoke: ${why}`);
    void host.pool.remove(instance, why);
  };
  const logHint = `Agent log: npm run local -- logs ${runtimeId} --session ${sessionId}`;

  let res: IncomingMessage;
  try {
    res = await forwardInvocation({
      port: instance.port,
      headers: agentHeaders(ctx, version, sessionId, body, token),
      body,
      signal: ctx.signal,
      timeoutMs: invokeTimeoutMs(),
    });
  } catch (e) {
    release();
    if (ctx.signal.aborted) throw e; // the caller went away: nobody to answer, the agent is not at fault
    const why = instance.state === "stopped" ? `the agent ${instance.stopReason ?? "stopped"}` : (e as Error).message;
    // A hung agent is replaced too: its next caller should not wait for the same hang.
    replace(e instanceof AgentTimeoutError ? `it hung (${why})` : `it failed before answering (${why})`);
    throw runtimeClientError(failureMessage(instance, `The agent failed before answering: ${why}.`, logHint));
  }

  const status = res.statusCode ?? 500;
  if (status >= 400) {
    const message = instance.redactor.redact(await readAgentError(res));
    release();
    log(`agent answered HTTP ${status}: ${message.split("\n")[0]!.slice(0, 300)}`);
    // A server error means the agent is in a bad state; a client error (400/406/415) says only the request was wrong.
    if (status >= 500) replace(`it answered HTTP ${status}`);
    throw runtimeClientError(`Received error (${status}) from the agent: ${message}\n${logHint}`);
  }

  const stream = new AgentResponseStream(res, ({ bytes, failure }) => {
    release();
    log(`response streamed: HTTP ${status}, ${bytes} bytes, ${Date.now() - started} ms${failure ? ` (cut short: ${failure})` : ""}`);
    if (failure && failure !== "the caller went away") replace(failure);
  }, streamIdleTimeoutMs());
  const out: Shape = {
    contentType: res.headers["content-type"] ?? "application/octet-stream",
    runtimeSessionId: sessionId,
    statusCode: status,
    response: stream,
  };
  const echo: [string, string][] = [
    ["mcp-session-id", "mcpSessionId"],
    ["mcp-protocol-version", "mcpProtocolVersion"],
  ];
  for (const [h, member] of echo) if (typeof res.headers[h] === "string") out[member] = res.headers[h];
  for (const [h, member] of [["x-amzn-trace-id", "traceId"], ["traceparent", "traceParent"], ["tracestate", "traceState"], ["baggage", "baggage"]] as const) {
    const v = header(ctx, h);
    if (v !== undefined) out[member] = v;
  }
  return out;
};

function failureMessage(instance: AgentInstance, what: string, hint: string): string {
  const tail = instance.log.tail(6).join("\n");
  return `${what}${tail ? ` Last lines of its log:\n${tail}` : ""}\n${hint}`;
}
