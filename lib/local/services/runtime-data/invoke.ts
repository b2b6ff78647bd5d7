/**
 * InvokeAgentRuntime, its AWS-facing part: authorize, resolve the endpoint's live version, check
 * the payload, mint a workload access token when a user id is sent (as AWS does: without one the
 * agent gets no token), and build the headers the agent receives. A runtime with a JWT authorizer
 * authenticates its callers by their bearer token instead (inbound-auth.ts), whose user the token
 * is for. The runtime host does the rest
 * (session turn, instance, forwarding, streaming the answer back as it is produced); its answer
 * becomes the operation's output. Every hop is one log line tagged with the request id, so a
 * learner can follow the path.
 */
import { AwsError } from "../../errors.js";
import type { OperationHandler, RequestContext, Shape } from "../../service.js";
import { DEFAULT_TOKEN_TTL_SECONDS, mintWorkloadAccessToken } from "../../auth/workload-tokens.js";
import { holdInboundUserToken } from "../identity-data/inbound-user-tokens.js";
import { invocationCaller, jwtAuthorizerOf } from "./inbound-auth.js";
import { MAX_FORWARDED_VALUE, refusedHeaderName } from "../../runtime-header-names.js";
import type { RuntimeHost } from "../../runtime-host/host.js";
import type { RuntimeVersionRecord } from "../runtime-control/index.js";
import { liveVersion, resolveTarget } from "./target.js";

/** AWS's documented InvokeAgentRuntime payload limit (the model's `Body` max). */
const MAX_PAYLOAD = 100 * 1000 * 1000;
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

/**
 * The allowlisted request headers, by AWS's rules (runtime-header-names.ts): the SigV4 headers and
 * credentials never, Authorization only when it carried the JWT the runtime's authorizer accepted.
 */
function allowlistedHeaders(ctx: RequestContext, version: RuntimeVersionRecord): Record<string, string> {
  const out: Record<string, string> = {};
  const jwt = ctx.principal.kind === "bearer" && jwtAuthorizerOf(version) !== undefined;
  for (const listed of version.requestHeaderConfiguration?.requestHeaderAllowlist ?? []) {
    const name = listed.toLowerCase();
    if (refusedHeaderName(name, jwt)) continue;
    const v = header(ctx, name);
    if (v === undefined) continue;
    if (Buffer.byteLength(v) > MAX_FORWARDED_VALUE) {
      throw new AwsError("ValidationException", `The value of header ${listed} is longer than ${MAX_FORWARDED_VALUE} bytes, the limit for a header passed to the agent.`, 400);
    }
    out[name] = v;
  }
  return out;
}

function agentHeaders(ctx: RequestContext, version: RuntimeVersionRecord, sessionId: string, body: Buffer, token?: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of PASSED_HEADERS) {
    const v = header(ctx, name);
    if (v !== undefined) out[name] = v;
  }
  Object.assign(out, allowlistedHeaders(ctx, version));
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

/** `InvokeAgentRuntime`, served by this runtime host. */
export function invokeAgentRuntime(host: RuntimeHost): OperationHandler {
  return async (input, ctx) => {
    const log = (line: string) => ctx.local.log(`[${ctx.requestId}] ${line}`);
    const target = resolveTarget(input, ctx, "bedrock-agentcore:InvokeAgentRuntime");
    const requestedUser = input.runtimeUserId === undefined ? undefined : String(input.runtimeUserId);
    if (requestedUser !== undefined && ctx.principal.kind !== "bearer") {
      ctx.authorize("bedrock-agentcore:InvokeAgentRuntimeForUser", [target.runtimeArn, target.endpointArn]);
    }
    const version = liveVersion(target);
    const { userId, bearer } = await invocationCaller(ctx, version, requestedUser, target.runtime.agentRuntimeId, log);
    const body: Buffer = Buffer.isBuffer(input.payload) ? input.payload : Buffer.from(input.payload ?? "");
    if (body.length > MAX_PAYLOAD) throw new AwsError("ValidationException", `The payload is ${body.length} bytes; the limit is ${MAX_PAYLOAD}.`, 400);
    const sessionId = String(input.runtimeSessionId);
    log(
      `invoke accepted: runtime ${target.runtime.agentRuntimeId} endpoint ${target.endpoint.name} (version ${version.agentRuntimeVersion}), session ${sessionId}` +
        `${userId !== undefined ? `, user ${userId}` : ""}, ${body.length} bytes`,
    );

    let token: string | undefined;
    if (userId !== undefined) {
      // As GetWorkloadAccessTokenForJWT does: the caller's JWT is held for a later on-behalf-of exchange.
      const userTokenDigest =
        bearer !== undefined ? holdInboundUserToken(ctx.local, bearer, Math.floor(ctx.local.now().getTime() / 1000) + DEFAULT_TOKEN_TTL_SECONDS) : undefined;
      token = await mintWorkloadAccessToken(ctx.local, {
        accountId: ctx.accountId,
        region: target.runtime.region,
        workloadName: version.workloadIdentityName,
        workloadIdentityArn: version.workloadIdentityArn,
        grant: bearer !== undefined ? "jwt" : "user-id",
        userId,
        ...(userTokenDigest !== undefined ? { userTokenDigest } : {}),
      });
      log(`workload access token minted for ${version.workloadIdentityName} (user ${userId})`);
    }

    const answer = await host.invoke({
      runtime: target.runtime,
      version,
      sessionId,
      headers: agentHeaders(ctx, version, sessionId, body, token),
      body,
      signal: ctx.signal,
      token,
      ...(bearer ? { callerToken: bearer } : {}),
      log,
    });
    const out: Shape = {
      contentType: answer.contentType,
      runtimeSessionId: sessionId,
      statusCode: answer.status,
      response: answer.body,
    };
    for (const [h, member] of [["mcp-session-id", "mcpSessionId"], ["mcp-protocol-version", "mcpProtocolVersion"]] as const) {
      const v = answer.headers[h];
      if (typeof v === "string") out[member] = v;
    }
    for (const [h, member] of [["x-amzn-trace-id", "traceId"], ["traceparent", "traceParent"], ["tracestate", "traceState"], ["baggage", "baggage"]] as const) {
      const v = header(ctx, h);
      if (v !== undefined) out[member] = v;
    }
    return out;
  };
}
