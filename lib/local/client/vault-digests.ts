/**
 * Asks Local AgentCore which secrets its vault holds, as SHA-256 digests and lengths (never the
 * values), for the runner's secret-leak guard. The request is SigV4-signed with the admin key from
 * Local AgentCore's env file; when Local AgentCore never ran there is nothing to ask.
 */
import { Hash } from "@smithy/hash-node";
import { SignatureV4 } from "@smithy/signature-v4";
import { readLocalEnv } from "./env-file.js";
import { VAULT_DIGESTS_PATH } from "../local-routes.js";


/** One vaulted secret: hex SHA-256 of its UTF-8 bytes, and their count. */
export interface VaultDigest {
  sha256: string;
  length: number;
}

export interface LocalAdmin {
  endpoint: string;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
}

export async function fetchVaultDigests(admin: LocalAdmin, timeoutMs = 3000): Promise<VaultDigest[]> {
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
  const body = (await res.json()) as { digests?: VaultDigest[] };
  return (body.digests ?? []).filter((d) => typeof d.sha256 === "string" && Number.isInteger(d.length));
}

/** The admin identity of the Local AgentCore this project uses (its env file), or undefined when there is none. */
export function localAdminFromEnvFile(): LocalAdmin | undefined {
  const env = readLocalEnv();
  if (!env?.AWS_ENDPOINT_URL || !env.AWS_ACCESS_KEY_ID || !env.AWS_SECRET_ACCESS_KEY) return undefined;
  return {
    endpoint: env.AWS_ENDPOINT_URL,
    region: env.AWS_REGION ?? "us-east-1",
    credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY },
  };
}

/**
 * What the vault of this project's Local AgentCore holds now, or undefined when it never ran. The
 * env file is read at each call: a notebook cell may start Local AgentCore in the middle of a run.
 */
export async function localVaultDigests(): Promise<VaultDigest[] | undefined> {
  const admin = localAdminFromEnvFile();
  return admin ? fetchVaultDigests(admin) : undefined;
}
