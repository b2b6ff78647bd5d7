/**
 * A minimal authorization server that is not ours, written from RFC 6749 §4.4 (client credentials),
 * §4.1 (authorization code, with RFC 7636 PKCE S256 required), §6 (refresh, rotating the refresh
 * token) and §2.3.1 (HTTP Basic client authentication) with node:http, plus an RFC 8414 metadata
 * document. Its authorization endpoint approves at once as a fixed user (or denies, when told to):
 * there is no login page to test here. It records every request so tests can read what was sent.
 */
import { createServer, type Server } from "node:http";
import { createHash, randomBytes } from "node:crypto";
import type { AddressInfo } from "node:net";

export interface TokenRequest {
  form: URLSearchParams;
  clientId?: string;
  basic: boolean;
}

export interface TestAuthorizationServer {
  url: string;
  authorizationEndpoint: string;
  /** Every authorization request's query. */
  authorizeRequests: URLSearchParams[];
  /** Deny the next authorization requests (error=access_denied). */
  deny: boolean;
  /** Refresh tokens issued (for the leak scan). */
  refreshTokens: string[];
  /** Forgets every refresh token issued so far (as a revocation would). */
  revokeRefreshTokens(): void;
  tokenEndpoint: string;
  metadataUrl: string;
  requests: TokenRequest[];
  issued: string[];
  /** Seconds (default 3600); undefined: the answer omits expires_in. */
  expiresIn: number | undefined;
  close(): Promise<void>;
}

export async function startTestAuthorizationServer(client: { id: string; secret: string }): Promise<TestAuthorizationServer> {
  const state = { requests: [] as TokenRequest[], issued: [] as string[], expiresIn: 3600 as number | undefined, authorizeRequests: [] as URLSearchParams[], deny: false, refreshTokens: [] as string[] };
  const codes = new Map<string, { redirectUri: string; challenge: string; scope: string | null }>();
  const refreshTokens = new Set<string>();
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
    if (req.method === "GET" && req.url?.startsWith("/oauth/authorize?")) {
      const q = new URL(req.url, base).searchParams;
      state.authorizeRequests.push(q);
      const redirectUri = q.get("redirect_uri");
      if (q.get("client_id") !== client.id || !redirectUri) return json(400, { error: "invalid_request" });
      const back = new URL(redirectUri);
      if (q.get("state") !== null) back.searchParams.set("state", q.get("state")!);
      if (state.deny) back.searchParams.set("error", "access_denied");
      else if (q.get("response_type") !== "code") back.searchParams.set("error", "unsupported_response_type");
      else if (q.get("code_challenge_method") !== "S256" || !q.get("code_challenge")) back.searchParams.set("error", "invalid_request");
      else {
        const code = `code-${randomBytes(16).toString("base64url")}`;
        codes.set(code, { redirectUri, challenge: q.get("code_challenge")!, scope: q.get("scope") });
        back.searchParams.set("code", code);
      }
      res.writeHead(302, { location: back.href });
      return res.end();
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
      const grant = form.get("grant_type");
      let refresh: string | undefined;
      if (grant === "authorization_code") {
        const issued = codes.get(form.get("code") ?? "");
        codes.delete(form.get("code") ?? ""); // §4.1.2: used once
        const verifier = form.get("code_verifier") ?? "";
        if (!issued || issued.redirectUri !== form.get("redirect_uri") || createHash("sha256").update(verifier).digest("base64url") !== issued.challenge) {
          return json(400, { error: "invalid_grant" });
        }
      } else if (grant === "refresh_token") {
        if (!refreshTokens.delete(form.get("refresh_token") ?? "")) return json(400, { error: "invalid_grant" });
      } else if (grant !== "client_credentials") return json(400, { error: "unsupported_grant_type" });
      if (grant !== "client_credentials") {
        refresh = `rt-${randomBytes(24).toString("base64url")}`;
        refreshTokens.add(refresh);
        state.refreshTokens.push(refresh);
      }
      const token = `tok-${randomBytes(24).toString("base64url")}`;
      state.issued.push(token);
      json(200, { access_token: token, token_type: "Bearer", ...(state.expiresIn !== undefined ? { expires_in: state.expiresIn } : {}), ...(form.get("scope") ? { scope: form.get("scope") } : {}), ...(refresh ? { refresh_token: refresh } : {}) });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: base,
    authorizationEndpoint: `${base}/oauth/authorize`,
    get authorizeRequests() { return state.authorizeRequests; },
    get deny() { return state.deny; },
    set deny(v) { state.deny = v; },
    get refreshTokens() { return state.refreshTokens; },
    revokeRefreshTokens: () => refreshTokens.clear(),
    tokenEndpoint: `${base}/oauth/token`,
    metadataUrl: `${base}/.well-known/oauth-authorization-server`,
    get requests() { return state.requests; },
    get issued() { return state.issued; },
    get expiresIn() { return state.expiresIn; },
    set expiresIn(v) { state.expiresIn = v; },
    close: () => new Promise<void>((resolve) => { server.close(() => resolve()); server.closeAllConnections(); }),
  };
}
