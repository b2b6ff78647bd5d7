/**
 * The built-in identity provider, from the library: create and list its users and clients through
 * Local AgentCore's admin routes (SigV4-signed with the admin key, as every admin route).
 *
 *   const idp = localIdp();                     // this project's Local AgentCore (its env file)
 *   const { client, clientSecret } = await idp.createClient({ clientId: "agent" });
 */
import { Hash } from "@smithy/hash-node";
import { SignatureV4 } from "@smithy/signature-v4";
import { IDP_ADMIN_PATH, IDP_PATH } from "../local-routes.js";
import { localAdminFromEnvFile, type LocalAdmin } from "./vault-digests.js";

export interface IdpUser {
  username: string;
  sub: string;
  name?: string;
  email?: string;
  createdTime: string;
}

export interface IdpClient {
  clientId: string;
  grantTypes: ("client_credentials" | "authorization_code" | "refresh_token" | "urn:ietf:params:oauth:grant-type:token-exchange" | "urn:ietf:params:oauth:grant-type:jwt-bearer")[];
  redirectUris: string[];
  scope: string;
  confidential: boolean;
  createdTime: string;
}

export interface IdpEndpoints {
  issuer: string;
  authorizationEndpoint: string;
  tokenEndpoint: string;
  jwksUri: string;
  discoveryUrl: string;
}

export interface LocalIdp {
  createUser(input: { username: string; password: string; name?: string; email?: string }): Promise<IdpUser>;
  createClient(input: {
    clientId: string;
    grantTypes?: IdpClient["grantTypes"];
    redirectUris?: string[];
    scope?: string;
    confidential?: boolean;
    clientSecret?: string;
  }): Promise<{ client: IdpClient; clientSecret?: string } & IdpEndpoints>;
  deleteClient(clientId: string): Promise<void>;
  deleteUser(username: string): Promise<void>;
  listUsers(): Promise<IdpUser[]>;
  listClients(): Promise<{ clients: IdpClient[] } & IdpEndpoints>;
  /** The issuer URL (`<endpoint>/_local/idp`); its discovery document is below it. */
  issuer: string;
}

export class LocalIdpError extends Error {
  /** As the AWS SDK's errors carry it, so callers read the status the same way for both. */
  readonly $metadata: { httpStatusCode: number };
  constructor(readonly code: string, message: string, readonly status: number) {
    super(message);
    this.name = code;
    this.$metadata = { httpStatusCode: status };
  }
}

export function localIdp(admin: LocalAdmin | undefined = localAdminFromEnvFile()): LocalIdp {
  if (!admin) throw new Error("Local AgentCore has not run in this project yet; start it with: npm run local -- start");
  const signer = new SignatureV4({ service: "bedrock-agentcore", region: admin.region, credentials: admin.credentials, sha256: Hash.bind(null, "sha256") });

  async function call<T>(method: string, sub: string, body?: unknown): Promise<T> {
    const url = new URL(`${IDP_ADMIN_PATH}${sub}`, admin!.endpoint);
    const text = body === undefined ? undefined : JSON.stringify(body);
    const signed = await signer.sign({
      method,
      protocol: url.protocol,
      hostname: url.hostname,
      port: Number(url.port) || undefined,
      path: url.pathname,
      query: {},
      headers: { host: url.host, ...(text !== undefined ? { "content-type": "application/json" } : {}) },
      ...(text !== undefined ? { body: text } : {}),
    });
    const res = await fetch(url, { method, headers: signed.headers, body: text, signal: AbortSignal.timeout(30_000) });
    const answer = (await res.json()) as Record<string, unknown>;
    if (!res.ok) throw new LocalIdpError(String(answer.__type ?? "Error"), String(answer.message ?? res.statusText), res.status);
    return answer as T;
  }

  return {
    issuer: `${admin.endpoint}${IDP_PATH}`,
    createUser: async (input) => (await call<{ user: IdpUser }>("POST", "/users", input)).user,
    createClient: (input) => call("POST", "/clients", input),
    deleteClient: async (clientId) => void (await call("DELETE", `/clients/${encodeURIComponent(clientId)}`)),
    deleteUser: async (username) => void (await call("DELETE", `/users/${encodeURIComponent(username)}`)),
    listUsers: async () => (await call<{ users: IdpUser[] }>("GET", "/users")).users,
    listClients: () => call("GET", "/clients"),
  };
}
