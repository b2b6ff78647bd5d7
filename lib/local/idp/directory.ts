/**
 * The built-in identity provider's directory: its users and OAuth2 clients (records in the state
 * store) and its key material (signing keys, cookie keys, client secrets: encrypted in the vault,
 * never in a record or a log line).
 *
 * Passwords are kept as scrypt hashes with a per-user salt; a client secret is generated here
 * (256 bits, base64url) unless the caller brings one.
 */
import { generateKeyPairSync, randomBytes, randomUUID, scryptSync, timingSafeEqual } from "node:crypto";
import { AwsError } from "../errors.js";
import type { LocalServices } from "../service.js";

export const KIND_IDP_USER = "idp-user";
export const KIND_IDP_CLIENT = "idp-client";
const SIGNING_KEYS_SECRET = "local-idp:signing-keys";
const COOKIE_KEYS_SECRET = "local-idp:cookie-keys";
const clientSecretId = (clientId: string) => `local-idp:client-secret/${clientId}`;

/** The grant types a client may be registered for. */
export const GRANT_TYPES = [
  "client_credentials",
  "authorization_code",
  "refresh_token",
  // On-behalf-of: token exchange (RFC 8693) and JWT bearer (RFC 7523 §2.1), see exchange-grants.ts.
  "urn:ietf:params:oauth:grant-type:token-exchange",
  "urn:ietf:params:oauth:grant-type:jwt-bearer",
] as const;
export type GrantType = (typeof GRANT_TYPES)[number];

export interface IdpUserRecord {
  username: string;
  /** The `sub` claim: stable, opaque. */
  sub: string;
  name?: string;
  email?: string;
  salt: string;
  passwordHash: string;
  createdTime: string;
}

export interface IdpClientRecord {
  clientId: string;
  grantTypes: GrantType[];
  redirectUris: string[];
  /** Space-separated scopes the client may ask for. */
  scope: string;
  /** false: a public client (no secret, PKCE only). */
  confidential: boolean;
  createdTime: string;
}

export type IdpUser = Omit<IdpUserRecord, "salt" | "passwordHash">;

const NAME = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,127}$/;

function invalid(message: string): AwsError {
  return new AwsError("ValidationException", message, 400);
}

function hashPassword(password: string, salt: string): string {
  return scryptSync(password, salt, 32).toString("hex");
}

export interface CreateUserInput {
  username: string;
  password: string;
  name?: string;
  email?: string;
}

export interface CreateClientInput {
  clientId: string;
  grantTypes?: GrantType[];
  redirectUris?: string[];
  scope?: string;
  /** Default true. A confidential client gets a secret (generated unless given). */
  confidential?: boolean;
  clientSecret?: string;
}

export interface Directory {
  createUser(input: CreateUserInput): IdpUser;
  /** The user, when the password is theirs (same work whether or not the user exists). */
  checkPassword(username: string, password: string): IdpUser | undefined;
  userBySub(sub: string): IdpUser | undefined;
  listUsers(): IdpUser[];
  /** False when there is no such user. Their sessions and grants expire on their own. */
  deleteUser(username: string): boolean;
  /** Returns the client and, for a confidential client, its secret (shown once, to the caller). */
  createClient(input: CreateClientInput): { client: IdpClientRecord; clientSecret?: string };
  getClient(clientId: string): IdpClientRecord | undefined;
  clientSecret(clientId: string): string | undefined;
  listClients(): IdpClientRecord[];
  deleteClient(clientId: string): boolean;
  /** Private JWKs for signing (created on first use). */
  signingKeys(): Record<string, unknown>[];
  cookieKeys(): string[];
}

function publicUser(r: IdpUserRecord): IdpUser {
  const { salt: _s, passwordHash: _h, ...user } = r;
  return user;
}

