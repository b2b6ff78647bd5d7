/**
 * The client-credentials grant (RFC 6749 §4.4) against a provider's token endpoint: client
 * authentication by HTTP Basic (§2.3.1, the default) or in the body (CLIENT_SECRET_POST, or when
 * the server supports only that), scopes, RFC 8707 `resource`s, `audience`s and custom parameters,
 * which add to the standard ones and never replace them.
 *
 * Like AWS, a refusal or an unreadable answer is `ValidationException` "Error parsing
 * ClientCredentials response"; only the standard OAuth `error` code is added (never the server's
 * free-text description, which could echo anything).
 */
import { AwsError } from "../../errors.js";
import type { TokenEndpoint } from "./token-endpoint.js";

export interface ClientCredentialsRequest {
  endpoint: TokenEndpoint;
  clientId: string;
  clientSecret: string;
  /** CLIENT_SECRET_BASIC | CLIENT_SECRET_POST (the provider's clientAuthenticationMethod), if set. */
  authMethod?: string;
  scopes: string[];
  resources?: string[];
  audiences?: string[];
  customParameters?: Record<string, string>;
}

export interface IssuedToken {
  accessToken: string;
  /** Seconds, when the server said. */
  expiresIn?: number;
  /** Authorization-code and refresh grants only, when the server issued one. */
  refreshToken?: string;
}

/** The client that authenticates at the token endpoint. */
export type TokenClient = Pick<ClientCredentialsRequest, "endpoint" | "clientId" | "clientSecret" | "authMethod">;

const FETCH_TIMEOUT_MS = 15_000;
const MAX_RESPONSE = 1024 * 1024;
const STANDARD = new Set([
  "grant_type", "scope", "client_id", "client_secret", "resource", "audience", "client_assertion", "client_assertion_type", "code", "code_verifier", "redirect_uri", "refresh_token",
  // token exchange (RFC 8693) and JWT bearer (RFC 7523)
  "subject_token", "subject_token_type", "actor_token", "actor_token_type", "requested_token_type", "assertion",
]);
/** RFC 6749 §5.2 error codes (anything else is not repeated back). */
const OAUTH_ERRORS = new Set(["invalid_request", "invalid_client", "invalid_grant", "unauthorized_client", "unsupported_grant_type", "invalid_scope", "invalid_target"]);

const HINTS: Record<string, string> = {
  invalid_client: "check the provider's client id and client secret",
  invalid_scope: "check the scopes requested and the ones the client is registered for",
  unauthorized_client: "allow this grant type for the client at the authorization server",
  unsupported_grant_type: "the authorization server does not offer this grant type (or not to this client); enable it there",
  invalid_target: "check the resources/audiences requested",
  invalid_grant: "the grant was refused (an authorization code or refresh token used, expired or issued to another client, or a user token the server does not accept); start the user's authorization again",
};

/** `grant`: the name AWS's message uses (ClientCredentials; AuthorizationCode and RefreshToken are our choice). */
const refusal = (grant: string) => (detail: string) => new AwsError("ValidationException", `Error parsing ${grant} response: ${detail}`, 400);

function useBasic(req: TokenClient): boolean {
  if (req.authMethod === "CLIENT_SECRET_POST") return false;
  if (req.authMethod === "CLIENT_SECRET_BASIC") return true;
  const methods = req.endpoint.authMethods;
  return !methods || methods.includes("client_secret_basic") || !methods.includes("client_secret_post");
}

// RFC 6749 §2.3.1: the id and secret are form-urlencoded before they are joined.
const formEncode = (s: string) => encodeURIComponent(s).replace(/%20/g, "+");

export async function exchangeClientCredentials(req: ClientCredentialsRequest, doFetch: typeof fetch = fetch): Promise<IssuedToken> {
  const form = new URLSearchParams({ grant_type: "client_credentials" });
  appendRequestedAccess(form, req);
  return requestToken(req, form, "ClientCredentials", doFetch);
}

/**
 * What a token request asks for, the same for every grant: scopes, resources, audiences, and the
 * custom parameters minus the standard ones (they add, never override).
 */
export function appendRequestedAccess(form: URLSearchParams, req: Pick<ClientCredentialsRequest, "scopes" | "resources" | "audiences" | "customParameters">): void {
  if (req.scopes.length) form.set("scope", req.scopes.join(" "));
  for (const r of req.resources ?? []) form.append("resource", r);
  for (const a of req.audiences ?? []) form.append("audience", a);
  for (const [k, v] of Object.entries(req.customParameters ?? {})) if (!STANDARD.has(k)) form.append(k, v);
}

/** One token request (any grant in `form`) with the client's authentication; the answer checked. */
export async function requestToken(req: TokenClient, form: URLSearchParams, grant: string, doFetch: typeof fetch = fetch): Promise<IssuedToken> {
  const refused = refusal(grant);
  const headers: Record<string, string> = { "content-type": "application/x-www-form-urlencoded", accept: "application/json" };
  if (useBasic(req)) headers.authorization = `Basic ${Buffer.from(`${formEncode(req.clientId)}:${formEncode(req.clientSecret)}`).toString("base64")}`;
  else {
    form.set("client_id", req.clientId);
    form.set("client_secret", req.clientSecret);
  }

  let res: Response;
  try {
    res = await doFetch(req.endpoint.url, { method: "POST", headers, body: form, redirect: "error", signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) });
  } catch {
    throw refused(`the token endpoint ${req.endpoint.url} could not be reached; check that the authorization server is running.`);
  }
  const text = await res.text();
  let body: Record<string, unknown> = {};
  try {
    if (text.length <= MAX_RESPONSE) body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // not JSON: answered below
  }
  if (!res.ok) {
    const code = typeof body.error === "string" && OAUTH_ERRORS.has(body.error) ? body.error : undefined;
    const hint = code && HINTS[code] ? `; ${HINTS[code]}` : "";
    throw refused(`the authorization server answered HTTP ${res.status}${code ? ` ${code}` : ""}${hint}.`);
  }
  if (typeof body.access_token !== "string" || body.access_token.length === 0) {
    throw refused("the authorization server's answer has no access_token.");
  }
  if (typeof body.token_type === "string" && body.token_type.toLowerCase() !== "bearer") {
    throw refused(`the authorization server issued a ${body.token_type} token; only Bearer tokens are supported.`);
  }
  const expiresIn = Number(body.expires_in);
  return {
    accessToken: body.access_token,
    ...(Number.isFinite(expiresIn) && expiresIn > 0 ? { expiresIn } : {}),
    ...(typeof body.refresh_token === "string" && body.refresh_token ? { refreshToken: body.refresh_token } : {}),
  };
}
