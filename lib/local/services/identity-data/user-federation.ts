/**
 * `GetResourceOauth2Token` with oauth2Flow USER_FEDERATION (3LO) and `CompleteResourceTokenAuth`,
 * as AWS's session binding works:
 *
 * 1. The first call for a user answers `authorizationUrl` (Local AgentCore's own
 *    `/identities/oauth2/authorize?request_uri=…`), `sessionUri` and `sessionStatus` IN_PROGRESS.
 * 2. That URL sends the browser to the provider with PKCE (oauth2-browser-routes.ts); the provider
 *    calls back, and the browser is sent on to the caller's `resourceOauth2ReturnUrl` with
 *    `session_id`.
 * 3. The app calls `CompleteResourceTokenAuth` with the same user; only then is the code exchanged
 *    and the token vaulted. The next `GetResourceOauth2Token` (a poll with `sessionUri`, or a new
 *    call) returns it.
 *
 * Pending polls answer 200 without `accessToken` (both SDKs keep polling on that). A wrong user, or
 * an unknown, expired or finished session, is AccessDeniedException "Invalid or expired session".
 */
import { createHash } from "node:crypto";
import { AwsError } from "../../errors.js";
import type { OperationHandler, RequestContext, Shape } from "../../service.js";
import type { WorkloadTokenClaims } from "../../auth/workload-tokens.js";
import type { WorkloadIdentityRecord } from "../../state/records.js";
import { getOauth2ProviderSecret, type ResolvedOauth2Provider } from "../identity/oauth2-providers.js";
import { oauth2ProviderArn, tokenVaultArn, workloadIdentityDirectoryArn } from "../identity/arns.js";
import { KIND_OAUTH2_PROVIDER, KIND_WORKLOAD_IDENTITY, type Oauth2ProviderRecord } from "../identity/records.js";
import { callbackUrl } from "../identity/oauth2-callback.js";
import { requestToken, type TokenClient } from "./client-credentials.js";
import { providerEndpoints } from "./provider-endpoints.js";
import { createSessions, type SessionRecord } from "./oauth2-sessions.js";
import { createUserTokens, userTokenKey } from "./user-tokens.js";

export const AUTHORIZE_PATH = "/identities/oauth2/authorize";

export const invalidSession = () => new AwsError("AccessDeniedException", "Invalid or expired session", 403);

const invalid = (message: string) => new AwsError("ValidationException", message, 400);

/** Local AgentCore's authorization URL for a session (what AWS answers, on our listener). */
export const authorizationUrl = (endpoint: string, sessionUri: string) => `${endpoint}${AUTHORIZE_PATH}?request_uri=${encodeURIComponent(sessionUri)}`;

function providerVersion(ctx: RequestContext, provider: ResolvedOauth2Provider): string {
  const record = ctx.local.store.get<Oauth2ProviderRecord>(KIND_OAUTH2_PROVIDER, provider.credentialProviderArn)!;
  return `${record.createdTime}|${record.lastUpdatedTime}`;
}

/** The token client (endpoint, id, secret) of a provider, for the code and refresh grants. */
async function tokenClient(ctx: RequestContext, provider: ResolvedOauth2Provider): Promise<TokenClient> {
  if (!provider.clientId) throw invalid(`OAuth2 credential provider ${provider.name} has no clientId; update it.`);
  if (provider.clientSecret === undefined) {
    throw invalid(`OAuth2 credential provider ${provider.name} authenticates without a client secret (${String(provider.config.clientAuthenticationMethod)}), which Local AgentCore does not support; give it a client secret.`);
  }
  return {
    endpoint: await providerEndpoints(ctx, provider),
    clientId: provider.clientId,
    clientSecret: provider.clientSecret,
    authMethod: provider.config.clientAuthenticationMethod as string | undefined,
  };
}

/** The return URL must be given and be one of the workload identity's, exactly (query included). */
function checkReturnUrl(workload: WorkloadIdentityRecord, returnUrl: unknown): string {
  if (!workload.allowedResourceOauth2ReturnUrls.length || returnUrl === undefined) {
    throw invalid("You must register and use at least one ResourceOauth2ReturnUrl on your workload identity to use this flow");
  }
  const url = String(returnUrl);
  if (!workload.allowedResourceOauth2ReturnUrls.includes(url)) {
    throw invalid(
      `resourceOauth2ReturnUrl ${url} is not one of the allowedResourceOauth2ReturnUrls of workload identity ${workload.name} ` +
        "(compared exactly, query string included); add it with UpdateWorkloadIdentity or send one that is registered.",
    );
  }
  return url;
}

