/**
 * SigV4 verification: the signature is recomputed over exactly the headers the client signed,
 * canonicalized as the AWS SDK's SignatureV4 does (a test checks the two agree on generated
 * requests), and compared in constant time.
 *
 * Also here: what AWS answers when authentication fails, per family of service (JSON services,
 * query services, S3), so every caller rejects requests with the same codes and messages.
 */
import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import { AwsError } from "../errors.js";
import { signingKey } from "./streaming-payload.js";

export interface ParsedAuthorization {
  accessKeyId: string;
  /** YYYYMMDD of the credential scope. */
  shortDate: string;
  region: string;
  service: string;
  signedHeaders: string[];
  signature: string;
}

/** Which error vocabulary a service speaks. */
export type ErrorFamily = "json" | "query" | "s3";

const AUTH_RE =
  /^AWS4-HMAC-SHA256 Credential=([^/,\s]+)\/(\d{8})\/([^/,\s]+)\/([^/,\s]+)\/aws4_request,\s*SignedHeaders=([a-z0-9;\-_.]+),\s*Signature=([0-9a-f]{64})$/;

/** The parts of an `Authorization` header, or undefined when it is not a complete SigV4 header. */
export function parseAuthorization(header: string): ParsedAuthorization | undefined {
  const m = AUTH_RE.exec(header.trim());
  if (!m) return undefined;
  return {
    accessKeyId: m[1]!,
    shortDate: m[2]!,
    region: m[3]!,
    service: m[4]!,
    signedHeaders: m[5]!.split(";"),
    signature: m[6]!,
  };
}

/** The service named in a credential scope, even when the rest of the header is malformed. */
export function scopeServiceOf(header: string): string | undefined {
  return /Credential=[^/,\s]+\/\d{8}\/[^/,\s]+\/([^/,\s]+)\//.exec(header)?.[1];
}

/** `20250101T120000Z` → Date, or undefined. */
export function parseAmzDate(s: string | undefined): Date | undefined {
  const m = s ? /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(s) : null;
  if (!m) return undefined;
  const d = new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!));
  return Number.isNaN(d.getTime()) ? undefined : d;
}

export const formatAmzDate = (d: Date) => d.toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "");

export const MAX_SKEW_MS = 15 * 60 * 1000;

