/**
 * The token vault resource: AgentCore Identity's per-account, per-region store of credentials,
 * `default`, kept under its ARN (so each region's configuration is its own).
 *
 * `SetTokenVaultCMK` records the KMS configuration and `GetTokenVault` reports it, so code that
 * configures a customer managed key round-trips. Local AgentCore has no KMS: whatever is
 * configured, secrets are encrypted by the local vault under its master key file.
 */
import type { OperationHandler, RequestContext, Shape } from "../../service.js";
import { DEFAULT_TOKEN_VAULT, tokenVaultArn } from "./arns.js";
import { invalid, notFound } from "./errors.js";
import { KIND_TOKEN_VAULT, type TokenVaultRecord } from "./records.js";

function vaultId(input: Shape): string {
  const id = (input.tokenVaultId as string | undefined) ?? DEFAULT_TOKEN_VAULT;
  if (id !== DEFAULT_TOKEN_VAULT) throw notFound(`Token vault with id ${id} not found.`);
  return id;
}

/** The stored vault, or the one every account starts with: service managed key, created now. */
function current(ctx: RequestContext, id: string): TokenVaultRecord {
  const { store } = ctx.local;
  return store.tx(() => {
    const existing = store.get<TokenVaultRecord>(KIND_TOKEN_VAULT, tokenVaultArn(ctx, id));
    if (existing) return existing;
    const initial: TokenVaultRecord = {
      tokenVaultId: id,
      kmsConfiguration: { keyType: "ServiceManagedKey" },
      lastModifiedDate: ctx.local.now().toISOString(),
    };
    // Persisted on first sight so lastModifiedDate stays put from one call to the next.
    store.insert(KIND_TOKEN_VAULT, tokenVaultArn(ctx, id), initial);
    return initial;
  });
}

function describe(record: TokenVaultRecord): Shape {
  return {
    tokenVaultId: record.tokenVaultId,
    kmsConfiguration: { ...record.kmsConfiguration },
    lastModifiedDate: new Date(record.lastModifiedDate),
  };
}

const getTokenVault: OperationHandler = (input, ctx) => {
  const id = vaultId(input);
  ctx.authorize("bedrock-agentcore:GetTokenVault", [tokenVaultArn(ctx, id)]);
  return describe(current(ctx, id));
};

const setTokenVaultCmk: OperationHandler = (input, ctx) => {
  const id = vaultId(input);
  ctx.authorize("bedrock-agentcore:SetTokenVaultCMK", [tokenVaultArn(ctx, id)]);
  const { keyType, kmsKeyArn } = input.kmsConfiguration as TokenVaultRecord["kmsConfiguration"];
  if (keyType === "CustomerManagedKey" && !kmsKeyArn) {
    throw invalid("kmsConfiguration.kmsKeyArn", "kmsKeyArn is required when keyType is CustomerManagedKey.");
  }
  if (keyType === "ServiceManagedKey" && kmsKeyArn) {
    throw invalid("kmsConfiguration.kmsKeyArn", "kmsKeyArn must not be given when keyType is ServiceManagedKey.");
  }
  const record: TokenVaultRecord = {
    tokenVaultId: id,
    kmsConfiguration: keyType === "CustomerManagedKey" ? { keyType, kmsKeyArn } : { keyType },
    lastModifiedDate: ctx.local.now().toISOString(),
  };
  ctx.local.store.tx(() => ctx.local.store.put(KIND_TOKEN_VAULT, tokenVaultArn(ctx, id), record));
  return describe(record);
};

export const tokenVaultOperations: Record<string, OperationHandler> = {
  GetTokenVault: getTokenVault,
  SetTokenVaultCMK: setTokenVaultCmk,
};
