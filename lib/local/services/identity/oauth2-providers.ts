/**
 * OAuth2 credential providers: a vendor's client registration (client id, client secret in the
 * token vault, authorization server) that agents use for outbound OAuth through the data plane's
 * `GetResourceOauth2Token` (via `getOauth2ProviderSecret`).
 */
import { AwsError } from "../../errors.js";
import type { LocalServices, OperationHandler, RequestContext, Shape } from "../../service.js";
import { oauth2ProviderArn, secretArn, tokenVaultArn, type ArnScope } from "./arns.js";
import { conflict, DEFAULT_PAGE_SIZE, externalSecretsUnsupported, invalid, invalidNextToken, notFound } from "./errors.js";
import { builtInServer, CONFIG_KEYS, configKeysFor, type ConfigKey } from "./oauth2-vendors.js";
import { callbackUrl } from "./oauth2-callback.js";
import { paginate } from "../pagination.js";
import { KIND_OAUTH2_PROVIDER, type Oauth2ProviderRecord } from "./records.js";

/** Client authentication methods that sign an assertion instead of sending a client secret. */
const SECRETLESS_METHODS = new Set(["PRIVATE_KEY_JWT", "AWS_IAM_ID_TOKEN_JWT"]);

/** Members of the custom config that are reported back; everything else (the secret) is not. */
const CUSTOM_OUTPUT_MEMBERS = [
  "oauthDiscovery",
  "clientId",
  "onBehalfOfTokenExchangeConfig",
  "clientAuthenticationMethod",
  "privateEndpoint",
  "privateEndpointOverrides",
  "privateKeyJwtConfig",
] as const;

const providerNotFound = (name: string) => notFound(`OAuth2 credential provider with name ${name} not found.`);

function authorize(ctx: RequestContext, operation: string, name: string): void {
  ctx.authorize(`bedrock-agentcore:${operation}`, [oauth2ProviderArn(ctx, name), tokenVaultArn(ctx)]);
}

/** Providers are regional and keyed by their ARN (see records.ts). */
function load(local: LocalServices, scope: ArnScope, name: string): Oauth2ProviderRecord {
  const record = local.store.get<Oauth2ProviderRecord>(KIND_OAUTH2_PROVIDER, oauth2ProviderArn(scope, name));
  if (!record) throw providerNotFound(name);
  return record;
}

interface ParsedConfig {
  configKey: ConfigKey;
  configOutput: Record<string, unknown>;
  /** The client secret given, if any. */
  clientSecret: string | undefined;
  /** Whether the provider can work without a client secret. */
  secretless: boolean;
}

/** Checks the union against the vendor and splits it into what is reported and what is vaulted. */
function parseConfig(vendor: string, union: Record<string, Record<string, unknown> | undefined>): ParsedConfig {
  const given = CONFIG_KEYS.filter((k) => union[k] !== undefined);
  if (given.length !== 1) {
    throw invalid("oauth2ProviderConfigInput", `oauth2ProviderConfigInput must set exactly one of ${CONFIG_KEYS.join(", ")}.`);
  }
  const configKey = given[0]!;
  const allowed = configKeysFor(vendor);
  if (!allowed.includes(configKey)) {
    throw invalid(
      `oauth2ProviderConfigInput.${configKey}`,
      `Credential provider vendor ${vendor} is configured with ${allowed.join(" or ")}, not ${configKey}.`,
    );
  }
  const config = union[configKey]!;
  if (config.clientSecretConfig !== undefined) throw externalSecretsUnsupported(`${configKey}.clientSecretConfig`);
  if (config.clientSecretSource === "EXTERNAL") throw externalSecretsUnsupported(`${configKey}.clientSecretSource`);
  const clientSecret = typeof config.clientSecret === "string" && config.clientSecret.length > 0 ? config.clientSecret : undefined;

  if (configKey === "customOauth2ProviderConfig") {
    checkExchangeConfig(config.onBehalfOfTokenExchangeConfig as Record<string, unknown> | undefined);
    const configOutput: Record<string, unknown> = {};
    for (const member of CUSTOM_OUTPUT_MEMBERS) if (config[member] !== undefined) configOutput[member] = config[member];
    const secretless = SECRETLESS_METHODS.has(config.clientAuthenticationMethod as string);
    return { configKey, configOutput, clientSecret, secretless };
  }

  if (configKey === "includedOauth2ProviderConfig") {
    const { issuer, authorizationEndpoint, tokenEndpoint } = config as Record<string, string | undefined>;
    for (const [member, value] of Object.entries({ issuer, authorizationEndpoint, tokenEndpoint })) {
      if (!value) throw invalid(`${configKey}.${member}`, `${member} is required for credential provider vendor ${vendor}.`);
    }
    return {
      configKey,
      configOutput: {
        oauthDiscovery: { authorizationServerMetadata: { issuer, authorizationEndpoint, tokenEndpoint } },
        clientId: config.clientId,
      },
      clientSecret,
      secretless: false,
    };
  }

  return {
    configKey,
    configOutput: { oauthDiscovery: { authorizationServerMetadata: builtInServer(configKey, config) }, clientId: config.clientId },
    clientSecret,
    secretless: false,
  };
}

