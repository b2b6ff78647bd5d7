/**
 * SigV4 verification: the signature is recomputed with `@smithy/signature-v4` over exactly the
 * headers the client signed (`applyChecksum: false`, so the signer adds nothing the client did not
 * sign) and compared in constant time.
 *
 * Also here: what AWS answers when authentication fails, per family of service (JSON services,
 * query services, S3), so every caller rejects requests with the same codes and messages.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import { Hash } from "@smithy/hash-node";
import { SignatureV4 } from "@smithy/signature-v4";
import { AwsError } from "../errors.js";

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

// One signer per (key, secret, region, service); @smithy/signature-v4 caches the derived signing
// key per (secret, date, region, service) itself, so repeated requests skip the HMAC chain.
const signers = new Map<string, SignatureV4>();
const sha256 = Hash.bind(null, "sha256");

function signerFor(accessKeyId: string, secretAccessKey: string, region: string, service: string): SignatureV4 {
  const key = `${accessKeyId}\n${secretAccessKey}\n${region}\n${service}`;
  let s = signers.get(key);
  if (!s) {
    if (signers.size >= 512) signers.clear();
    s = new SignatureV4({
      credentials: { accessKeyId, secretAccessKey },
      region,
      service,
      sha256,
      // S3 signs the path as sent; every other service signs the sent path encoded once more.
      uriEscapePath: service !== "s3",
      applyChecksum: false,
    });
    signers.set(key, s);
  }
  return s;
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
 * Whether the request's signature is the one `secretAccessKey` gives. A signed header that is
 * missing from the request makes it false.
 */
export async function signatureMatches(
  req: SignedRequest,
  auth: ParsedAuthorization,
  secretAccessKey: string,
  signingDate: Date,
): Promise<boolean> {
  const hdrs: Record<string, string> = {};
  for (const h of auth.signedHeaders) {
    const v = req.headers[h];
    if (v === undefined) return false;
    // Repeated headers are joined with "," in the canonical request.
    hdrs[h] = Array.isArray(v) ? v.join(",") : v;
  }
  const signer = signerFor(auth.accessKeyId, secretAccessKey, auth.region, auth.service);
  const host = hdrs.host ?? String(req.headers.host ?? "");
  const signed = await signer.sign(
    {
      method: req.method,
      protocol: "http:",
      hostname: host.split(":")[0] ?? "",
      path: req.rawPath,
      query: signerQuery(req.rawQuery),
      headers: hdrs,
      body: req.body.length ? req.body : undefined,
    },
    {
      signingDate,
      signingRegion: auth.region,
      signingService: auth.service,
      signableHeaders: new Set(auth.signedHeaders),
    },
  );
  const expected = /Signature=([0-9a-f]{64})/.exec(String(signed.headers.authorization ?? signed.headers.Authorization))?.[1];
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
