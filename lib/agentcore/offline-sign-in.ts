/**
 * Offline only: the stand-in for a user signing in to an app. It runs the authorization code flow
 * with PKCE against Local AgentCore's built-in identity provider the way a browser and the app's
 * backend would: the provider's real sign-in and consent pages (played by `signInAndConsent`), then
 * the code exchanged at the token endpoint with the app client's credentials. Nothing is bypassed,
 * so the token is one the provider issued to that user through that client.
 *
 * The access token is returned non-enumerable and registered as a secret: print `claims`, never it.
 */
import { createHash, randomBytes } from "node:crypto";
import { decodeJwt } from "jose";
import { signInAndConsent } from "../local/client/sign-in.js";
import { registerSecret } from "../notebook/redact.js";

export interface SignInClient {
  clientId: string;
  readonly clientSecret: string;
  discoveryUrl: string;
}

export interface UserToken {
  /** What the token says (safe to show): who, for which client and audience, until when. */
  claims: { iss?: string; sub?: string; aud?: string | string[]; client_id?: string; scope?: string; exp?: number };
  /** Not enumerable, so that printing the object never shows it. */
  readonly accessToken: string;
}

export class OfflineSignInError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "OfflineSignInError";
  }
}

export async function signInOffline(
  input: { client: SignInClient; username: string; password: string; redirectUri: string; scope: string },
  opts: { fetch?: typeof fetch } = {},
): Promise<UserToken> {
  const doFetch = opts.fetch ?? fetch;
  const discovery = (await (await doFetch(input.client.discoveryUrl)).json()) as { authorization_endpoint?: string; token_endpoint?: string };
  if (!discovery.authorization_endpoint || !discovery.token_endpoint) {
    throw new OfflineSignInError(`${input.client.discoveryUrl} names no authorization or token endpoint; is it the identity provider's discovery URL?`);
  }
  const verifier = randomBytes(32).toString("base64url");
  const state = randomBytes(16).toString("base64url");
  const auth = new URL(discovery.authorization_endpoint);
  const params = {
    client_id: input.client.clientId,
    response_type: "code",
    redirect_uri: input.redirectUri,
    scope: input.scope,
    state,
    code_challenge: createHash("sha256").update(verifier).digest("base64url"),
    code_challenge_method: "S256",
  };
  for (const [k, v] of Object.entries(params)) auth.searchParams.set(k, v);
  const back = new URL((await signInAndConsent({ authorizationUrl: auth.href, username: input.username, password: input.password, returnUrl: input.redirectUri, fetch: doFetch })).url);
  const code = back.searchParams.get("code");
  if (back.searchParams.get("state") !== state || !code) {
    throw new OfflineSignInError(`The identity provider sent the user back without a code (${back.searchParams.get("error") ?? "wrong state"}: ${back.searchParams.get("error_description") ?? "no description"}).`);
  }
  const basic = Buffer.from(`${encodeURIComponent(input.client.clientId)}:${encodeURIComponent(input.client.clientSecret)}`).toString("base64");
  const res = await doFetch(discovery.token_endpoint, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", authorization: `Basic ${basic}` },
    body: new URLSearchParams({ grant_type: "authorization_code", code, redirect_uri: input.redirectUri, code_verifier: verifier }),
  });
  const answer = (await res.json().catch(() => ({}))) as { access_token?: string; error?: string; error_description?: string };
  if (!res.ok || !answer.access_token) {
    throw new OfflineSignInError(`The token endpoint refused the code (HTTP ${res.status} ${answer.error ?? ""}: ${answer.error_description ?? "no description"}).`);
  }
  const accessToken = answer.access_token;
  registerSecret(accessToken);
  const c = decodeJwt(accessToken);
  const claims = { iss: c.iss, sub: c.sub, aud: c.aud, client_id: c.client_id as string | undefined, scope: c.scope as string | undefined, exp: c.exp };
  const out = { claims } as UserToken;
  Object.defineProperty(out, "accessToken", { value: accessToken, enumerable: false });
  return out;
}
