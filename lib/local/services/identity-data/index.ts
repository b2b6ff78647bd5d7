/**
 * The Identity data plane (model `bedrock-agentcore`): workload access tokens and the resource
 * credentials an agent fetches with them (`GetResourceApiKey`, what `withApiKey` calls).
 */
import { AwsError } from "../../errors.js";
import type { OperationHandler, RequestContext, ServiceImpl, Shape } from "../../service.js";
import type { WorkloadIdentityRecord } from "../../state/records.js";
import { DEFAULT_TOKEN_TTL_SECONDS, mintWorkloadAccessToken, verifyWorkloadAccessToken, type WorkloadTokenClaims } from "../../auth/workload-tokens.js";
import { getApiKeyForProvider } from "../identity/apikey-providers.js";
import { apiKeyProviderArn, tokenVaultArn, workloadIdentityArn, workloadIdentityDirectoryArn } from "../identity/arns.js";
import { KIND_WORKLOAD_IDENTITY } from "../identity/records.js";
import { verifyUserJwt } from "./user-jwt.js";
import { getResourceOauth2Token } from "./oauth2-token.js";
import { CompleteResourceTokenAuth, userFederationFlow } from "./user-federation.js";
import { onBehalfOfFlow } from "./on-behalf-of.js";
import { holdInboundUserToken } from "./inbound-user-tokens.js";

/** The workload identity of this name in the request's region (identities are regional). */
function workload(ctx: RequestContext, name: string): WorkloadIdentityRecord {
  const record = ctx.local.store.get<WorkloadIdentityRecord>(KIND_WORKLOAD_IDENTITY, workloadIdentityArn(ctx, name));
  if (!record) throw new AwsError("ResourceNotFoundException", `Workload identity ${name} not found.`, 404);
  return record;
}

/**
 * IAM first, then the workload identity, then the user (`userOf`, which may verify a JWT and fetch
 * its issuer's keys: only for a caller IAM allowed), then the token.
 */
async function issue(
  ctx: RequestContext,
  input: Shape,
  action: string,
  grant: WorkloadTokenClaims["grant"],
  userOf: (record: WorkloadIdentityRecord) => string | undefined | Promise<string | undefined> = () => undefined,
  userToken?: string,
) {
  const name = String(input.workloadName);
  const scope = { region: ctx.region, accountId: ctx.accountId };
  ctx.authorize(`bedrock-agentcore:${action}`, [workloadIdentityDirectoryArn(scope), workloadIdentityArn(scope, name)]);
  const record = workload(ctx, name);
  const userId = await userOf(record);
  // The user's JWT is the subject of an on-behalf-of exchange later: held in the vault, not in the token.
  const userTokenDigest =
    userToken !== undefined ? holdInboundUserToken(ctx.local, userToken, Math.floor(ctx.local.now().getTime() / 1000) + DEFAULT_TOKEN_TTL_SECONDS) : undefined;
  const token = await mintWorkloadAccessToken(ctx.local, {
    accountId: ctx.accountId,
    region: ctx.region,
    workloadName: name,
    workloadIdentityArn: record.workloadIdentityArn,
    grant,
    userId,
    ...(userTokenDigest !== undefined ? { userTokenDigest } : {}),
  });
  ctx.local.log(`[${ctx.requestId}] workload access token minted for ${name}${userId !== undefined ? ` (user ${userId})` : ""}`);
  return { workloadAccessToken: token };
}

const GetWorkloadAccessToken: OperationHandler = (input, ctx) => issue(ctx, input, "GetWorkloadAccessToken", "workload");

const GetWorkloadAccessTokenForUserId: OperationHandler = (input, ctx) =>
  issue(ctx, input, "GetWorkloadAccessTokenForUserId", "user-id", () => String(input.userId));

const GetWorkloadAccessTokenForJWT: OperationHandler = (input, ctx) =>
  issue(ctx, input, "GetWorkloadAccessTokenForJWT", "jwt", (record) => verifyUserJwt(ctx, record, String(input.userToken)), String(input.userToken));

/**
 * Checks the token the agent presents, then IAM for the agent's role session, then decrypts. Every
 * resource is the request's region's: the provider is looked up under the very ARN IAM was asked
 * about, so a Deny on one region's provider cannot be sidestepped by signing for another region.
 */
const GetResourceApiKey: OperationHandler = async (input, ctx) => {
  const claims = await verifyWorkloadAccessToken(ctx.local, String(input.workloadIdentityToken));
  if (claims.accountId !== ctx.accountId) {
    throw new AwsError("AccessDeniedException", "The workload access token was issued for another account.", 403);
  }
  if (claims.region !== ctx.region) {
    throw new AwsError(
      "AccessDeniedException",
      `The workload access token was issued in ${claims.region}, not ${ctx.region}. Call GetResourceApiKey in ${claims.region}, or get a token in ${ctx.region}.`,
      403,
    );
  }
  if (!ctx.local.store.getShared(KIND_WORKLOAD_IDENTITY, claims.workloadIdentityArn)) {
    throw new AwsError("UnauthorizedException", `The workload identity ${claims.workloadName} of this token no longer exists.`, 401);
  }
  const name = String(input.resourceCredentialProviderName);
  const scope = { region: ctx.region, accountId: ctx.accountId };
  const denied = (e: unknown) => {
    // The request path log's "denied" hop (the error itself says which permission is missing).
    if (e instanceof AwsError && e.status === 403) ctx.local.log(`[${ctx.requestId}] GetResourceApiKey denied: provider ${name} for workload ${claims.workloadName}: ${e.message}`);
    return e;
  };
  let resolved: ReturnType<typeof getApiKeyForProvider>;
  try {
    ctx.authorize("bedrock-agentcore:GetResourceApiKey", [
      tokenVaultArn(scope),
      apiKeyProviderArn(scope, name),
      workloadIdentityDirectoryArn(scope),
      claims.workloadIdentityArn,
    ]);
    resolved = getApiKeyForProvider(ctx.local, scope, name);
    ctx.authorize("secretsmanager:GetSecretValue", resolved.secretArn);
  } catch (e) {
    throw denied(e);
  }
  ctx.local.log(`[${ctx.requestId}] GetResourceApiKey allowed: provider ${name} for workload ${claims.workloadName}`);
  return { apiKey: resolved.apiKey };
};

export const identityData: ServiceImpl = {
  model: "bedrock-agentcore",
  operations: {
    GetWorkloadAccessToken,
    GetWorkloadAccessTokenForUserId,
    GetWorkloadAccessTokenForJWT,
    GetResourceApiKey,
    GetResourceOauth2Token: getResourceOauth2Token((ctx, input, claims, provider) =>
      input.oauth2Flow === "ON_BEHALF_OF_TOKEN_EXCHANGE" ? onBehalfOfFlow(ctx, input, claims, provider) : userFederationFlow(ctx, input, claims, provider),
    ),
    CompleteResourceTokenAuth,
  },
};
