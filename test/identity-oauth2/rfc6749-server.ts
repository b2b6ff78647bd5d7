/**
 * A minimal authorization server that is not ours, written from RFC 6749 §4.4 (client credentials)
 * and §2.3.1 (HTTP Basic client authentication) with node:http, plus an RFC 8414 metadata document.
 * It records every token request so tests can count them and read what was sent.
 */
import { createServer, type Server } from "node:http";
import { randomBytes } from "node:crypto";
import type { AddressInfo } from "node:net";

export interface TokenRequest {
  form: URLSearchParams;
  clientId?: string;
  basic: boolean;
}

export interface TestAuthorizationServer {
  url: string;
  tokenEndpoint: string;
  metadataUrl: string;
  requests: TokenRequest[];
  issued: string[];
  /** Seconds (default 3600); undefined: the answer omits expires_in. */
  expiresIn: number | undefined;
  close(): Promise<void>;
}

export async function startTestAuthorizationServer(client: { id: string; secret: string }): Promise<TestAuthorizationServer> {
  const state = { requests: [] as TokenRequest[], issued: [] as string[], expiresIn: 3600 as number | undefined };
  const decode = (s: string) => decodeURIComponent(s.replace(/\+/g, " "));
  const server: Server = createServer((req, res) => {
    const json = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { "content-type": "application/json", "cache-control": "no-store", pragma: "no-cache", ...headers });
      res.end(JSON.stringify(body));
    };
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    if (req.method === "GET" && req.url === "/.well-known/oauth-authorization-server") {
      return json(200, { issuer: base, token_endpoint: `${base}/oauth/token`, authorization_endpoint: `${base}/oauth/authorize`, grant_types_supported: ["client_credentials"], token_endpoint_auth_methods_supported: ["client_secret_basic", "client_secret_post"] });
    }
    if (req.method !== "POST" || req.url !== "/oauth/token") return json(404, { error: "not_found" });
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const form = new URLSearchParams(Buffer.concat(chunks).toString("utf8"));
      let id: string | undefined;
      let secret: string | undefined;
      const auth = req.headers.authorization;
      if (auth?.startsWith("Basic ")) {
        const [u, p] = Buffer.from(auth.slice(6), "base64").toString("utf8").split(":");
        id = decode(u ?? "");
        secret = decode(p ?? "");
      } else {
        id = form.get("client_id") ?? undefined;
        secret = form.get("client_secret") ?? undefined;
      }
      state.requests.push({ form, clientId: id, basic: auth !== undefined });
      // §5.2: invalid_client is 401 with a WWW-Authenticate challenge when Basic was used.
      if (id !== client.id || secret !== client.secret) return json(401, { error: "invalid_client", error_description: `bad secret ${secret}` }, { "www-authenticate": 'Basic realm="test"' });
      if (form.get("grant_type") !== "client_credentials") return json(400, { error: "unsupported_grant_type" });
      const token = `tok-${randomBytes(24).toString("base64url")}`;
      state.issued.push(token);
      json(200, { access_token: token, token_type: "Bearer", ...(state.expiresIn !== undefined ? { expires_in: state.expiresIn } : {}), ...(form.get("scope") ? { scope: form.get("scope") } : {}) });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: base,
    tokenEndpoint: `${base}/oauth/token`,
    metadataUrl: `${base}/.well-known/oauth-authorization-server`,
    get requests() { return state.requests; },
    get issued() { return state.issued; },
    get expiresIn() { return state.expiresIn; },
    set expiresIn(v) { state.expiresIn = v; },
    close: () => new Promise<void>((resolve) => { server.close(() => resolve()); server.closeAllConnections(); }),
  };
}
