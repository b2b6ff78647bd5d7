/**
 * Asks Local AgentCore which secrets its vault holds, as SHA-256 digests and lengths (never the
 * values), for the secret-leak guard. The request is SigV4-signed with the admin key from Local
 * AgentCore's env file; with `AGENTCORE_TARGET=aws`, or when Local AgentCore never ran, there is
 * nothing to ask.
 */
import { Hash } from "@smithy/hash-node";
import { SignatureV4 } from "@smithy/signature-v4";
import { readLocalEnv } from "../local/lifecycle.js";
import { targetFromEnv } from "../session.js";
import type { SecretDigest, VaultDigestSource } from "./secret-guard.js";

export const VAULT_DIGESTS_PATH = "/_local/admin/vault-digests";

export interface LocalAdmin {
  endpoint: string;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
}

export async function fetchVaultDigests(admin: LocalAdmin, timeoutMs = 3000): Promise<SecretDigest[]> {
  const url = new URL(VAULT_DIGESTS_PATH, admin.endpoint);
  const signer = new SignatureV4({ service: "bedrock-agentcore", region: admin.region, credentials: admin.credentials, sha256: Hash.bind(null, "sha256") });
  const signed = await signer.sign({
    method: "GET",
    protocol: url.protocol,
    hostname: url.hostname,
    port: Number(url.port) || undefined,
    path: url.pathname,
    query: {},
    headers: { host: url.host },
  });
  const res = await fetch(url, { headers: signed.headers, signal: AbortSignal.timeout(timeoutMs) });
  if (!res.ok) throw new Error(`Local AgentCore answered ${res.status} for ${VAULT_DIGESTS_PATH}: ${await res.text()}`);
  const body = (await res.json()) as { digests?: SecretDigest[] };
  return (body.digests ?? []).filter((d) => typeof d.sha256 === "string" && Number.isInteger(d.length));
}

/** The Local AgentCore the notebook's cells use (its env file), or undefined when there is none. */
export function localAdminFromEnvFile(): LocalAdmin | undefined {
  try {
    if (targetFromEnv() !== "local") return undefined;
  } catch {
    return undefined;
  }
  const env = readLocalEnv();
  if (!env?.AWS_ENDPOINT_URL || !env.AWS_ACCESS_KEY_ID || !env.AWS_SECRET_ACCESS_KEY) return undefined;
  return {
    endpoint: env.AWS_ENDPOINT_URL,
    region: env.AWS_REGION ?? "us-east-1",
    credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY },
  };
}

/** The default source: the env file is read each time (a cell may start Local AgentCore). */
export const localVaultDigests: VaultDigestSource = async () => {
  const admin = localAdminFromEnvFile();
  return admin ? fetchVaultDigests(admin) : undefined;
};
