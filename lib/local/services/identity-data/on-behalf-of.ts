/**
 * `GetResourceOauth2Token` with oauth2Flow ON_BEHALF_OF_TOKEN_EXCHANGE, as AgentCore Identity
 * brokers it: the user's inbound JWT (the one the workload access token was obtained for with
 * `GetWorkloadAccessTokenForJWT`) is presented to the provider's token endpoint with the
 * provider's client credentials, and the provider's answer is the agent's token. No consent flow.
 *
 * The provider's `onBehalfOfTokenExchangeConfig.grantType` picks the protocol:
 * - TOKEN_EXCHANGE (RFC 8693): `subject_token` = the user's JWT; with `actorTokenContent` M2M, an
 *   `actor_token` too: the provider client's own client-credentials token (`actorTokenScopes`).
 * - JWT_AUTHORIZATION_GRANT (RFC 7523 §2.1): `assertion` = the user's JWT.
 * The call's scopes, resources, audiences and custom parameters go with it; the authorization
 * server decides what it grants. The token is kept in the vault (AWS's guide: "caches the scoped
 * downstream token(s) in the Token Vault"), per user token, like an M2M token.
 *
 * Refused: a workload access token without a user JWT (for a workload or a user id), a provider
 * without the exchange configuration, an actor signed with AWS_IAM_ID_TOKEN_JWT (not offline).
 */
import { AwsError } from "../../errors.js";
import type { RequestContext, Shape } from "../../service.js";
import type { WorkloadTokenClaims } from "../../auth/workload-tokens.js";
import type { ResolvedOauth2Provider } from "../identity/oauth2-providers.js";
import { KIND_OAUTH2_PROVIDER, type Oauth2ProviderRecord } from "../identity/records.js";
import { appendRequestedAccess, exchangeClientCredentials, requestToken, type TokenClient } from "./client-credentials.js";
import { vaultedOrIssuedToken } from "./provider-token.js";
import { cacheKey, createTokenCache } from "./token-cache.js";
import { createInboundUserTokens } from "./inbound-user-tokens.js";

const ACCESS_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:access_token";

interface ExchangeConfig {
  grantType: "TOKEN_EXCHANGE" | "JWT_AUTHORIZATION_GRANT";
  tokenExchangeGrantTypeConfig?: { actorTokenContent: "NONE" | "M2M" | "AWS_IAM_ID_TOKEN_JWT"; actorTokenScopes?: string[] };
}

const invalid = (message: string) => new AwsError("ValidationException", message, 400);

/** The user's JWT behind the workload access token, or a refusal that says how to get one. */
function subjectToken(ctx: RequestContext, claims: WorkloadTokenClaims): string {
  if (claims.grant === "jwt" && claims.userTokenDigest === undefined) {
    // The runtime's own minting for a bearer-token invocation, which does not pass the user's JWT on (yet).
    throw invalid(
      "This workload access token was issued for a user JWT that Local AgentCore did not keep, so there is no user token to exchange. " +
        "Get the workload access token with GetWorkloadAccessTokenForJWT and the user's JWT.",
    );
  }
  if (claims.grant !== "jwt" || claims.userTokenDigest === undefined) {
    throw invalid(
      "oauth2Flow ON_BEHALF_OF_TOKEN_EXCHANGE exchanges the user's inbound access token: get the workload access token with GetWorkloadAccessTokenForJWT " +
        "(an agent runtime with a customJWTAuthorizer does so for each request with a bearer token). A token for a workload or a user id carries no user token to exchange.",
    );
  }
  const jwt = createInboundUserTokens(ctx.local).get(claims.userTokenDigest);
  // A digest with no token held: expired, or minted before the token was kept.
  if (jwt === undefined) {
    throw new AwsError("UnauthorizedException", "The user token behind this workload access token has expired. Get a new workload access token with a fresh user token.", 401);
  }
  return jwt;
}

