/**
 * The tokens users granted through user federation (3LO), kept in the token vault per workload,
 * provider, user and scopes, so the next GetResourceOauth2Token for that user returns them without
 * asking again (as AWS does unless `forceAuthentication`). With a refresh token, an expired access
 * token is renewed by the caller (see user-federation.ts); without one the user is asked again.
 * The provider's creation and update times are part of the key, as for M2M tokens.
 */
import { createHash } from "node:crypto";
import type { LocalServices } from "../../service.js";
import { EXPIRY_SKEW_SECONDS } from "./token-cache.js";

/** One record per vaulted user token (its vault key and expiry, never the token), so they can be listed. */
export const KIND_USER_TOKEN = "identity-oauth2-user-token";

export interface UserTokenKeyParts {
  workloadIdentityArn: string;
  providerArn: string;
  providerVersion: string;
  userId: string;
  scopes: string[];
}

export function userTokenKey(parts: UserTokenKeyParts): string {
  const canonical = JSON.stringify([parts.workloadIdentityArn, parts.providerArn, parts.providerVersion, parts.userId, [...new Set(parts.scopes)].sort()]);
  return `oauth2-user-token:${createHash("sha256").update(canonical).digest("hex")}`;
}

export interface UserToken {
  accessToken: string;
  refreshToken?: string;
  /** Epoch milliseconds after which the access token is not handed out; absent: no expiry said. */
  useUntil?: number;
}

export function createUserTokens(local: LocalServices) {
  const now = () => local.now().getTime();
  return {
    get(key: string): UserToken | undefined {
      const raw = local.vault.get(key);
      return raw === undefined ? undefined : (JSON.parse(raw) as UserToken);
    },
    /** Whether the access token may still be handed out. */
    fresh(token: UserToken): boolean {
      return token.useUntil === undefined || token.useUntil > now();
    },
    put(key: string, issued: { accessToken: string; refreshToken?: string; expiresIn?: number }): void {
      const entry: UserToken = {
        accessToken: issued.accessToken,
        ...(issued.refreshToken !== undefined ? { refreshToken: issued.refreshToken } : {}),
        ...(issued.expiresIn !== undefined ? { useUntil: now() + Math.max(0, issued.expiresIn - EXPIRY_SKEW_SECONDS) * 1000 } : {}),
      };
      local.store.tx(() => {
        local.vault.put(key, JSON.stringify(entry));
        local.store.put(KIND_USER_TOKEN, key, entry.useUntil !== undefined ? { useUntil: entry.useUntil } : {});
      });
    },
    delete(key: string): void {
      local.store.tx(() => {
        local.vault.delete(key);
        local.store.delete(KIND_USER_TOKEN, key);
      });
    },
  };
}

/** Every vaulted user access and refresh token (for log redaction and the leak guard). */
export function userTokenSecrets(local: LocalServices): string[] {
  const tokens = createUserTokens(local);
  const out: string[] = [];
  for (const id of local.store.db.prepare("SELECT id FROM resources WHERE kind = ?").pluck().all(KIND_USER_TOKEN) as string[]) {
    try {
      const t = tokens.get(id);
      if (t) out.push(t.accessToken, ...(t.refreshToken ? [t.refreshToken] : []));
    } catch {
      // An unreadable entry cannot leak through us either.
    }
  }
  return out;
}
