/**
 * How the Identity control plane keeps its own resources in the store. Providers and workload
 * identities are keyed by their ARN, which carries the region: a name is unique per region, and a
 * lookup built from the request's region can only find that region's resource. Workload identities use the
 * shared `WorkloadIdentityRecord` (`lib/local/state/records.ts`) because the runtime control plane creates
 * them too. Timestamps are ISO-8601 strings; secrets are only ever referenced by their vault ARN.
 */
import type { WorkloadIdentityRecord } from "../../state/records.js";

export const KIND_APIKEY_PROVIDER = "identity-apikey-provider";
export const KIND_OAUTH2_PROVIDER = "identity-oauth2-provider";
export const KIND_WORKLOAD_IDENTITY = "identity-workload-identity";
export const KIND_TOKEN_VAULT = "identity-token-vault";

export type Tags = Record<string, string>;

/** kind "identity-apikey-provider", id = credentialProviderArn */
export interface ApiKeyProviderRecord {
  name: string;
  credentialProviderArn: string;
  /** Vault address of the API key. */
  secretArn: string;
  createdTime: string;
  lastUpdatedTime: string;
  tags: Tags;
}

/** kind "identity-oauth2-provider", id = credentialProviderArn */
export interface Oauth2ProviderRecord {
  name: string;
  credentialProviderVendor: string;
  credentialProviderArn: string;
  /** Vault address of the client secret (reported even when the auth method needs no secret). */
  secretArn: string;
  /** Whether the vault holds a client secret under `secretArn`. */
  hasClientSecret: boolean;
  /** The union member the config was given under, e.g. `githubOauth2ProviderConfig`. */
  configKey: string;
  /** `oauth2ProviderConfigOutput[configKey]`: the input config minus every secret. */
  configOutput: Record<string, unknown>;
  createdTime: string;
  lastUpdatedTime: string;
  tags: Tags;
}

/** The shared record plus the tags given on create. */
export type StoredWorkloadIdentity = WorkloadIdentityRecord & { tags?: Tags };

/** kind "identity-token-vault", id = the vault's ARN (one vault per region) */
export interface TokenVaultRecord {
  tokenVaultId: string;
  kmsConfiguration: { keyType: "ServiceManagedKey" | "CustomerManagedKey"; kmsKeyArn?: string };
  lastModifiedDate: string;
}