export async function onBehalfOfFlow(ctx: RequestContext, input: Shape, claims: WorkloadTokenClaims, provider: ResolvedOauth2Provider): Promise<Shape> {
  const config = provider.config.onBehalfOfTokenExchangeConfig as ExchangeConfig | undefined;
  if (!config) {
    throw invalid(
      `OAuth2 credential provider ${provider.name} is not configured for on-behalf-of token exchange: ` +
        "set onBehalfOfTokenExchangeConfig (grantType TOKEN_EXCHANGE or JWT_AUTHORIZATION_GRANT) on its customOauth2ProviderConfig with UpdateOauth2CredentialProvider.",
    );
  }
  const subject = subjectToken(ctx, claims);
  if (!provider.clientId) throw invalid(`OAuth2 credential provider ${provider.name} has no clientId; update it.`);
  if (provider.clientSecret === undefined) {
    throw invalid(`OAuth2 credential provider ${provider.name} authenticates without a client secret (${String(provider.config.clientAuthenticationMethod)}), which Local AgentCore does not support; give it a client secret.`);
  }
  const actor = config.tokenExchangeGrantTypeConfig;
  if (actor?.actorTokenContent === "AWS_IAM_ID_TOKEN_JWT") {
    throw invalid(`OAuth2 credential provider ${provider.name} asks for an AWS IAM identity token as the actor token, which Local AgentCore cannot issue offline; use actorTokenContent M2M or NONE.`);
  }

  const record = ctx.local.store.get<Oauth2ProviderRecord>(KIND_OAUTH2_PROVIDER, provider.credentialProviderArn)!;
  const providerVersion = `${record.createdTime}|${record.lastUpdatedTime}`;
  const scopes = (input.scopes as string[] | undefined) ?? [];
  const resources = input.resources as string[] | undefined;
  const audiences = input.audiences as string[] | undefined;
  const customParameters = input.customParameters as Record<string, string> | undefined;
  const where = `provider ${provider.name} for workload ${claims.workloadName}, user ${claims.userId} (ON_BEHALF_OF_TOKEN_EXCHANGE ${config.grantType}`;
  const key = cacheKey({ workloadIdentityArn: claims.workloadIdentityArn, providerArn: provider.credentialProviderArn, providerVersion, scopes, resources, audiences, customParameters, subject: claims.userTokenDigest });
  const { clientId, clientSecret } = provider;
  return vaultedOrIssuedToken(ctx, provider, key, where, async (endpoint) => {
    const client: TokenClient = { endpoint, clientId, clientSecret, authMethod: provider.config.clientAuthenticationMethod as string | undefined };
    const form = new URLSearchParams();
    if (config.grantType === "JWT_AUTHORIZATION_GRANT") {
      form.set("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer");
      form.set("assertion", subject);
    } else {
      form.set("grant_type", "urn:ietf:params:oauth:grant-type:token-exchange");
      form.set("subject_token", subject);
      form.set("subject_token_type", ACCESS_TOKEN_TYPE);
      if (actor?.actorTokenContent === "M2M") {
        form.set("actor_token", await actorToken(ctx, claims, provider, client, providerVersion, actor.actorTokenScopes ?? []));
        form.set("actor_token_type", ACCESS_TOKEN_TYPE);
      }
    }
    appendRequestedAccess(form, { scopes, resources, audiences, customParameters });
    return requestToken(client, form, config.grantType === "JWT_AUTHORIZATION_GRANT" ? "JwtAuthorizationGrant" : "TokenExchange");
  });
}

/** The provider client's own token (client credentials), cached as its M2M token for those scopes is. */
async function actorToken(ctx: RequestContext, claims: WorkloadTokenClaims, provider: ResolvedOauth2Provider, client: TokenClient, providerVersion: string, scopes: string[]): Promise<string> {
  const cache = createTokenCache({ vault: ctx.local.vault, store: ctx.local.store, now: () => ctx.local.now().getTime() });
  const key = cacheKey({ workloadIdentityArn: claims.workloadIdentityArn, providerArn: provider.credentialProviderArn, providerVersion, scopes });
  const cached = cache.get(key);
  if (cached !== undefined) return cached;
  const issued = await exchangeClientCredentials({ ...client, scopes });
  ctx.local.store.tx(() => cache.put(key, issued.accessToken, issued.expiresIn));
  return issued.accessToken;
}
