/**
 * A compact ES256 JWT check for tokens this process signs itself, done synchronously with Node's
 * `crypto.verify` and an imported KeyObject. It checks what `jose`'s `jwtVerify` checks for such
 * a token — the header's `alg` is ES256 and names no `crit` extension, the signature, the issuer,
 * the audience, `exp` (required) and `nbf` — so a token is accepted exactly when it would be there,
 * at a fraction of WebCrypto's per-call cost (no key conversion or promise job per call).
 * `createEs256Verifier` adds a memory of the tokens already verified (see there).
 */
import { verify, type KeyObject } from "node:crypto";
import { deepFreeze } from "../deep-freeze.js";

export type JwtFailure = "malformed" | "algorithm" | "signature" | "claims" | "expired";

export type JwtCheck = { ok: true; payload: Record<string, unknown> } | { ok: false; failure: JwtFailure };

export interface JwtExpectations {
  issuer: string;
  audience: string;
  now: Date;
}

const B64URL = /^[A-Za-z0-9_-]+$/;
/** An ES256 signature: r and s, 32 bytes each (IEEE P1363), which is 86 base64url characters. */
const SIGNATURE_BYTES = 64;

function jsonObject(part: string): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(Buffer.from(part, "base64url").toString("utf8"));
    return v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

export function verifyEs256Jwt(token: string, key: KeyObject, expect: JwtExpectations): JwtCheck {
  const signed = signedPayload(token, key);
  return signed.ok ? checkClaims(signed.payload, expect) : signed;
}

/**
 * `verifyEs256Jwt` for one key that remembers the tokens whose header and signature it has
 * verified: the same bytes under the same key always verify the same way, so a token presented
 * again (an agent sends its token with every call) skips only the ECDSA arithmetic (about 0.1 ms).
 * The claims — issuer, audience, `nbf`, and `exp` against the current time — are checked on every
 * call, and a token that differs in any byte is verified afresh. At most `remember` tokens are kept.
 */
export function createEs256Verifier(key: KeyObject, remember = 1024): (token: string, expect: JwtExpectations) => JwtCheck {
  const verified = new Map<string, Readonly<Record<string, unknown>>>();
  return (token, expect) => {
    let payload = verified.get(token);
    if (!payload) {
      const signed = signedPayload(token, key);
      if (!signed.ok) return signed;
      payload = deepFreeze(signed.payload);
      if (verified.size >= remember) verified.clear();
      verified.set(token, payload);
    }
    return checkClaims(payload, expect);
  };
}

/** The payload of a well-formed ES256 token whose signature `key` verifies. */
function signedPayload(token: string, key: KeyObject): JwtCheck {
  const parts = token.split(".");
  if (parts.length !== 3 || !parts.every((p) => B64URL.test(p))) return { ok: false, failure: "malformed" };
  const [h, p, s] = parts as [string, string, string];
  const header = jsonObject(h);
  if (!header) return { ok: false, failure: "malformed" };
  // Only ES256, never "none" or an HMAC keyed with the public key; no extension we do not know.
  if (header.alg !== "ES256" || header.crit !== undefined || header.b64 !== undefined) return { ok: false, failure: "algorithm" };
  const signature = Buffer.from(s, "base64url");
  if (signature.length !== SIGNATURE_BYTES) return { ok: false, failure: "signature" };
  if (!verify("sha256", Buffer.from(`${h}.${p}`, "ascii"), { key, dsaEncoding: "ieee-p1363" }, signature)) return { ok: false, failure: "signature" };
  const payload = jsonObject(p);
  return payload ? { ok: true, payload } : { ok: false, failure: "malformed" };
}

function checkClaims(payload: Record<string, unknown>, expect: JwtExpectations): JwtCheck {
  if (payload.iss !== expect.issuer) return { ok: false, failure: "claims" };
  const aud = payload.aud;
  if (!(aud === expect.audience || (Array.isArray(aud) && aud.includes(expect.audience)))) return { ok: false, failure: "claims" };
  const now = Math.floor(expect.now.getTime() / 1000);
  if (payload.nbf !== undefined && (typeof payload.nbf !== "number" || payload.nbf > now)) return { ok: false, failure: "claims" };
  if (payload.iat !== undefined && typeof payload.iat !== "number") return { ok: false, failure: "claims" };
  if (typeof payload.exp !== "number") return { ok: false, failure: "claims" };
  if (payload.exp <= now) return { ok: false, failure: "expired" };
  return { ok: true, payload };
}
