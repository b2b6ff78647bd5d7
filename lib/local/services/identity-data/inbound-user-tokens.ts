/**
 * The users' inbound JWTs behind workload access tokens from `GetWorkloadAccessTokenForJWT`, kept
 * in the token vault (encrypted) under the token's SHA-256, the digest the workload access token
 * carries. The on-behalf-of flow needs the very token to present it to the provider as the subject;
 * the workload access token itself stays free of it. Each is kept until the JWT or the workload
 * access token expires, whichever is first.
 */
import { createHash } from "node:crypto";
import type { LocalServices } from "../../service.js";

/** One record per held token (its expiry, never the token), so they can be listed. */
export const KIND_INBOUND_USER_TOKEN = "identity-inbound-user-token";

const vaultKey = (digest: string) => `inbound-user-token:${digest}`;

/** The JWT's `exp` (epoch seconds) when it has one; the token was verified before it gets here. */
function expiryOf(jwt: string): number | undefined {
  try {
    const exp = (JSON.parse(Buffer.from(jwt.split(".")[1] ?? "", "base64url").toString("utf8")) as { exp?: unknown }).exp;
    return typeof exp === "number" ? exp : undefined;
  } catch {
    return undefined;
  }
}

export function createInboundUserTokens(local: LocalServices) {
  const nowSec = () => Math.floor(local.now().getTime() / 1000);
  const remove = (digest: string) =>
    local.store.tx(() => {
      local.vault.delete(vaultKey(digest));
      local.store.delete(KIND_INBOUND_USER_TOKEN, digest);
    });
  return {
    /**
     * Held until `useUntil`; a token already held for as long is not written again (a user's JWT
     * is sent with many requests). Writing a new one drops the expired ones.
     */
    put(digest: string, jwt: string, workloadTokenExpiresAt: number): void {
      const useUntil = Math.min(expiryOf(jwt) ?? workloadTokenExpiresAt, workloadTokenExpiresAt);
      const held = local.store.getShared<{ useUntil: number }>(KIND_INBOUND_USER_TOKEN, digest);
      if (held && held.useUntil >= useUntil) return;
      local.store.tx(() => {
        const now = nowSec();
        for (const id of local.store.db.prepare("SELECT id FROM resources WHERE kind = ?").pluck().all(KIND_INBOUND_USER_TOKEN) as string[]) {
          const r = local.store.get<{ useUntil: number }>(KIND_INBOUND_USER_TOKEN, id);
          if (r && r.useUntil <= now) {
            local.vault.delete(vaultKey(id));
            local.store.delete(KIND_INBOUND_USER_TOKEN, id);
          }
        }
        local.vault.put(vaultKey(digest), jwt);
        local.store.put(KIND_INBOUND_USER_TOKEN, digest, { useUntil: Math.max(useUntil, held?.useUntil ?? 0) });
      });
    },
    /** The JWT while it is valid; an expired one is forgotten. */
    get(digest: string): string | undefined {
      const record = local.store.get<{ useUntil: number }>(KIND_INBOUND_USER_TOKEN, digest);
      if (!record) return undefined;
      if (record.useUntil <= nowSec()) {
        remove(digest);
        return undefined;
      }
      return local.vault.get(vaultKey(digest));
    },
  };
}

/** Every held inbound JWT (for log redaction and the leak guard). */
export function inboundUserTokenSecrets(local: LocalServices): string[] {
  const out: string[] = [];
  for (const id of local.store.db.prepare("SELECT id FROM resources WHERE kind = ?").pluck().all(KIND_INBOUND_USER_TOKEN) as string[]) {
    try {
      const t = local.vault.get(vaultKey(id));
      if (t !== undefined) out.push(t);
    } catch {
      // An unreadable entry cannot leak through us either.
    }
  }
  return out;
}

/**
 * Holds a user's JWT for on-behalf-of exchanges and returns its digest, the `userTokenDigest` to
 * mint the workload access token with. For every path that mints one from a verified user JWT
 * (GetWorkloadAccessTokenForJWT, and an agent runtime invoked with a bearer token).
 */
export function holdInboundUserToken(local: LocalServices, jwt: string, workloadTokenExpiresAt: number): string {
  const digest = createHash("sha256").update(jwt).digest("hex");
  createInboundUserTokens(local).put(digest, jwt, workloadTokenExpiresAt);
  return digest;
}