/** The answer while the user has not finished: no accessToken, so the SDKs keep polling. */
const pending = (ctx: RequestContext, s: SessionRecord): Shape =>
  s.status === "FAILED"
    ? { sessionUri: s.sessionUri, sessionStatus: "FAILED" }
    : { authorizationUrl: authorizationUrl(ctx.local.endpoint, s.sessionUri), sessionUri: s.sessionUri, sessionStatus: "IN_PROGRESS" };

/**
 * The vaulted token for this key, refreshed with its refresh token when it has expired. A refused
 * refresh forgets the token (the user is asked again).
 */
async function vaultedToken(ctx: RequestContext, key: string, provider: ResolvedOauth2Provider, where: string): Promise<string | undefined> {
  const tokens = createUserTokens(ctx.local);
  const held = tokens.get(key);
  if (!held) return undefined;
  if (tokens.fresh(held)) return held.accessToken;
  if (!held.refreshToken) {
    tokens.delete(key);
    return undefined;
  }
  const client = await tokenClient(ctx, provider);
  try {
    const issued = await requestToken(client, new URLSearchParams({ grant_type: "refresh_token", refresh_token: held.refreshToken }), "RefreshToken");
    // A server that does not rotate refresh tokens keeps the old one valid.
    tokens.put(key, { ...issued, refreshToken: issued.refreshToken ?? held.refreshToken });
    ctx.local.log(`[${ctx.requestId}] GetResourceOauth2Token allowed: ${where}, refreshed at ${client.endpoint.url})`);
    return issued.accessToken;
  } catch (e) {
    if (!(e instanceof AwsError)) throw e;
    tokens.delete(key);
    ctx.local.log(`[${ctx.requestId}] GetResourceOauth2Token: ${where}): the refresh was refused (${e.message}); the user is asked again`);
    return undefined;
  }
}

/** USER_FEDERATION, for getResourceOauth2Token's `otherFlows` (ON_BEHALF_OF_TOKEN_EXCHANGE is on-behalf-of.ts's). */
export async function userFederationFlow(ctx: RequestContext, input: Shape, claims: WorkloadTokenClaims, provider: ResolvedOauth2Provider): Promise<Shape> {
  if (input.oauth2Flow !== "USER_FEDERATION") {
    throw invalid(`Local AgentCore supports oauth2Flow M2M, USER_FEDERATION and ON_BEHALF_OF_TOKEN_EXCHANGE; ${String(input.oauth2Flow)} is not available here.`);
  }
  if (claims.userId === undefined) {
    throw invalid("oauth2Flow USER_FEDERATION acts on behalf of a user: get the workload access token with GetWorkloadAccessTokenForUserId or GetWorkloadAccessTokenForJWT.");
  }
  const workload = ctx.local.store.get<WorkloadIdentityRecord>(KIND_WORKLOAD_IDENTITY, claims.workloadIdentityArn)!;
  const returnUrl = checkReturnUrl(workload, input.resourceOauth2ReturnUrl);
  const scopes = (input.scopes as string[] | undefined) ?? [];
  const version = providerVersion(ctx, provider);
  const key = userTokenKey({ workloadIdentityArn: claims.workloadIdentityArn, providerArn: provider.credentialProviderArn, providerVersion: version, userId: claims.userId, scopes });
  const where = `provider ${provider.name} for workload ${claims.workloadName}, user ${claims.userId} (USER_FEDERATION`;
  const sessions = createSessions(ctx.local);

  if (input.sessionUri !== undefined) {
    const s = sessions.get(String(input.sessionUri));
    if (!s || s.workloadIdentityArn !== claims.workloadIdentityArn || s.userId !== claims.userId || s.providerArn !== provider.credentialProviderArn || s.providerVersion !== version) {
      ctx.local.log(`[${ctx.requestId}] GetResourceOauth2Token denied: ${where}): invalid or expired session`);
      throw invalidSession();
    }
    if (s.status === "COMPLETED") {
      const token = await vaultedToken(ctx, s.tokenKey, provider, where);
      if (token !== undefined) {
        ctx.local.log(`[${ctx.requestId}] GetResourceOauth2Token allowed: ${where}, from the token vault)`);
        return { accessToken: token };
      }
      throw invalidSession();
    }
    return pending(ctx, s);
  }

  if (input.forceAuthentication !== true) {
    const token = await vaultedToken(ctx, key, provider, where);
    if (token !== undefined) {
      ctx.local.log(`[${ctx.requestId}] GetResourceOauth2Token allowed: ${where}, from the token vault)`);
      return { accessToken: token };
    }
  }
  await tokenClient(ctx, provider); // a provider that cannot finish the flow is refused before the user is sent anywhere
  const s = sessions.create({
    accountId: claims.accountId,
    region: claims.region,
    workloadName: claims.workloadName,
    workloadIdentityArn: claims.workloadIdentityArn,
    providerName: provider.name,
    providerArn: provider.credentialProviderArn,
    providerVersion: version,
    userId: claims.userId,
    grant: claims.grant,
    ...(claims.userTokenDigest !== undefined ? { userTokenDigest: claims.userTokenDigest } : {}),
    scopes,
    ...(input.customParameters !== undefined ? { customParameters: input.customParameters as Record<string, string> } : {}),
    ...(input.customState !== undefined ? { customState: String(input.customState) } : {}),
    returnUrl,
    tokenKey: key,
  });
  ctx.local.log(`[${ctx.requestId}] GetResourceOauth2Token: ${where}): the user must authorize; authorization URL issued`);
  return pending(ctx, s);
}

