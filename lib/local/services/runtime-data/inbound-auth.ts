/**
 * Who invokes a runtime, by the runtime's inbound auth. A runtime whose live version has a
 * `customJWTAuthorizer` takes `Authorization: Bearer <jwt>` instead of SigV4, and only that; a
 * runtime without one takes SigV4 only (either way round AWS answers AccessDeniedException
 * "Authorization method mismatch"). A bearer token is checked by the authorizer
 * (auth/jwt-authorizer.ts), and its user is the one the agent's workload access token is for, as
 * GetWorkloadAccessTokenForJWT would give; a SigV4 caller names the user (runtimeUserId, which IAM
 * checked as InvokeAgentRuntimeForUser), or none.
 */
import { AwsError } from "../../errors.js";
import type { RequestContext } from "../../service.js";
import { JwtDiscoveryFailed, JwtRejected, jwtAuthorizerFor, userIdOf, type CustomJwtAuthorizer } from "../../auth/jwt-authorizer.js";
import type { RuntimeVersionRecord } from "../runtime-control/index.js";

/** AWS's message when the request's authentication is not the one the runtime is configured for. */
const MISMATCH =
  "Authorization method mismatch. The agent is configured for a different authorization method than what was used in your request. (OAuth or SigV4)";

export const jwtAuthorizerOf = (version: RuntimeVersionRecord): CustomJwtAuthorizer | undefined =>
  (version.authorizerConfiguration as { customJWTAuthorizer?: CustomJwtAuthorizer } | undefined)?.customJWTAuthorizer;

/** The bearer token's user, or UnauthorizedException (the model's "JWT bearer token is invalid or not found"). */
async function verifyBearer(ctx: RequestContext, authorizer: CustomJwtAuthorizer, token: string, log: (line: string) => void): Promise<string> {
  if (!token) throw new AwsError("UnauthorizedException", "JWT bearer token is invalid or not found: the Authorization header has no token after Bearer.", 401);
  try {
    const caller = await jwtAuthorizerFor(ctx.local).verify(authorizer, token);
    log(`bearer token accepted: user ${caller.subject}${caller.clientId ? `, client ${caller.clientId}` : ""}`);
    return userIdOf(caller);
  } catch (e) {
    if (e instanceof JwtRejected) {
      log(`bearer token refused: ${e.reason}`);
      throw new AwsError("UnauthorizedException", `JWT bearer token is invalid or not found: ${e.reason}. Get a new token from the issuer the runtime's authorizer names.`, 401);
    }
    if (e instanceof JwtDiscoveryFailed) {
      log(`bearer token not checked: the authorizer's discovery URL ${authorizer.discoveryUrl}: ${e.message}`);
      throw new AwsError(
        "UnauthorizedException",
        "JWT bearer token is invalid or not found: the runtime's JWT authorizer could not read its issuer's discovery document or key set (see the server log; check customJWTAuthorizer.discoveryUrl).",
        401,
      );
    }
    throw e;
  }
}

export interface InvocationCaller {
  /** The user the agent's workload access token is for (none: no token). */
  userId?: string;
  /** The caller's JWT, when it authenticated with one. */
  bearer?: string;
}

export async function invocationCaller(
  ctx: RequestContext,
  version: RuntimeVersionRecord,
  requestedUser: string | undefined,
  runtimeId: string,
  log: (line: string) => void,
): Promise<InvocationCaller> {
  const bearer = ctx.principal.kind === "bearer" ? ctx.principal.token : undefined;
  if (requestedUser !== undefined && bearer !== undefined) {
    // The user is the token's; a header naming another would let any token holder act as anyone.
    throw new AwsError(
      "ValidationException",
      "Do not send X-Amzn-Bedrock-AgentCore-Runtime-User-Id with a bearer token: the user is the JWT's subject. Remove the header (runtimeUserId).",
      400,
    );
  }
  const authorizer = jwtAuthorizerOf(version);
  if ((bearer !== undefined) !== (authorizer !== undefined)) {
    log(`invoke refused: runtime ${runtimeId} takes ${authorizer ? "a JWT bearer token" : "SigV4"}, the request sent ${bearer !== undefined ? "a bearer token" : "SigV4"}`);
    throw new AwsError("AccessDeniedException", MISMATCH, 403);
  }
  if (bearer === undefined || !authorizer) return requestedUser === undefined ? {} : { userId: requestedUser };
  return { userId: await verifyBearer(ctx, authorizer, bearer, log), bearer };
}
