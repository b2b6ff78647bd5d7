/**
 * `GetResourceOauth2Token`. M2M: the client-credentials grant against the provider's token
 * endpoint with its vaulted client secret, the token kept in the vault until shortly before it
 * expires. The same checks as `GetResourceApiKey`: the workload access token, then IAM for the
 * caller on the token vault, the provider and the workload identity, then on the client secret.
 */
import { AwsError } from "../../errors.js";
import type { OperationHandler, RequestContext, Shape } from "../../service.js";
import { verifyWorkloadAccessToken, type WorkloadTokenClaims } from "../../auth/workload-tokens.js";
import { getOauth2ProviderSecret, type ResolvedOauth2Provider } from "../identity/oauth2-providers.js";
import { oauth2ProviderArn, tokenVaultArn, workloadIdentityDirectoryArn } from "../identity/arns.js";
import { KIND_OAUTH2_PROVIDER, type Oauth2ProviderRecord } from "../identity/records.js";
import { exchangeClientCredentials } from "./client-credentials.js";
import { cacheKey } from "./token-cache.js";
import { vaultedOrIssuedToken } from "./provider-token.js";

async function workloadClaims(ctx: RequestContext, token: string): Promise<WorkloadTokenClaims> {
  const claims = await verifyWorkloadAccessToken(ctx.local, token);
  if (claims.accountId !== ctx.accountId) {
    throw new AwsError("AccessDeniedException", "The workload access token was issued for another account.", 403);
  }
  if (claims.region !== ctx.region) {
    throw new AwsError(
      "AccessDeniedException",
      `The workload access token was issued in ${claims.region}, not ${ctx.region}. Call GetResourceOauth2Token in ${claims.region}, or get a token in ${ctx.region}.`,
      403,
    );
  }
  // Workload identities are regional: stored under their ARN.
  if (!ctx.local.store.get("identity-workload-identity", claims.workloadIdentityArn)) {
    throw new AwsError("UnauthorizedException", `The workload identity ${claims.workloadName} of this token no longer exists.`, 401);
  }
  return claims;
}

/** IAM as for API keys; returns the provider with its secret. Logs the denied hop. */
function authorizeProvider(ctx: RequestContext, claims: WorkloadTokenClaims, name: string): ResolvedOauth2Provider {
  // The provider is looked up under the very ARN IAM is asked about (identity resources are regional).
  const scope = { region: ctx.region, accountId: ctx.accountId };
  try {
    ctx.authorize("bedrock-agentcore:GetResourceOauth2Token", [
      tokenVaultArn(scope),
      oauth2ProviderArn(scope, name),
      workloadIdentityDirectoryArn(scope),
      claims.workloadIdentityArn,
    ]);
    const provider = getOauth2ProviderSecret(ctx.local, scope, name);
    ctx.authorize("secretsmanager:GetSecretValue", provider.secretArn);
    return provider;
  } catch (e) {
    if (e instanceof AwsError && e.status === 403) {
      ctx.local.log(`[${ctx.requestId}] GetResourceOauth2Token denied: provider ${name} for workload ${claims.workloadName}: ${e.message}`);
    }
    throw e;
  }
}

async function m2m(ctx: RequestContext, input: Shape, claims: WorkloadTokenClaims, provider: ResolvedOauth2Provider) {
  if (!provider.clientId) throw new AwsError("ValidationException", `OAuth2 credential provider ${provider.name} has no clientId; update it.`, 400);
  if (provider.clientSecret === undefined) {
    throw new AwsError("ValidationException", `OAuth2 credential provider ${provider.name} authenticates without a client secret (${String(provider.config.clientAuthenticationMethod)}), which Local AgentCore does not support for M2M; give it a client secret.`, 400);
  }
  const record = ctx.local.store.get<Oauth2ProviderRecord>(KIND_OAUTH2_PROVIDER, provider.credentialProviderArn)!;
  const scopes = (input.scopes as string[] | undefined) ?? [];
  const resources = input.resources as string[] | undefined;
  const audiences = input.audiences as string[] | undefined;
  const customParameters = input.customParameters as Record<string, string> | undefined;
  const key = cacheKey({
    workloadIdentityArn: claims.workloadIdentityArn,
    providerArn: provider.credentialProviderArn,
    providerVersion: `${record.createdTime}|${record.lastUpdatedTime}`,
    scopes,
    resources,
    audiences,
    customParameters,
  });
  const where = `provider ${provider.name} for workload ${claims.workloadName} (M2M`;
  const { clientId, clientSecret } = provider;
  return vaultedOrIssuedToken(ctx, provider, key, where, (endpoint) =>
    exchangeClientCredentials({
      endpoint,
      clientId,
      clientSecret,
      authMethod: provider.config.clientAuthenticationMethod as string | undefined,
      scopes,
      resources,
      audiences,
      customParameters,
    }),
  );
}

/**
 * Flows other than M2M are answered by `otherFlows` when given (the user-federation flow lives in
 * its own module); without it they are refused with a ValidationException that says so.
 */
export function getResourceOauth2Token(otherFlows?: (ctx: RequestContext, input: Shape, claims: WorkloadTokenClaims, provider: ResolvedOauth2Provider) => Promise<Shape>): OperationHandler {
  return async (input, ctx) => {
    const claims = await workloadClaims(ctx, String(input.workloadIdentityToken));
    const provider = authorizeProvider(ctx, claims, String(input.resourceCredentialProviderName));
    if (input.oauth2Flow === "M2M") return m2m(ctx, input, claims, provider);
    if (otherFlows) return otherFlows(ctx, input, claims, provider);
    throw new AwsError("ValidationException", `Local AgentCore supports oauth2Flow M2M; ${String(input.oauth2Flow)} is not available here yet.`, 400);
  };
}
