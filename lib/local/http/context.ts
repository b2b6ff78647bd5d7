/**
 * The RequestContext handed to operation handlers: who is calling, where, and `authorize()`,
 * which asks the authorizer about each resource and throws the service's access-denied error.
 */
import { AwsError } from "../errors.js";
import type { ContextValues, Decision, LocalServices, ModelName, Principal, RequestContext } from "../service.js";
import type { ErrorFamily } from "../auth/sigv4.js";

export type DeniedMessage = (principal: Principal, action: string, resource: string, decision: Decision) => string;

export interface RequestContextInit {
  requestId: string;
  region: string;
  principal: Principal;
  model: ModelName;
  operation: string;
  local: LocalServices;
  headers: Record<string, string | string[] | undefined>;
  /** Made on first use: most operations never look (an AbortSignal is not free to create). */
  signal: () => AbortSignal;
  family: ErrorFamily;
  deniedMessage: DeniedMessage;
}

/** Global condition keys AWS sets on every request (callers' keys override them). */
function globalConditionKeys(init: RequestContextInit): ContextValues {
  const p = init.principal;
  if (p.kind === "bearer") return {}; // never asked: authorize() refuses a bearer caller first
  const now = init.local.now();
  const keys: ContextValues = {
    "aws:PrincipalArn": p.kind === "role-session" ? p.roleArn : p.arn,
    "aws:PrincipalAccount": p.accountId,
    "aws:PrincipalType": p.kind === "role-session" ? "AssumedRole" : "User",
    "aws:userid": p.kind === "role-session" ? `${p.roleId}:${p.sessionName}` : p.userId,
    "aws:RequestedRegion": init.region,
    "aws:CurrentTime": now.toISOString().replace(/\.\d{3}Z$/, "Z"),
    "aws:EpochTime": String(Math.floor(now.getTime() / 1000)),
    "aws:SecureTransport": "false",
    "aws:SourceIp": "127.0.0.1",
  };
  if (p.kind === "admin") keys["aws:username"] = p.arn.slice(p.arn.lastIndexOf("/") + 1);
  return keys;
}

export function createRequestContext(init: RequestContextInit): RequestContext {
  return {
    requestId: init.requestId,
    region: init.region,
    accountId: init.local.accountId,
    principal: init.principal,
    model: init.model,
    operation: init.operation,
    local: init.local,
    headers: init.headers,
    get signal() {
      return init.signal();
    },
    authorize(action, resources, context) {
      const principal = init.principal;
      if (principal.kind === "admin") return; // the notebook user's own key: allowed everything
      if (principal.kind === "bearer") {
        // A JWT bearer token is accepted by InvokeAgentRuntime alone, which asks its runtime's JWT authorizer instead.
        const code = init.family === "json" ? "AccessDeniedException" : "AccessDenied";
        throw new AwsError(code, `A JWT bearer token does not authorize ${action}; sign the request with AWS credentials (SigV4).`, 403);
      }
      // Made only if a decision is evaluated (most come from the authorizer's cache).
      let values: ContextValues | undefined;
      const given = () => (values ??= { ...globalConditionKeys(init), ...context });
      for (const resource of Array.isArray(resources) ? resources : [resources]) {
        const decision = init.local.authorizer.decide(principal, action, resource, given);
        if (decision !== "Allowed") {
          const code = init.family === "json" ? "AccessDeniedException" : "AccessDenied";
          throw new AwsError(code, init.deniedMessage(principal, action, resource, decision), 403);
        }
      }
    },
  };
}
