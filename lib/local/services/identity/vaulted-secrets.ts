/**
 * The vault's secrets (API keys of credential providers, OAuth2 client secrets), collected so
 * agent logs can hide them even when they do not have a recognisable shape, and digested for the
 * notebook runner's leak guard (which learns only SHA-256 digests and lengths, never a value).
 */
import { createHash } from "node:crypto";
import type { LocalServices } from "../../service.js";
import { KIND_APIKEY_PROVIDER, KIND_OAUTH2_PROVIDER } from "./records.js";

export function vaultedSecrets(local: LocalServices): string[] {
  const out: string[] = [];
  const arns = [
    ...local.store.list<{ secretArn?: string }>(KIND_APIKEY_PROVIDER).map((r) => r.secretArn),
    ...local.store.list<{ secretArn?: string; hasClientSecret?: boolean }>(KIND_OAUTH2_PROVIDER).filter((r) => r.hasClientSecret).map((r) => r.secretArn),
  ];
  for (const arn of arns) {
    if (!arn) continue;
    try {
      const v = local.vault.get(arn);
      if (v) out.push(v);
    } catch {
      // An unreadable vault entry cannot leak through us either.
    }
  }
  return out;
}

export interface SecretDigest {
  /** Hex SHA-256 of the secret's UTF-8 bytes. */
  sha256: string;
  /** The secret's length in UTF-8 bytes (where to look: every window of this size). */
  length: number;
}

export function vaultedSecretDigests(local: LocalServices): SecretDigest[] {
  const seen = new Map<string, SecretDigest>();
  for (const value of vaultedSecrets(local)) {
    const bytes = Buffer.from(value, "utf8");
    const sha256 = createHash("sha256").update(bytes).digest("hex");
    seen.set(sha256, { sha256, length: bytes.length });
  }
  return [...seen.values()];
}
