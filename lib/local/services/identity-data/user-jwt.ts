/**
 * `GetWorkloadAccessTokenForJWT`: the user's JWT is verified against the keys of the JWT authorizer
 * configured on the runtime that owns the workload identity (its `customJWTAuthorizer.discoveryUrl`,
 * an OpenID discovery document whose `jwks_uri` lists the keys), with its allowed audiences and
 * clients. Without such a configuration the call is refused, as AWS refuses it.
 *
 * The token must come from the discovery document's `issuer` and be signed with an asymmetric
 * algorithm: never `none`, never HS* (a key set that publishes a symmetric key would otherwise let
 * anyone who read it mint tokens). The caller runs this only after IAM allowed the request, so an
 * unauthorized caller cannot make Local AgentCore fetch a URL.
 */
import { createRemoteJWKSet, jwtVerify } from "jose";
import { AwsError } from "../../errors.js";
import type { RequestContext } from "../../service.js";
import type { WorkloadIdentityRecord } from "../../state/records.js";

interface JwtAuthorizer {
  discoveryUrl: string;
  allowedAudience?: string[];
  allowedClients?: string[];
}

function authorizerOf(ctx: RequestContext, record: WorkloadIdentityRecord): JwtAuthorizer | undefined {
  if (!record.managedByRuntimeArn) return undefined;
  const runtimes = ctx.local.store.list<Record<string, unknown>>("runtime");
  const runtime = runtimes.find((r) => r.agentRuntimeArn === record.managedByRuntimeArn);
  const config = runtime?.authorizerConfiguration as { customJWTAuthorizer?: JwtAuthorizer } | undefined;
  return config?.customJWTAuthorizer;
}

/** Signature algorithms a user JWT may use: asymmetric ones only. */
export const USER_JWT_ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512"];

interface Discovered {
  issuer: string;
  keys: ReturnType<typeof createRemoteJWKSet>;
}

const discoveryCache = new Map<string, Discovered>();

async function discover(discoveryUrl: string): Promise<Discovered> {
  const cached = discoveryCache.get(discoveryUrl);
  if (cached) return cached;
  const response = await fetch(discoveryUrl, { signal: AbortSignal.timeout(5000) });
  if (!response.ok) throw new Error(`discovery document answered ${response.status}`);
  const doc = (await response.json()) as { issuer?: unknown; jwks_uri?: unknown };
  if (typeof doc.jwks_uri !== "string" || !doc.jwks_uri) throw new Error("discovery document has no jwks_uri");
  if (typeof doc.issuer !== "string" || !doc.issuer) throw new Error("discovery document has no issuer");
  const found = { issuer: doc.issuer, keys: createRemoteJWKSet(new URL(doc.jwks_uri)) };
  discoveryCache.set(discoveryUrl, found);
  return found;
}

/** The verified token's subject (the user id the workload access token is bound to). */
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
  let discovered: Discovered;
  try {
    discovered = await discover(authorizer.discoveryUrl);
  } catch (e) {
    throw new AwsError("ValidationException", `Could not read the JWT authorizer's discovery URL ${authorizer.discoveryUrl}: ${(e as Error).message}.`, 400);
  }
  try {
    const { payload } = await jwtVerify(userToken, discovered.keys, {
      issuer: discovered.issuer,
      algorithms: USER_JWT_ALGORITHMS,
      audience: authorizer.allowedAudience?.length ? authorizer.allowedAudience : undefined,
      currentDate: ctx.local.now(),
    });
    const client = payload.client_id ?? payload.azp;
    if (authorizer.allowedClients?.length && !authorizer.allowedClients.includes(String(client))) {
      throw new Error("client not allowed");
    }
    if (!payload.sub) throw new Error("no subject");
    return payload.sub;
  } catch {
    throw new AwsError("UnauthorizedException", "The user JWT is not valid for this workload identity.", 401);
  }
}