/** Whether the identifier is the user who started the session (the very JWT, byte for byte, for a JWT). */
function sameUser(s: SessionRecord, identifier: { userId?: string; userToken?: string }): boolean {
  if (identifier.userId !== undefined) return s.grant === "user-id" && s.userId === identifier.userId;
  if (identifier.userToken !== undefined) {
    return s.userTokenDigest !== undefined && s.userTokenDigest === createHash("sha256").update(identifier.userToken).digest("hex");
  }
  return false;
}

/**
 * `CompleteResourceTokenAuth`: IAM on the session's token vault, provider and workload identity;
 * the same user; a code received; then the code exchange (with the PKCE verifier) and the vault.
 */
export const CompleteResourceTokenAuth: OperationHandler = async (input, ctx) => {
  const sessions = createSessions(ctx.local);
  const s = sessions.get(String(input.sessionUri));
  // Another account's or region's session is as unknown as one that never existed.
  if (!s || s.accountId !== ctx.accountId || s.region !== ctx.region) throw invalidSession();
  const scope = { region: ctx.region, accountId: ctx.accountId };
  ctx.authorize("bedrock-agentcore:CompleteResourceTokenAuth", [
    tokenVaultArn(scope),
    oauth2ProviderArn(scope, s.providerName),
    workloadIdentityDirectoryArn(scope),
    s.workloadIdentityArn,
  ]);
  const where = `provider ${s.providerName} for workload ${s.workloadName}, user ${s.userId}`;
  const identifier = (input.userIdentifier ?? {}) as { userId?: string; userToken?: string };
  if (!sameUser(s, identifier)) {
    ctx.local.log(`[${ctx.requestId}] CompleteResourceTokenAuth denied: ${where}: not the user who started the session`);
    throw invalidSession();
  }
  if (s.status === "CREATED" || s.status === "AUTHORIZING") {
    throw invalid("The user has not finished authorizing yet: open the session's authorizationUrl, sign in and consent, then call CompleteResourceTokenAuth from the return URL's handler.");
  }
  let code: string | undefined;
  let verifier: string | undefined;
  // Claimed in one transaction: a second, concurrent call finds it EXCHANGING and is refused.
  const claimed = sessions.advance(s.sessionUri, "CALLBACK_RECEIVED", "EXCHANGING", (secrets) => {
    code = secrets.code;
    verifier = secrets.codeVerifier;
    return undefined; // the code is used once, whatever happens next
  });
  if (!claimed || !code || !verifier) throw invalidSession();

  let provider: ResolvedOauth2Provider;
  try {
    provider = getOauth2ProviderSecret(ctx.local, scope, s.providerName);
    if (provider.credentialProviderArn !== s.providerArn) throw invalidSession();
  } catch (e) {
    sessions.advance(s.sessionUri, "EXCHANGING", "FAILED");
    throw e instanceof AwsError && e.code === "ResourceNotFoundException" ? invalidSession() : e;
  }
  const record = ctx.local.store.get<Oauth2ProviderRecord>(KIND_OAUTH2_PROVIDER, provider.credentialProviderArn)!;
  try {
    const client = await tokenClient(ctx, provider);
    const form = new URLSearchParams({ grant_type: "authorization_code", code, redirect_uri: callbackUrl(ctx.local, record), code_verifier: verifier });
    const issued = await requestToken(client, form, "AuthorizationCode");
    ctx.local.store.tx(() => {
      createUserTokens(ctx.local).put(s.tokenKey, issued);
      sessions.advance(s.sessionUri, "EXCHANGING", "COMPLETED");
    });
    ctx.local.log(`[${ctx.requestId}] CompleteResourceTokenAuth allowed: ${where}: token from ${client.endpoint.url} vaulted`);
    return {};
  } catch (e) {
    sessions.advance(s.sessionUri, "EXCHANGING", "FAILED");
    if (e instanceof AwsError) ctx.local.log(`[${ctx.requestId}] CompleteResourceTokenAuth failed: ${where}: ${e.message}`);
    throw e;
  }
};