/**
 * On-behalf-of settings that contradict themselves (the model checks the enums and required
 * members): the actor settings belong to TOKEN_EXCHANGE only (the JWT bearer grant has no actor),
 * and actor scopes need an M2M actor token to go into.
 */
function checkExchangeConfig(obo: Record<string, unknown> | undefined): void {
  if (!obo) return;
  const field = "oauth2ProviderConfigInput.customOauth2ProviderConfig.onBehalfOfTokenExchangeConfig";
  const actor = obo.tokenExchangeGrantTypeConfig as { actorTokenContent?: string; actorTokenScopes?: string[] } | undefined;
  if (obo.grantType === "JWT_AUTHORIZATION_GRANT" && actor !== undefined) {
    throw invalid(`${field}.tokenExchangeGrantTypeConfig`, "tokenExchangeGrantTypeConfig applies to grantType TOKEN_EXCHANGE only; JWT_AUTHORIZATION_GRANT sends no actor token. Remove it or use TOKEN_EXCHANGE.");
  }
  if (actor?.actorTokenScopes?.length && actor.actorTokenContent !== "M2M") {
    throw invalid(`${field}.tokenExchangeGrantTypeConfig.actorTokenScopes`, `actorTokenScopes are the scopes of an M2M actor token; actorTokenContent is ${String(actor.actorTokenContent)}. Set actorTokenContent M2M or remove them.`);
  }
}

function requireSecret(parsed: ParsedConfig, alreadyVaulted: boolean): void {
  if (!parsed.secretless && parsed.clientSecret === undefined && !alreadyVaulted) {
    throw invalid(`oauth2ProviderConfigInput.${parsed.configKey}.clientSecret`, "clientSecret is required: the client secret to keep in the token vault.");
  }
}

function describe(record: Oauth2ProviderRecord, local: LocalServices): Shape {
  return {
    clientSecretArn: { secretArn: record.secretArn },
    name: record.name,
    credentialProviderVendor: record.credentialProviderVendor,
    credentialProviderArn: record.credentialProviderArn,
    callbackUrl: callbackUrl(local, record),
    oauth2ProviderConfigOutput: { [record.configKey]: record.configOutput },
    createdTime: new Date(record.createdTime),
    lastUpdatedTime: new Date(record.lastUpdatedTime),
    status: "READY",
  };
}

const create: OperationHandler = (input, ctx) => {
  const name = input.name as string;
  authorize(ctx, "CreateOauth2CredentialProvider", name);
  const vendor = input.credentialProviderVendor as string;
  const parsed = parseConfig(vendor, input.oauth2ProviderConfigInput);
  requireSecret(parsed, false);
  const { store, vault } = ctx.local;
  return store.tx(() => {
    const now = ctx.local.now().toISOString();
    const record: Oauth2ProviderRecord = {
      name,
      credentialProviderVendor: vendor,
      credentialProviderArn: oauth2ProviderArn(ctx, name),
      secretArn: secretArn(ctx, "oauth2", name),
      hasClientSecret: parsed.clientSecret !== undefined,
      configKey: parsed.configKey,
      configOutput: parsed.configOutput,
      createdTime: now,
      lastUpdatedTime: now,
      tags: (input.tags as Record<string, string> | undefined) ?? {},
    };
    if (!store.insert(KIND_OAUTH2_PROVIDER, record.credentialProviderArn, record)) {
      throw conflict(`OAuth2 credential provider with name ${name} already exists.`);
    }
    if (parsed.clientSecret !== undefined) vault.put(record.secretArn, parsed.clientSecret);
    return {
      clientSecretArn: { secretArn: record.secretArn },
      name,
      credentialProviderArn: record.credentialProviderArn,
      callbackUrl: callbackUrl(ctx.local, record),
      oauth2ProviderConfigOutput: { [record.configKey]: record.configOutput },
      status: "READY",
    };
  });
};

