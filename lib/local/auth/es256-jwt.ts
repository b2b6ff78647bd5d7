/**
 * A compact ES256 JWT check for tokens this process signs itself, done synchronously with Node's
 * `crypto.verify` and an imported KeyObject. It checks what `jose`'s `jwtVerify` checks for such
 * a token — the header's `alg` is ES256 and names no `crit` extension, the signature, the issuer,
 * the audience, `exp` (required) and `nbf` — so a token is accepted exactly when it would be there,
 * at a fraction of WebCrypto's per-call cost (no key conversion or promise job per call).
 */
import { verify, type KeyObject } from "node:crypto";

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
  if (!payload) return { ok: false, failure: "malformed" };
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
