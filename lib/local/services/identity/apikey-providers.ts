/**
 * API-key credential providers: a name (unique per region) bound to an API key kept in the token
 * vault. Stored under the provider's ARN, so the ARN IAM is asked about is the one looked up.
 * This is what the tutorial creates for its OpenAI key, and what `GetResourceApiKey` (data plane)
 * reads back through `getApiKeyForProvider`.
 */
import { AwsError } from "../../errors.js";
import type { LocalServices, OperationHandler, RequestContext, Shape } from "../../service.js";
import { apiKeyProviderArn, secretArn, tokenVaultArn, type ArnScope } from "./arns.js";
import { conflict, DEFAULT_PAGE_SIZE, externalSecretsUnsupported, invalid, invalidNextToken, notFound } from "./errors.js";
import { paginate } from "../pagination.js";
import { KIND_APIKEY_PROVIDER, type ApiKeyProviderRecord } from "./records.js";

const providerNotFound = (name: string) => notFound(`API key credential provider with name ${name} not found.`);

/** Authorizes `action` on the provider and its token vault (the two resource types IAM lists for it). */
function authorize(ctx: RequestContext, operation: string, name: string): void {
  ctx.authorize(`bedrock-agentcore:${operation}`, [apiKeyProviderArn(ctx, name), tokenVaultArn(ctx)]);
}

/** The vault only holds secrets it was given: managed keys, passed as `apiKey`. */
function requireManagedKey(input: Shape): string {
  if (input.apiKeySecretConfig !== undefined) throw externalSecretsUnsupported("apiKeySecretConfig");
  if (input.apiKeySecretSource === "EXTERNAL") throw externalSecretsUnsupported("apiKeySecretSource");
  const apiKey = input.apiKey as string | undefined;
  if (apiKey === undefined || apiKey.length === 0) throw invalid("apiKey", "apiKey is required: the API key to keep in the token vault.");
  return apiKey;
}

function load(local: LocalServices, scope: ArnScope, name: string): ApiKeyProviderRecord {
  const record = local.store.get<ApiKeyProviderRecord>(KIND_APIKEY_PROVIDER, apiKeyProviderArn(scope, name));
  if (!record) throw providerNotFound(name);
  return record;
}

function describe(record: ApiKeyProviderRecord): Shape {
  return {
    apiKeySecretArn: { secretArn: record.secretArn },
    name: record.name,
    credentialProviderArn: record.credentialProviderArn,
    createdTime: new Date(record.createdTime),
    lastUpdatedTime: new Date(record.lastUpdatedTime),
  };
}

const create: OperationHandler = (input, ctx) => {
  const name = input.name as string;
  authorize(ctx, "CreateApiKeyCredentialProvider", name);
  const apiKey = requireManagedKey(input);
  const { store, vault } = ctx.local;
  return store.tx(() => {
    const now = ctx.local.now().toISOString();
    const record: ApiKeyProviderRecord = {
      name,
      credentialProviderArn: apiKeyProviderArn(ctx, name),
      secretArn: secretArn(ctx, "apikey", name),
      createdTime: now,
      lastUpdatedTime: now,
      tags: (input.tags as Record<string, string> | undefined) ?? {},
    };
    if (!store.insert(KIND_APIKEY_PROVIDER, record.credentialProviderArn, record)) {
      throw conflict(`API key credential provider with name ${name} already exists.`);
    }
    vault.put(record.secretArn, apiKey);
    return {
      apiKeySecretArn: { secretArn: record.secretArn },
      name,
      credentialProviderArn: record.credentialProviderArn,
    };
  });
};

const get: OperationHandler = (input, ctx) => {
  const name = input.name as string;
  authorize(ctx, "GetApiKeyCredentialProvider", name);
  return describe(load(ctx.local, ctx, name));
};

/** Re-vaults the new key under the same secret ARN (a new secret version, as Secrets Manager would). */
const update: OperationHandler = (input, ctx) => {
  const name = input.name as string;
  authorize(ctx, "UpdateApiKeyCredentialProvider", name);
  const apiKey = requireManagedKey(input);
  const { store, vault } = ctx.local;
  return store.tx(() => {
    const record = { ...load(ctx.local, ctx, name), lastUpdatedTime: ctx.local.now().toISOString() };
    vault.put(record.secretArn, apiKey);
    store.put(KIND_APIKEY_PROVIDER, record.credentialProviderArn, record);
    return describe(record);
  });
};

const remove: OperationHandler = (input, ctx) => {
  const name = input.name as string;
  authorize(ctx, "DeleteApiKeyCredentialProvider", name);
  const { store, vault } = ctx.local;
  store.tx(() => {
    const record = load(ctx.local, ctx, name);
    store.delete(KIND_APIKEY_PROVIDER, record.credentialProviderArn);
    vault.delete(record.secretArn);
  });
  return {};
};

const list: OperationHandler = (input, ctx) => {
  ctx.authorize("bedrock-agentcore:ListApiKeyCredentialProviders", [apiKeyProviderArn(ctx, "*"), tokenVaultArn(ctx)]);
  // The signing region's providers only: their keys all start with this prefix.
  const all = ctx.local.store.list<ApiKeyProviderRecord>(KIND_APIKEY_PROVIDER, apiKeyProviderArn(ctx, ""));
  const page = paginate(all, (r) => r.name, { token: input.nextToken, pageSize: input.maxResults ?? DEFAULT_PAGE_SIZE, invalidToken: invalidNextToken });
  return {
    credentialProviders: page.items.map((r) => ({
      name: r.name,
      credentialProviderArn: r.credentialProviderArn,
      createdTime: new Date(r.createdTime),
      lastUpdatedTime: new Date(r.lastUpdatedTime),
    })),
    ...(page.nextToken ? { nextToken: page.nextToken } : {}),
  };
};

export const apiKeyProviderOperations: Record<string, OperationHandler> = {
  CreateApiKeyCredentialProvider: create,
  GetApiKeyCredentialProvider: get,
  UpdateApiKeyCredentialProvider: update,
  DeleteApiKeyCredentialProvider: remove,
  ListApiKeyCredentialProviders: list,
};

export interface ResolvedApiKey {
  apiKey: string;
  secretArn: string;
  credentialProviderArn: string;
}

/**
 * The API key behind a provider in a region, for the data plane's `GetResourceApiKey` (which checks
 * the workload access token and IAM itself, on `apiKeyProviderArn(scope, name)`: the key this
 * looks up). Throws `ResourceNotFoundException` for a provider unknown in that region.
 */
export function getApiKeyForProvider(local: LocalServices, scope: ArnScope, name: string): ResolvedApiKey {
  // Read on every GetResourceApiKey: through the store's shared reads (kept while nothing changed).
  const record = local.store.getShared<ApiKeyProviderRecord>(KIND_APIKEY_PROVIDER, apiKeyProviderArn(scope, name));
  if (!record) throw providerNotFound(name);
  const apiKey = local.vault.get(record.secretArn);
  if (apiKey === undefined) {
    // Provider and secret are written and deleted in one transaction, so this means damaged state.
    throw new AwsError("InternalServerException", `The token vault holds no secret for API key credential provider ${name}.`, 500);
  }
  return { apiKey, secretArn: record.secretArn, credentialProviderArn: record.credentialProviderArn };
}
