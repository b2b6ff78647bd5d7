/**
 * A user's access token from Local AgentCore's identity provider, as a user-facing app gets one:
 * authorization code with PKCE through the real sign-in and consent pages (played by the library's
 * signInAndConsent), then the code exchanged at the token endpoint. The token is an RS256 JWT for
 * the calendar resource whose `sub` is the user.
 */
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { signInAndConsent } from "../../lib/local/client/sign-in.js";

export interface UserTokenRequest {
  issuer: string;
  clientId: string;
  clientSecret: string;
  redirectUri: string;
  username: string;
  password: string;
  scope: string;
}

export async function userAccessToken(r: UserTokenRequest): Promise<string> {
  const verifier = randomBytes(32).toString("base64url");
  const auth = new URL(`${r.issuer}/auth`);
  const params = {
    client_id: r.clientId,
    response_type: "code",
    redirect_uri: r.redirectUri,
    scope: r.scope,
    code_challenge: createHash("sha256").update(verifier).digest("base64url"),
    code_challenge_method: "S256",
    state: randomBytes(8).toString("hex"),
    prompt: "consent",
  };
  for (const [k, v] of Object.entries(params)) auth.searchParams.set(k, v);
  const back = await signInAndConsent({ authorizationUrl: auth.href, username: r.username, password: r.password, returnUrl: r.redirectUri });
  const code = new URL(back.url).searchParams.get("code");
  assert.ok(code, `no code in ${back.url}`);
  const res = await fetch(`${r.issuer}/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", authorization: `Basic ${Buffer.from(`${r.clientId}:${r.clientSecret}`).toString("base64")}` },
    body: new URLSearchParams({ grant_type: "authorization_code", code, redirect_uri: r.redirectUri, code_verifier: verifier }),
  });
  const body = (await res.json()) as { access_token?: string };
  assert.equal(res.status, 200, JSON.stringify(body));
  return body.access_token!;
}

export const claimsOf = (jwt: string) => JSON.parse(Buffer.from(jwt.split(".")[1]!, "base64url").toString("utf8")) as Record<string, unknown>;