const get: OperationHandler = (input, ctx) => {
  const name = input.name as string;
  authorize(ctx, "GetOauth2CredentialProvider", name);
  return describe(load(ctx.local, ctx, name), ctx.local);
};

/** Replaces the configuration; a client secret left out keeps the one already in the vault. */
const update: OperationHandler = (input, ctx) => {
  const name = input.name as string;
  authorize(ctx, "UpdateOauth2CredentialProvider", name);
  const vendor = input.credentialProviderVendor as string;
  const parsed = parseConfig(vendor, input.oauth2ProviderConfigInput);
  const { store, vault } = ctx.local;
  return store.tx(() => {
    const existing = load(ctx.local, ctx, name);
    requireSecret(parsed, existing.hasClientSecret);
    const record: Oauth2ProviderRecord = {
      ...existing,
      credentialProviderVendor: vendor,
      configKey: parsed.configKey,
      configOutput: parsed.configOutput,
      hasClientSecret: existing.hasClientSecret || parsed.clientSecret !== undefined,
      lastUpdatedTime: ctx.local.now().toISOString(),
    };
    if (parsed.clientSecret !== undefined) vault.put(record.secretArn, parsed.clientSecret);
    store.put(KIND_OAUTH2_PROVIDER, record.credentialProviderArn, record);
    return describe(record, ctx.local);
  });
};

const remove: OperationHandler = (input, ctx) => {
  const name = input.name as string;
  authorize(ctx, "DeleteOauth2CredentialProvider", name);
  const { store, vault } = ctx.local;
  store.tx(() => {
    const record = load(ctx.local, ctx, name);
    store.delete(KIND_OAUTH2_PROVIDER, record.credentialProviderArn);
    vault.delete(record.secretArn);
  });
  return {};
};

const list: OperationHandler = (input, ctx) => {
  ctx.authorize("bedrock-agentcore:ListOauth2CredentialProviders", [oauth2ProviderArn(ctx, "*"), tokenVaultArn(ctx)]);
  const regional = ctx.local.store.list<Oauth2ProviderRecord>(KIND_OAUTH2_PROVIDER, oauth2ProviderArn(ctx, ""));
  const page = paginate(regional, (r) => r.name, {
    token: input.nextToken,
    pageSize: input.maxResults ?? DEFAULT_PAGE_SIZE,
    invalidToken: invalidNextToken,
  });
  return {
    credentialProviders: page.items.map((r) => ({
      name: r.name,
      credentialProviderVendor: r.credentialProviderVendor,
      credentialProviderArn: r.credentialProviderArn,
      createdTime: new Date(r.createdTime),
      lastUpdatedTime: new Date(r.lastUpdatedTime),
    })),
    ...(page.nextToken ? { nextToken: page.nextToken } : {}),
  };
};

export const oauth2ProviderOperations: Record<string, OperationHandler> = {
  CreateOauth2CredentialProvider: create,
  GetOauth2CredentialProvider: get,
  UpdateOauth2CredentialProvider: update,
  DeleteOauth2CredentialProvider: remove,
  ListOauth2CredentialProviders: list,
};

export interface ResolvedOauth2Provider {
  name: string;
  credentialProviderVendor: string;
  credentialProviderArn: string;
  secretArn: string;
  clientId: string | undefined;
  /** Undefined for providers that authenticate without a secret (PRIVATE_KEY_JWT, AWS_IAM_ID_TOKEN_JWT). */
  clientSecret: string | undefined;
  /** The union member the provider is configured with, and its reported (secret-free) config. */
  configKey: string;
  config: Record<string, unknown>;
}

/**
 * A provider's client registration including its client secret, for the data plane's OAuth2 token
 * operations (which authorize `oauth2ProviderArn(scope, name)`, the key this looks up). Throws
 * `ResourceNotFoundException` for a provider unknown in that region.
 */
export function getOauth2ProviderSecret(local: LocalServices, scope: ArnScope, name: string): ResolvedOauth2Provider {
  const record = load(local, scope, name);
  const clientSecret = record.hasClientSecret ? local.vault.get(record.secretArn) : undefined;
  if (record.hasClientSecret && clientSecret === undefined) {
    throw new AwsError("InternalServerException", `The token vault holds no client secret for OAuth2 credential provider ${name}.`, 500);
  }
  return {
    name: record.name,
    credentialProviderVendor: record.credentialProviderVendor,
    credentialProviderArn: record.credentialProviderArn,
    secretArn: record.secretArn,
    clientId: record.configOutput.clientId as string | undefined,
    clientSecret,
    configKey: record.configKey,
    config: record.configOutput,
  };
}
