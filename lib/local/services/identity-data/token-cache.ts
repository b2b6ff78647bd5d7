/**
 * M2M (and on-behalf-of) tokens kept in the token vault (encrypted like every vaulted secret) until shortly before
 * they expire, per workload, provider and request (scopes, resources, audiences, custom
 * parameters). The provider's creation and update times are part of the key, so updating a
 * provider (a new client secret) or deleting and re-creating it never serves a token from before.
 * A token whose lifetime the server did not say is not cached.
 */
import { createHash } from "node:crypto";
import type { LocalServices, Vault } from "../../service.js";
import type { Store } from "../../state/store.js";

/** One record per cached token (its vault key and expiry, never the token), so they can be listed. */
export const KIND_TOKEN_CACHE = "identity-oauth2-token-cache";

/** Refreshed this long before the server's expiry, so a token handed out is still good when used. */
export const EXPIRY_SKEW_SECONDS = 60;

export interface CacheKeyParts {
  workloadIdentityArn: string;
  providerArn: string;
  providerVersion: string;
  scopes: string[];
  resources?: string[];
  audiences?: string[];
  customParameters?: Record<string, string>;
  /** On-behalf-of: the SHA-256 of the user's token the cached one was exchanged for. */
  subject?: string;
}

export function cacheKey(parts: CacheKeyParts): string {
  const canonical = JSON.stringify([
    parts.workloadIdentityArn,
    parts.providerArn,
    parts.providerVersion,
    [...new Set(parts.scopes)].sort(),
    [...(parts.resources ?? [])].sort(),
    [...(parts.audiences ?? [])].sort(),
    Object.entries(parts.customParameters ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
    ...(parts.subject !== undefined ? [parts.subject] : []),
  ]);
  return `oauth2-token-cache:${createHash("sha256").update(canonical).digest("hex")}`;
}

interface Cached {
  accessToken: string;
  /** Epoch milliseconds after which the token is not handed out. */
  useUntil: number;
}

export function createTokenCache(deps: { vault: Vault; store: Store; now: () => number }) {
  return {
    get(key: string): string | undefined {
      const raw = deps.vault.get(key);
      if (raw === undefined) return undefined;
      const cached = JSON.parse(raw) as Cached;
      if (cached.useUntil > deps.now()) return cached.accessToken;
      deps.store.tx(() => {
        deps.vault.delete(key);
        deps.store.delete(KIND_TOKEN_CACHE, key);
      });
      return undefined;
    },
    put(key: string, accessToken: string, expiresIn: number | undefined): void {
      if (expiresIn === undefined || expiresIn <= EXPIRY_SKEW_SECONDS) return;
      const entry: Cached = { accessToken, useUntil: deps.now() + (expiresIn - EXPIRY_SKEW_SECONDS) * 1000 };
      deps.vault.put(key, JSON.stringify(entry));
      deps.store.put(KIND_TOKEN_CACHE, key, { useUntil: entry.useUntil });
    },
  };
}

/** The tokens in the cache that may still be handed out (for log redaction and the leak guard). */
export function cachedTokens(local: LocalServices): string[] {
  const cache = createTokenCache({ vault: local.vault, store: local.store, now: () => local.now().getTime() });
  const out: string[] = [];
  for (const id of local.store.db.prepare("SELECT id FROM resources WHERE kind = ?").pluck().all(KIND_TOKEN_CACHE) as string[]) {
    try {
      const token = cache.get(id);
      if (token !== undefined) out.push(token);
    } catch {
      // An unreadable entry cannot leak through us either.
    }
  }
  return out;
}
