/**
 * The access keys Local AgentCore issues and how SigV4 finds the secret behind a key id.
 *
 * Secret keys are derived (HMAC-SHA256) from a 32-byte credential key kept in a 0600 file of the
 * state folder, so neither the admin secret nor any role-session secret is written to the database.
 * Session tokens are stored only as SHA-256 hashes. Role sessions live in the store (kind
 * `sts-session`) and therefore survive restarts.
 */
import { createHash, createHmac, randomBytes, randomInt, timingSafeEqual } from "node:crypto";
import { existsSync, readFileSync, writeFileSync, chmodSync } from "node:fs";
import { join } from "node:path";
import type { Store } from "../state/store.js";
import type { CredentialIssuer, Principal, RoleSessionCredentials, RoleSessionPrincipal } from "../service.js";

export const CREDENTIAL_KEY_FILE = "credentials.key";
export const SESSION_KIND = "sts-session";

/** kind "sts-session", id = accessKeyId */
export interface RoleSessionRecord {
  accessKeyId: string;
  roleArn: string;
  roleId: string;
  roleName: string;
  sessionName: string;
  /** Epoch milliseconds. */
  expiresAt: number;
  issuedAt: string;
  /** SHA-256 (hex) of the session token. */
  tokenHash: string;
}

const KEY_ID_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
const SECRET_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/** `AKIA…`/`ASIA…`/`AIDA…` followed by upper-case base32 characters, as AWS's ids look. */
export function randomKeyId(prefix: string, length = 16): string {
  let s = prefix;
  for (let i = 0; i < length; i++) s += KEY_ID_ALPHABET[randomInt(0, KEY_ID_ALPHABET.length)];
  return s;
}

export function loadCredentialKey(stateDir: string): Buffer {
  const file = join(stateDir, CREDENTIAL_KEY_FILE);
  if (!existsSync(file)) {
    try {
      writeFileSync(file, randomBytes(32).toString("base64") + "\n", { mode: 0o600, flag: "wx" });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e; // another process created it first
    }
  }
  chmodSync(file, 0o600);
  const key = Buffer.from(readFileSync(file, "utf8").trim(), "base64");
  if (key.length !== 32) throw new Error(`${file} is damaged (expected 32 bytes of base64); run \`npm run local -- reset --yes\``);
  return key;
}

/** A 40-character secret access key bound to its key id. */
export function deriveSecret(key: Buffer, accessKeyId: string): string {
  const mac = createHmac("sha512", key).update(`secret-access-key:${accessKeyId}`).digest();
  let s = "";
  for (let i = 0; i < 40; i++) s += SECRET_ALPHABET[mac[i]! & 63];
  return s;
}

const sha256Hex = (s: string) => createHash("sha256").update(s).digest("hex");

export function createCredentialIssuer(store: Store, accountId: string, now: () => Date = () => new Date()): CredentialIssuer {
  const key = loadCredentialKey(store.dir);
  const adminKeyId = store.getMeta("admin.accessKeyId");
  if (!adminKeyId) throw new Error("createCredentialIssuer: the account has no admin key yet (call loadOrCreateAccount first)");
  const admin = { accessKeyId: adminKeyId, secretAccessKey: deriveSecret(key, adminKeyId) };
  const adminPrincipal: Principal = {
    kind: "admin",
    accountId,
    arn: store.getMeta("admin.arn")!,
    userId: store.getMeta("admin.userId")!,
    accessKeyId: adminKeyId,
  };

  // Role sessions already seen, with their derived secret: a request costs one hash, not a query.
  const sessions = new Map<string, { rec: RoleSessionRecord; secretAccessKey: string }>();
  const lookup = (accessKeyId: string) => {
    let hit = sessions.get(accessKeyId);
    if (!hit) {
      const rec = store.get<RoleSessionRecord>(SESSION_KIND, accessKeyId);
      if (!rec) return undefined;
      if (sessions.size >= 4096) sessions.clear();
      hit = { rec, secretAccessKey: deriveSecret(key, accessKeyId) };
      sessions.set(accessKeyId, hit);
    }
    return hit;
  };

  return {
    admin,

    issueRoleSession(role, sessionName, durationSeconds): RoleSessionCredentials {
      const accessKeyId = randomKeyId("ASIA");
      const sessionToken = randomBytes(160).toString("base64");
      const issued = now();
      const expiresAt = issued.getTime() + durationSeconds * 1000;
      const record: RoleSessionRecord = {
        accessKeyId,
        roleArn: role.arn,
        roleId: role.roleId,
        roleName: role.roleName,
        sessionName,
        expiresAt,
        issuedAt: issued.toISOString(),
        tokenHash: sha256Hex(sessionToken),
      };
      store.put(SESSION_KIND, accessKeyId, record);
      return { accessKeyId, secretAccessKey: deriveSecret(key, accessKeyId), sessionToken, expiration: new Date(expiresAt) };
    },

    resolve(accessKeyId, sessionToken) {
      if (accessKeyId === adminKeyId) return { secretAccessKey: admin.secretAccessKey, principal: adminPrincipal };
      if (!accessKeyId.startsWith("ASIA")) return { error: "unknown" };
      const hit = lookup(accessKeyId);
      if (!hit) return { error: "unknown" };
      const rec = hit.rec;
      if (!sessionToken) return { error: "bad-token" };
      const given = Buffer.from(sha256Hex(sessionToken), "hex");
      if (!timingSafeEqual(given, Buffer.from(rec.tokenHash, "hex"))) return { error: "bad-token" };
      if (rec.expiresAt <= now().getTime()) return { error: "expired" };
      const principal: RoleSessionPrincipal = {
        kind: "role-session",
        accountId,
        arn: `arn:aws:sts::${accountId}:assumed-role/${rec.roleName}/${rec.sessionName}`,
        roleArn: rec.roleArn,
        roleId: rec.roleId,
        roleName: rec.roleName,
        sessionName: rec.sessionName,
        accessKeyId,
        expiresAt: rec.expiresAt,
      };
      return { secretAccessKey: hit.secretAccessKey, principal };
    },
  };
}
