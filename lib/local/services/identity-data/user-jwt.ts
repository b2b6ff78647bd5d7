/**
 * `GetWorkloadAccessTokenForJWT`: the user's JWT is verified against the JWT authorizer configured
 * on the runtime that owns the workload identity (its `customJWTAuthorizer`; see
 * auth/jwt-authorizer.ts for the checks). Without such a configuration the call is refused, as AWS
 * refuses it. The caller runs this only after IAM allowed the request, so an unauthorized caller
 * cannot make Local AgentCore fetch a URL.
 */
import { AwsError } from "../../errors.js";
import type { RequestContext } from "../../service.js";
import type { WorkloadIdentityRecord } from "../../state/records.js";
import { JwtDiscoveryFailed, jwtAuthorizerFor, userIdOf, type CustomJwtAuthorizer } from "../../auth/jwt-authorizer.js";

function authorizerOf(ctx: RequestContext, record: WorkloadIdentityRecord): CustomJwtAuthorizer | undefined {
  if (!record.managedByRuntimeArn) return undefined;
  const runtimes = ctx.local.store.list<Record<string, unknown>>("runtime");
  const runtime = runtimes.find((r) => r.agentRuntimeArn === record.managedByRuntimeArn);
  const config = runtime?.authorizerConfiguration as { customJWTAuthorizer?: CustomJwtAuthorizer } | undefined;
  return config?.customJWTAuthorizer;
}

/** The verified token's user id (what the workload access token is bound to). */
export async function verifyUserJwt(ctx: RequestContext, record: WorkloadIdentityRecord, userToken: string): Promise<string> {
  const authorizer = authorizerOf(ctx, record);
  if (!authorizer) {
    throw new AwsError(
      "ValidationException",
      `Workload identity ${record.name} has no JWT authorizer configured, so a user JWT cannot be verified. ` +
        "Configure authorizerConfiguration.customJWTAuthorizer (discoveryUrl) on its agent runtime, or use GetWorkloadAccessTokenForUserId.",
      400,
    );
  }
  try {
    return userIdOf(await jwtAuthorizerFor(ctx.local).verify(authorizer, userToken));
  } catch (e) {
    if (e instanceof JwtDiscoveryFailed) {
      throw new AwsError("ValidationException", `Could not read the JWT authorizer's discovery URL ${authorizer.discoveryUrl}: ${e.message}.`, 400);
    }
    throw new AwsError("UnauthorizedException", "The user JWT is not valid for this workload identity.", 401);
  }
}