export function createDirectory(local: LocalServices): Directory {
  const { store, vault } = local;

  function vaulted<T>(id: string, make: () => T): T {
    return store.tx(() => {
      const existing = vault.get(id);
      if (existing !== undefined) return JSON.parse(existing) as T;
      const value = make();
      vault.put(id, JSON.stringify(value));
      return value;
    });
  }

  // A dummy hash so a wrong username costs as much as a wrong password (made when first needed).
  let dummy: { salt: string; hash: string } | undefined;
  const dummyHash = () => {
    if (!dummy) {
      const salt = randomBytes(16).toString("hex");
      dummy = { salt, hash: hashPassword(randomUUID(), salt) };
    }
    return dummy;
  };

  return {
    createUser(input) {
      if (!NAME.test(input.username ?? "")) throw invalid("username must be 1-128 characters of letters, digits and . _ @ - (starting with a letter or digit).");
      if (typeof input.password !== "string" || input.password.length < 8) throw invalid("password must be at least 8 characters.");
      const salt = randomBytes(16).toString("hex");
      const record: IdpUserRecord = {
        username: input.username,
        sub: randomUUID(),
        ...(input.name ? { name: String(input.name) } : {}),
        ...(input.email ? { email: String(input.email) } : {}),
        salt,
        passwordHash: hashPassword(input.password, salt),
        createdTime: local.now().toISOString(),
      };
      if (!store.tx(() => store.insert(KIND_IDP_USER, input.username, record))) {
        throw new AwsError("ConflictException", `A user named ${input.username} already exists in the built-in identity provider.`, 409);
      }
      return publicUser(record);
    },

    checkPassword(username, password) {
      const record = store.get<IdpUserRecord>(KIND_IDP_USER, username);
      const expected = Buffer.from(record?.passwordHash ?? dummyHash().hash, "hex");
      const actual = Buffer.from(hashPassword(String(password), record?.salt ?? dummyHash().salt), "hex");
      return record && timingSafeEqual(expected, actual) ? publicUser(record) : undefined;
    },

    userBySub(sub) {
      const record = store.list<IdpUserRecord>(KIND_IDP_USER).find((u) => u.sub === sub);
      return record ? publicUser(record) : undefined;
    },

    listUsers: () => store.list<IdpUserRecord>(KIND_IDP_USER).map(publicUser),
    deleteUser: (username) => store.tx(() => store.delete(KIND_IDP_USER, username)),

    createClient(input) {
      if (!NAME.test(input.clientId ?? "")) throw invalid("clientId must be 1-128 characters of letters, digits and . _ @ - (starting with a letter or digit).");
      const grantTypes = input.grantTypes?.length ? [...new Set(input.grantTypes)] : (["client_credentials"] as GrantType[]);
      for (const g of grantTypes) if (!GRANT_TYPES.includes(g)) throw invalid(`grant type ${g} is not one of ${GRANT_TYPES.join(", ")}.`);
      const confidential = input.confidential ?? true;
      // Grants with no user present need an authenticated client.
      const clientOnly = grantTypes.filter((g) => g !== "authorization_code" && g !== "refresh_token");
      if (!confidential && clientOnly.length) throw invalid(`A public client (no secret) cannot use ${clientOnly.join(", ")}.`);
      const redirectUris = input.redirectUris ?? [];
      if (grantTypes.includes("authorization_code") && redirectUris.length === 0) throw invalid("authorization_code needs at least one redirect URI.");
      for (const uri of redirectUris) {
        let url: URL;
        try {
          url = new URL(uri);
        } catch {
          throw invalid(`redirect URI ${uri} is not an absolute URL.`);
        }
        if (url.hash) throw invalid(`redirect URI ${uri} must not have a fragment.`);
      }
      if (input.clientSecret !== undefined && (!confidential || input.clientSecret.length < 16)) {
        throw invalid("clientSecret is for confidential clients and must be at least 16 characters.");
      }
      const record: IdpClientRecord = {
        clientId: input.clientId,
        grantTypes,
        redirectUris,
        scope: input.scope ?? "openid profile email offline_access calendar.read calendar.write",
        confidential,
        createdTime: local.now().toISOString(),
      };
      const clientSecret = confidential ? (input.clientSecret ?? randomBytes(32).toString("base64url")) : undefined;
      store.tx(() => {
        if (!store.insert(KIND_IDP_CLIENT, record.clientId, record)) {
          throw new AwsError("ConflictException", `A client with id ${record.clientId} already exists in the built-in identity provider.`, 409);
        }
        if (clientSecret !== undefined) vault.put(clientSecretId(record.clientId), clientSecret);
      });
      return { client: record, ...(clientSecret !== undefined ? { clientSecret } : {}) };
    },

    getClient: (clientId) => store.get<IdpClientRecord>(KIND_IDP_CLIENT, clientId),
    clientSecret: (clientId) => vault.get(clientSecretId(clientId)),
    listClients: () => store.list<IdpClientRecord>(KIND_IDP_CLIENT),
    deleteClient(clientId) {
      return store.tx(() => {
        vault.delete(clientSecretId(clientId));
        return store.delete(KIND_IDP_CLIENT, clientId);
      });
    },

    signingKeys: () =>
      vaulted(SIGNING_KEYS_SECRET, () => {
        const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
        return [{ ...privateKey.export({ format: "jwk" }), kid: randomUUID(), alg: "RS256", use: "sig" }];
      }),

    cookieKeys: () => vaulted(COOKIE_KEYS_SECRET, () => [randomBytes(32).toString("base64url")]),
  };
}
