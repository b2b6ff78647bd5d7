/**
 * The Identity data plane (model `bedrock-agentcore`): workload access tokens and the resource
 * credentials an agent fetches with them (`GetResourceApiKey`, what `withApiKey` calls).
 */
import { AwsError } from "../../errors.js";
import type { OperationHandler, RequestContext, ServiceImpl, Shape } from "../../service.js";
import type { WorkloadIdentityRecord } from "../../state/records.js";
import { mintWorkloadAccessToken, verifyWorkloadAccessToken, type WorkloadTokenClaims } from "../../auth/workload-tokens.js";
import { getApiKeyForProvider } from "../identity/apikey-providers.js";
import { apiKeyProviderArn, tokenVaultArn, workloadIdentityArn, workloadIdentityDirectoryArn } from "../identity/arns.js";
import { verifyUserJwt } from "./user-jwt.js";
import { getResourceOauth2Token } from "./oauth2-token.js";

function workload(ctx: RequestContext, name: string): WorkloadIdentityRecord {
  const record = ctx.local.store.get<WorkloadIdentityRecord>("identity-workload-identity", name);
  if (!record) throw new AwsError("ResourceNotFoundException", `Workload identity ${name} not found.`, 404);
  return record;
}

async function issue(ctx: RequestContext, input: Shape, action: string, grant: WorkloadTokenClaims["grant"], userId?: string) {
  const name = String(input.workloadName);
  const scope = { region: ctx.region, accountId: ctx.accountId };
  ctx.authorize(`bedrock-agentcore:${action}`, [workloadIdentityDirectoryArn(scope), workloadIdentityArn(scope, name)]);
  const record = workload(ctx, name);
  const token = await mintWorkloadAccessToken(ctx.local, {
    accountId: ctx.accountId,
    region: ctx.region,
    workloadName: name,
    workloadIdentityArn: record.workloadIdentityArn,
    grant,
    userId,
  });
  ctx.local.log(`[${ctx.requestId}] workload access token minted for ${name}${userId !== undefined ? ` (user ${userId})` : ""}`);
  return { workloadAccessToken: token };
}

const GetWorkloadAccessToken: OperationHandler = (input, ctx) => issue(ctx, input, "GetWorkloadAccessToken", "workload");

const GetWorkloadAccessTokenForUserId: OperationHandler = (input, ctx) =>
  issue(ctx, input, "GetWorkloadAccessTokenForUserId", "user-id", String(input.userId));

const GetWorkloadAccessTokenForJWT: OperationHandler = async (input, ctx) => {
  const record = workload(ctx, String(input.workloadName));
  const subject = await verifyUserJwt(ctx, record, String(input.userToken));
  return issue(ctx, input, "GetWorkloadAccessTokenForJWT", "jwt", subject);
};

/** Checks the token the agent presents, then IAM for the agent's role session, then decrypts. */
const GetResourceApiKey: OperationHandler = async (input, ctx) => {
  const claims = await verifyWorkloadAccessToken(ctx.local, String(input.workloadIdentityToken));
  if (claims.accountId !== ctx.accountId) {
    throw new AwsError("AccessDeniedException", "The workload access token was issued for another account.", 403);
  }
  if (!ctx.local.store.get("identity-workload-identity", claims.workloadName)) {
    throw new AwsError("UnauthorizedException", `The workload identity ${claims.workloadName} of this token no longer exists.`, 401);
  }
  const name = String(input.resourceCredentialProviderName);
  const scope = { region: claims.region, accountId: ctx.accountId };
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
    resolved = getApiKeyForProvider(ctx.local, name);
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
    GetResourceOauth2Token: getResourceOauth2Token(),
  },
};
