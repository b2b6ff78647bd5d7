/**
 * The user-federation (3LO) sessions: one per authorization a user is asked for, named by its
 * `sessionUri` (`urn:ietf:params:oauth:request_uri:<uuid>`). What identifies the session and its
 * progress is a store record; what a thief could use (the OAuth `state`, the PKCE verifier, the
 * authorization code) is kept in the token vault, encrypted, and deleted when the session ends.
 *
 * A session lives SESSION_TTL_SECONDS (AWS does not document its lifetime; ten minutes is how long
 * both AgentCore SDKs poll). Status moves one way only: CREATED (authorization URL handed out) →
 * AUTHORIZING (the browser was sent to the provider; the URL cannot be used again) →
 * CALLBACK_RECEIVED (the provider sent a code) → EXCHANGING → COMPLETED, or FAILED.
 */
import { createHash, randomBytes, randomUUID } from "node:crypto";
import type { LocalServices } from "../../service.js";

export const KIND_OAUTH2_SESSION = "identity-oauth2-session";
export const SESSION_TTL_SECONDS = 600;
export const SESSION_URI_PREFIX = "urn:ietf:params:oauth:request_uri:";

export type SessionStatus = "CREATED" | "AUTHORIZING" | "CALLBACK_RECEIVED" | "EXCHANGING" | "COMPLETED" | "FAILED";

export interface SessionRecord {
  sessionUri: string;
  accountId: string;
  region: string;
  workloadName: string;
  workloadIdentityArn: string;
  providerName: string;
  providerArn: string;
  /** The provider's created|updated times: a session outlives no update of its provider. */
  providerVersion: string;
  userId: string;
  grant: "user-id" | "jwt" | "workload";
  userTokenDigest?: string;
  scopes: string[];
  customParameters?: Record<string, string>;
  customState?: string;
  returnUrl: string;
  /** The vaulted user token this session fills (see user-tokens.ts). */
  tokenKey: string;
  status: SessionStatus;
  /** SHA-256 of the OAuth state, to find the session when the provider calls back. */
  stateDigest: string;
  /** Epoch milliseconds. */
  expiresAt: number;
}

/** Vaulted: never in the store, never in a log. */
export interface SessionSecrets {
  state: string;
  codeVerifier: string;
  code?: string;
}

const secretsKey = (sessionUri: string) => `oauth2-session:${sessionUri}`;
export const digest = (value: string) => createHash("sha256").update(value).digest("hex");

export function createSessions(local: LocalServices) {
  const now = () => local.now().getTime();
  const drop = (uri: string) =>
    local.store.tx(() => {
      local.vault.delete(secretsKey(uri));
      local.store.delete(KIND_OAUTH2_SESSION, uri);
    });
  const live = (r: SessionRecord | undefined) => {
    if (!r) return undefined;
    if (r.expiresAt <= now()) {
      drop(r.sessionUri);
      return undefined;
    }
    return r;
  };
  return {
    create(fields: Omit<SessionRecord, "sessionUri" | "status" | "stateDigest" | "expiresAt">): SessionRecord {
      const secrets: SessionSecrets = { state: randomBytes(32).toString("base64url"), codeVerifier: randomBytes(32).toString("base64url") };
      const record: SessionRecord = {
        ...fields,
        sessionUri: `${SESSION_URI_PREFIX}${randomUUID()}`,
        status: "CREATED",
        stateDigest: digest(secrets.state),
        expiresAt: now() + SESSION_TTL_SECONDS * 1000,
      };
      local.store.tx(() => {
        // Ended sessions are swept here, so the store does not grow with abandoned ones.
        for (const old of local.store.list<SessionRecord>(KIND_OAUTH2_SESSION)) if (old.expiresAt <= now()) drop(old.sessionUri);
        local.store.put(KIND_OAUTH2_SESSION, record.sessionUri, record);
        local.vault.put(secretsKey(record.sessionUri), JSON.stringify(secrets));
      });
      return record;
    },
    /** The live (unexpired) session of this URI, or undefined. */
    get(sessionUri: string): SessionRecord | undefined {
      return live(local.store.get<SessionRecord>(KIND_OAUTH2_SESSION, sessionUri));
    },
    /** The live session the provider's `state` belongs to, or undefined. */
    byState(state: string): SessionRecord | undefined {
      const d = digest(state);
      return live(local.store.list<SessionRecord>(KIND_OAUTH2_SESSION).find((r) => r.stateDigest === d));
    },
    secrets(sessionUri: string): SessionSecrets | undefined {
      const raw = local.vault.get(secretsKey(sessionUri));
      return raw === undefined ? undefined : (JSON.parse(raw) as SessionSecrets);
    },
    /**
     * Moves a session from `from` to `to` (with the secrets changed by `secrets`, if given) in one
     * transaction; false when it was not in `from` (a concurrent or repeated use lost the race).
     */
    advance(sessionUri: string, from: SessionStatus, to: SessionStatus, secrets?: (s: SessionSecrets) => SessionSecrets | undefined): boolean {
      return local.store.tx(() => {
        const r = live(local.store.get<SessionRecord>(KIND_OAUTH2_SESSION, sessionUri));
        if (!r || r.status !== from) return false;
        local.store.put(KIND_OAUTH2_SESSION, sessionUri, { ...r, status: to });
        if (secrets) {
          const next = secrets(JSON.parse(local.vault.get(secretsKey(sessionUri)) ?? "{}") as SessionSecrets);
          if (next) local.vault.put(secretsKey(sessionUri), JSON.stringify(next));
          else local.vault.delete(secretsKey(sessionUri));
        }
        return true;
      });
    },
  };
}