/** Query parameters as the signer wants them: values decoded, repeated keys as arrays. */
function signerQuery(rawQuery: string): Record<string, string | string[]> {
  const q: Record<string, string | string[]> = {};
  if (!rawQuery) return q;
  for (const part of rawQuery.split("&")) {
    if (!part) continue;
    const i = part.indexOf("=");
    const k = safeDecode(i < 0 ? part : part.slice(0, i));
    const v = i < 0 ? "" : safeDecode(part.slice(i + 1));
    const prev = q[k];
    q[k] = prev === undefined ? v : ([] as string[]).concat(prev, v);
  }
  return q;
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** `encodeURIComponent` plus the characters SigV4 also escapes (as the AWS SDK's `escapeUri`). */
const escapeUri = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/** The canonical path: S3 signs the path as sent; every other service the normalized path encoded once more. */
function canonicalPath(path: string, service: string): string {
  if (service === "s3") return path;
  const segments: string[] = [];
  for (const segment of path.split("/")) {
    if (segment === "" || segment === ".") continue;
    if (segment === "..") segments.pop();
    else segments.push(segment);
  }
  const normalized = `${path.startsWith("/") ? "/" : ""}${segments.join("/")}${segments.length > 0 && path.endsWith("/") ? "/" : ""}`;
  return escapeUri(normalized).replace(/%2F/g, "/");
}

function canonicalQuery(rawQuery: string): string {
  const query = signerQuery(rawQuery);
  const serialized = new Map<string, string>();
  for (const key of Object.keys(query)) {
    if (key.toLowerCase() === "x-amz-signature") continue;
    const k = escapeUri(key);
    const value = query[key]!;
    serialized.set(k, typeof value === "string" ? `${k}=${escapeUri(value)}` : value.map((v) => `${k}=${escapeUri(v)}`).sort().join("&"));
  }
  return [...serialized.keys()].sort().map((k) => serialized.get(k)!).filter((v) => v).join("&");
}

const EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
/** A header value the folding below would change (most do not: then it is skipped). */
const NEEDS_FOLDING = /[\r\n\t]| {2}|^ | $/;
/** Headers the AWS SDK's signer never takes from the request (it sets x-amz-date itself). */
const GENERATED = new Set(["authorization", "x-amz-date", "date"]);

// Derived signing keys per (secret, date, region, service), as the AWS SDK keeps them: a request
// then costs two SHA-256 and one HMAC, not the four-HMAC chain. Bounded; cleared when full.
const signingKeys = new Map<string, Buffer>();

function cachedSigningKey(secretAccessKey: string, shortDate: string, region: string, service: string): Buffer {
  const key = `${secretAccessKey}\n${shortDate}\n${region}\n${service}`;
  let k = signingKeys.get(key);
  if (!k) {
    if (signingKeys.size >= 512) signingKeys.clear();
    k = signingKey(secretAccessKey, shortDate, region, service);
    signingKeys.set(key, k);
  }
  return k;
}

export interface SignedRequest {
  method: string;
  /** Raw path as received (percent-encoding kept), without the query string. */
  rawPath: string;
  rawQuery: string;
  headers: Record<string, string | string[] | undefined>;
  /** The body exactly as received (before aws-chunked decoding). */
  body: Buffer;
}

/**
 * The signature `secretAccessKey` gives the request, computed as the AWS SDK's SignatureV4 signs
 * it (`applyChecksum: false`, the client's signed headers only): the canonical request over the
 * signed headers (plus x-amz-date), the string to sign, an HMAC with the derived key. Undefined
 * when a signed header is missing from the request.
 */
export function expectedSignature(req: SignedRequest, auth: ParsedAuthorization, secretAccessKey: string, signingDate: Date): string | undefined {
  const headers = new Map<string, string>();
  for (const h of auth.signedHeaders) {
    const v = req.headers[h];
    if (v === undefined) return undefined;
    if (GENERATED.has(h)) continue;
    // Repeated headers are joined with "," in the canonical request; whitespace runs fold to one space.
    const joined = Array.isArray(v) ? v.join(",") : v;
    headers.set(h, NEEDS_FOLDING.test(joined) ? joined.replace(/[\r\n]/g, " ").replace(/[ \t]+/g, " ").replace(/^ | $/g, "") : joined);
  }
  const longDate = formatAmzDate(signingDate);
  const shortDate = longDate.slice(0, 8);
  headers.set("x-amz-date", longDate);
  const names = [...headers.keys()].sort();
  const declared = headers.get("x-amz-content-sha256");
  const payloadHash = declared ?? (req.body.length ? createHash("sha256").update(req.body).digest("hex") : EMPTY_SHA256);
  const canonical = [
    req.method,
    canonicalPath(req.rawPath, auth.service),
    canonicalQuery(req.rawQuery),
    ...names.map((n) => `${n}:${headers.get(n)}`),
    "",
    names.join(";"),
    payloadHash,
  ].join("\n");
  const scope = `${shortDate}/${auth.region}/${auth.service}/aws4_request`;
  const stringToSign = `AWS4-HMAC-SHA256\n${longDate}\n${scope}\n${createHash("sha256").update(canonical, "utf8").digest("hex")}`;
  return createHmac("sha256", cachedSigningKey(secretAccessKey, shortDate, auth.region, auth.service)).update(stringToSign, "utf8").digest("hex");
}

/**
 * Whether the request's signature is the one `secretAccessKey` gives. A signed header that is
 * missing from the request makes it false.
 */
export async function signatureMatches(
  req: SignedRequest,
  auth: ParsedAuthorization,
  secretAccessKey: string,
  signingDate: Date,
): Promise<boolean> {
  const expected = expectedSignature(req, auth, secretAccessKey, signingDate);
  if (!expected) return false;
  return timingSafeEqual(Buffer.from(expected), Buffer.from(auth.signature));
}

/**
 * The signer trusts `x-amz-content-sha256`, so the body must be checked against it: true when it
 * matches or there is nothing to check (absent, `UNSIGNED-PAYLOAD`, `STREAMING-*`).
 */
export function payloadHashMatches(headers: Record<string, string | string[] | undefined>, body: Buffer): boolean {
  const declared = headers["x-amz-content-sha256"];
  if (typeof declared !== "string" || declared === "UNSIGNED-PAYLOAD" || declared.startsWith("STREAMING-")) return true;
  return createHash("sha256").update(body).digest("hex") === declared.toLowerCase();
}

export type AuthFailure =
  | "missing"
  | "incomplete"
  /** X-Amz-Date missing or not the credential scope's day (the detail says which). */
  | "bad-date"
  | "wrong-service"
  | "unknown-key"
  | "bad-token"
  | "expired-token"
  | "bad-signature"
  | "payload-hash"
  | "skew"
  /** An aws-chunked body whose framing or decoded length is wrong (the detail says how). */
  | "incomplete-body";

const JSON_BAD_SIGNATURE =
  "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.";
const S3_BAD_SIGNATURE =
  "The request signature we calculated does not match the signature you provided. Check your key and signing method.";
const INVALID_TOKEN = "The security token included in the request is invalid.";

/** The error AWS answers with for an authentication failure in a family of services. */
export function authError(family: ErrorFamily, failure: AuthFailure, detail = ""): AwsError {
  switch (failure) {
    case "missing":
      if (family === "s3") return new AwsError("AccessDenied", "Access Denied", 403);
      return family === "json"
        ? new AwsError("MissingAuthenticationTokenException", "Missing Authentication Token", 403)
        : new AwsError("MissingAuthenticationToken", "Request is missing Authentication Token", 403);
    case "incomplete":
    case "bad-date": {
      const msg = detail || "Authorization header requires 'Credential', 'Signature' and 'SignedHeaders' parameters.";
      if (family === "s3") return new AwsError("AuthorizationHeaderMalformed", msg, 400);
      return new AwsError(family === "json" ? "IncompleteSignatureException" : "IncompleteSignature", msg, 400);
    }
    case "wrong-service": {
      const msg = `Credential should be scoped to correct service. ${detail}`.trim();
      if (family === "s3") return new AwsError("AuthorizationHeaderMalformed", msg, 400);
      return new AwsError(family === "json" ? "InvalidSignatureException" : "SignatureDoesNotMatch", msg, 403);
    }
    case "unknown-key":
      if (family === "s3") return new AwsError("InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records.", 403);
      return new AwsError(family === "json" ? "UnrecognizedClientException" : "InvalidClientTokenId", INVALID_TOKEN, 403);
    case "bad-token":
      if (family === "s3") return new AwsError("InvalidToken", "The provided token is malformed or otherwise invalid.", 400);
      return new AwsError(family === "json" ? "UnrecognizedClientException" : "InvalidClientTokenId", INVALID_TOKEN, 403);
    case "expired-token":
      if (family === "s3") return new AwsError("ExpiredToken", "The provided token has expired.", 400);
      return new AwsError(family === "json" ? "ExpiredTokenException" : "ExpiredToken", "The security token included in the request is expired", 403);
    case "bad-signature":
      if (family === "s3") return new AwsError("SignatureDoesNotMatch", S3_BAD_SIGNATURE, 403);
      return new AwsError(family === "json" ? "InvalidSignatureException" : "SignatureDoesNotMatch", JSON_BAD_SIGNATURE, 403);
    case "payload-hash":
      if (family === "s3")
        return new AwsError("XAmzContentSHA256Mismatch", "The provided 'x-amz-content-sha256' header does not match what was computed.", 400);
      return new AwsError(family === "json" ? "InvalidSignatureException" : "SignatureDoesNotMatch", JSON_BAD_SIGNATURE, 403);
    case "skew":
      if (family === "s3") return new AwsError("RequestTimeTooSkewed", "The difference between the request time and the current time is too large.", 403);
      return new AwsError(family === "json" ? "InvalidSignatureException" : "SignatureDoesNotMatch", detail, 403);
    case "incomplete-body":
      return new AwsError("IncompleteBody", detail, 400);
  }
}

/** AWS's message for a request outside the 15-minute window. */
export function skewMessage(requestDate: Date, now: Date): string {
  const req = formatAmzDate(requestDate);
  if (requestDate.getTime() < now.getTime()) {
    return `Signature expired: ${req} is now earlier than ${formatAmzDate(new Date(now.getTime() - MAX_SKEW_MS))} (${formatAmzDate(now)} - 15 min.)`;
  }
  return `Signature not yet current: ${req} is still later than ${formatAmzDate(new Date(now.getTime() + MAX_SKEW_MS))} (${formatAmzDate(now)} + 15 min.)`;
}
