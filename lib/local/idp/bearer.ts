/**
 * Verifies a JWT access token from the built-in identity provider (RFC 9068 profile): RS256 with
 * one of its signing keys, `typ` at+jwt, the issuer, the audience, and the lifetime.
 */
import { createPublicKey, verify, type KeyObject } from "node:crypto";

export interface AccessTokenClaims {
  sub?: string;
  client_id?: string;
  scope?: string;
  [claim: string]: unknown;
}

export class InvalidTokenError extends Error {}

function part(segment: string | undefined): Record<string, unknown> {
  if (!segment) throw new InvalidTokenError("The access token is not a JWT.");
  try {
    const value = JSON.parse(Buffer.from(segment, "base64url").toString("utf8")) as unknown;
    if (value && typeof value === "object" && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // falls through to the error below
  }
  throw new InvalidTokenError("The access token is not a JWT.");
}

export function createAccessTokenVerifier(deps: { issuer: string; audience: string; keys: () => Record<string, unknown>[]; now: () => number }) {
  const publicKeys = new Map<string, KeyObject>();
  const keyFor = (kid: unknown): KeyObject | undefined => {
    if (typeof kid !== "string") return undefined;
    if (!publicKeys.has(kid)) {
      const jwk = deps.keys().find((k) => k.kid === kid);
      if (!jwk) return undefined;
      const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...pub } = jwk;
      publicKeys.set(kid, createPublicKey({ key: pub as never, format: "jwk" }));
    }
    return publicKeys.get(kid);
  };

  return (token: string): AccessTokenClaims => {
    const segments = token.split(".");
    if (segments.length !== 3) throw new InvalidTokenError("The access token is not a JWT.");
    const header = part(segments[0]);
    const claims = part(segments[1]) as AccessTokenClaims;
    if (header.alg !== "RS256") throw new InvalidTokenError("The access token is not signed with RS256.");
    if (typeof header.typ !== "string" || header.typ.toLowerCase() !== "at+jwt") throw new InvalidTokenError("The token is not an access token (typ at+jwt).");
    const key = keyFor(header.kid);
    if (!key) throw new InvalidTokenError("The access token is not signed by Local AgentCore's identity provider.");
    const ok = verify("RSA-SHA256", Buffer.from(`${segments[0]}.${segments[1]}`), key, Buffer.from(segments[2]!, "base64url"));
    if (!ok) throw new InvalidTokenError("The access token's signature does not verify.");
    if (claims.iss !== deps.issuer) throw new InvalidTokenError("The access token is from another issuer.");
    const aud = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
    if (!aud.includes(deps.audience)) throw new InvalidTokenError("The access token is for another audience (resource).");
    const nowSec = Math.floor(deps.now() / 1000);
    if (typeof claims.exp !== "number" || claims.exp <= nowSec) throw new InvalidTokenError("The access token has expired.");
    if (typeof claims.nbf === "number" && claims.nbf > nowSec + 60) throw new InvalidTokenError("The access token is not valid yet.");
    return claims;
  };
}
