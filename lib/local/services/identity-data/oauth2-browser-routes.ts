/**
 * The two URLs of user federation that a user's browser visits, without SigV4 (as on AWS):
 *
 * - `GET /identities/oauth2/authorize?request_uri=<sessionUri>`: used once per session; sends the
 *   browser to the provider's authorization endpoint with the provider's client id, its callback
 *   URL, the scopes, a random `state`, a PKCE S256 challenge and the caller's custom parameters
 *   (which add to the standard ones, never replace them).
 * - `GET /identities/oauth2/callback/<provider uuid>?code&state`: the provider's answer. The code is
 *   vaulted for CompleteResourceTokenAuth and the browser is sent to the session's return URL with
 *   `session_id=<sessionUri>` (and `state=<customState>` when the caller gave one; AWS does not
 *   document that parameter's name). A provider error (`error=access_denied`…) fails the session
 *   and is passed on as `error`.
 *
 * Neither route reveals a token or touches one: all they can do is move a session along.
 */
import { createHash } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { LocalServices } from "../../service.js";
import { getOauth2ProviderSecret } from "../identity/oauth2-providers.js";
import { OAUTH2_CALLBACK_PATH, providerByCallbackId, callbackUrl } from "../identity/oauth2-callback.js";
import { AwsError } from "../../errors.js";
import { KIND_OAUTH2_PROVIDER, type Oauth2ProviderRecord } from "../identity/records.js";
import { providerEndpoints } from "./provider-endpoints.js";
import { createSessions, SESSION_URI_PREFIX } from "./oauth2-sessions.js";
import { AUTHORIZE_PATH } from "./user-federation.js";

type Route = (req: IncomingMessage, res: ServerResponse, url: { subpath: string; query: URLSearchParams }) => Promise<void>;

/** PKCE S256 (RFC 7636 §4.2) is always sent; the verifier never leaves the vault but to the token endpoint. */
const STANDARD_AUTHORIZE = new Set(["response_type", "client_id", "redirect_uri", "scope", "state", "code_challenge", "code_challenge_method"]);
/** RFC 6749 §4.1.2.1 error codes passed on to the return URL (anything else becomes server_error). */
const AUTHORIZE_ERRORS = new Set(["invalid_request", "unauthorized_client", "access_denied", "unsupported_response_type", "invalid_scope", "server_error", "temporarily_unavailable"]);

function answer(res: ServerResponse, status: number, message: string) {
  const body = JSON.stringify({ message });
  res.writeHead(status, { "content-type": "application/json", "cache-control": "no-store", "content-length": String(Buffer.byteLength(body)) });
  res.end(body);
}

function redirect(res: ServerResponse, location: string) {
  // no-referrer: the provider's page must not learn the session URI from the Referer.
  res.writeHead(302, { location, "cache-control": "no-store", "referrer-policy": "no-referrer" });
  res.end();
}

export function userFederationRoutes(local: LocalServices, requestId: () => string): { path: string; handler: Route }[] {
  const sessions = createSessions(local);

  const authorize: Route = async (_req, res, { query }) => {
    const uri = query.get("request_uri") ?? "";
    const s = uri.startsWith(SESSION_URI_PREFIX) ? sessions.get(uri) : undefined;
    if (!s) return answer(res, 400, "Invalid or expired session: call GetResourceOauth2Token again for a new authorization URL.");
    const secrets = sessions.secrets(s.sessionUri);
    // Used once: a second visit (a shared or replayed link) finds it AUTHORIZING.
    if (!secrets || !sessions.advance(s.sessionUri, "CREATED", "AUTHORIZING")) {
      return answer(res, 400, "This authorization URL was already used: call GetResourceOauth2Token again (forceAuthentication true) for a new one.");
    }
    let location: URL;
    try {
      const provider = getOauth2ProviderSecret(local, { region: s.region, accountId: s.accountId }, s.providerName);
      const record = local.store.get<Oauth2ProviderRecord>(KIND_OAUTH2_PROVIDER, provider.credentialProviderArn)!;
      const endpoints = await providerEndpoints({ local, requestId: requestId() }, provider);
      if (!endpoints.authorizationEndpoint) throw new AwsError("ValidationException", `OAuth2 credential provider ${s.providerName} names no authorization endpoint; update it.`, 400);
      location = new URL(endpoints.authorizationEndpoint);
      const params: [string, string][] = [
        ["response_type", "code"],
        ["client_id", provider.clientId ?? ""],
        ["redirect_uri", callbackUrl(local, record)],
        ...(s.scopes.length ? ([["scope", s.scopes.join(" ")]] as [string, string][]) : []),
        ["state", secrets.state],
        ["code_challenge", createHash("sha256").update(secrets.codeVerifier).digest("base64url")],
        ["code_challenge_method", "S256"],
        ...Object.entries(s.customParameters ?? {}).filter(([k]) => !STANDARD_AUTHORIZE.has(k)),
      ];
      for (const [k, v] of params) location.searchParams.set(k, v);
    } catch (e) {
      sessions.advance(s.sessionUri, "AUTHORIZING", "FAILED");
      return answer(res, 400, e instanceof AwsError ? e.message : "The provider's authorization endpoint could not be found.");
    }
    local.log(`GET ${AUTHORIZE_PATH}: user ${s.userId} sent to provider ${s.providerName} (${location.origin}${location.pathname})`);
    redirect(res, location.href);
  };

  const callback: Route = async (_req, res, { subpath, query }) => {
    const provider = providerByCallbackId(local, subpath.slice(1));
    if (!provider) return answer(res, 404, "No OAuth2 credential provider has this callback URL.");
    const code = query.get("code");
    const state = query.get("state");
    const error = query.get("error");
    if (error !== null && state !== null) {
      const s = sessions.byState(state);
      if (s && s.providerArn === provider.credentialProviderArn && sessions.advance(s.sessionUri, "AUTHORIZING", "FAILED", () => undefined)) {
        local.log(`GET ${OAUTH2_CALLBACK_PATH}: provider ${s.providerName} refused user ${s.userId}'s authorization`);
        const back = new URL(s.returnUrl);
        back.searchParams.set("session_id", s.sessionUri);
        back.searchParams.set("error", AUTHORIZE_ERRORS.has(error) ? error : "server_error");
        return redirect(res, back.href);
      }
    }
    const missing = [code === null ? "authorizationCode" : undefined, state === null ? "state" : undefined].filter((m) => m !== undefined);
    if (missing.length) {
      // AWS's own words for this case.
      return answer(res, 400, `${missing.length} validation error${missing.length > 1 ? "s" : ""} detected: ${missing.map((m) => `Value at '${m}' failed to satisfy constraint: Member must not be null`).join("; ")}`);
    }
    const s = sessions.byState(state!);
    if (!s || s.providerArn !== provider.credentialProviderArn || !sessions.advance(s.sessionUri, "AUTHORIZING", "CALLBACK_RECEIVED", (x) => ({ ...x, code: code! }))) {
      return answer(res, 400, "Invalid or expired session: start again from GetResourceOauth2Token.");
    }
    local.log(`GET ${OAUTH2_CALLBACK_PATH}: provider ${s.providerName} answered for user ${s.userId}; browser sent to the return URL`);
    const back = new URL(s.returnUrl);
    back.searchParams.set("session_id", s.sessionUri);
    if (s.customState !== undefined) back.searchParams.set("state", s.customState);
    redirect(res, back.href);
  };

  return [
    { path: AUTHORIZE_PATH, handler: authorize },
    { path: `${OAUTH2_CALLBACK_PATH}/*`, handler: callback },
  ];
}
