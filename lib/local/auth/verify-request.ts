/**
 * The one SigV4 verification of Local AgentCore, for the AWS router and the admin routes alike.
 *
 * It runs in two steps because the body has to be read (with the caller's size limit) before its
 * hash and the signature can be checked:
 *   1. `checkHead(head)`: the Authorization header, X-Amz-Date (present, same day as the credential
 *      scope, within 15 minutes of now) and the access key (the admin key, or a role session with
 *      its session token) → the principal, region and signing name;
 *   2. `checkBody(body)`: an unsigned body outside S3 (refused), the payload hash, the recomputed
 *      signature, then the aws-chunked framing (decoded length, trailing headers) → the body and
 *      headers the service sees.
 * A failure is a kind from `authError`'s vocabulary, which the caller turns into its own answer.
 */
import type { IncomingMessage } from "node:http";
import type { CredentialIssuer, Principal } from "../service.js";
import { decodeAwsChunked, isAwsChunked, MalformedChunkedBodyError } from "../protocols/body.js";
import { signingKey, VerifiedPayload } from "./streaming-payload.js";
import {
  MAX_SKEW_MS,
  parseAmzDate,
  parseAuthorization,
  payloadHashMatches,
  scopeServiceOf,
  signatureMatches,
  skewMessage,
  type AuthFailure,
} from "./sigv4.js";

type Headers = Record<string, string | string[] | undefined>;

/** What verification reads of a request before its body. */
export interface RequestHead {
  method: string;
  /** The raw path as received (percent-encoding kept), without the query string. */
  rawPath: string;
  rawQuery: string;
  /** Lower-cased names, as Node parses them. */
  headers: Headers;
  /** Every value of every header, for the canonical request (repeated headers are joined there). */
  headersDistinct: Headers;
}

/** The head of a Node request. */
export function requestHead(req: IncomingMessage): RequestHead {
  const url = req.url ?? "/";
  const qi = url.indexOf("?");
  return {
    method: req.method ?? "GET",
    rawPath: qi < 0 ? url : url.slice(0, qi),
    rawQuery: qi < 0 ? "" : url.slice(qi + 1),
    headers: req.headers,
    headersDistinct: req.headersDistinct,
  };
}

export interface VerifyFailure {
  ok: false;
  kind: AuthFailure;
  /** The message for kinds whose wording depends on the request (dates, skew, chunked bodies). */
  detail?: string;
  /** The signing name of the credential scope, when the header names one (to answer in its shape). */
  service?: string;
}

export interface VerifiedHead {
  ok: true;
  principal: Principal;
  region: string;
  /** The signing name of the credential scope (`bedrock-agentcore`, `iam`, …). */
  service: string;
  /** Step two, once the body is read completely. */
  checkBody(body: Buffer): Promise<VerifiedBody | VerifyFailure>;
  /**
   * Step two for a body that is not read first (S3 object uploads): the signature is checked now,
   * over the signed `x-amz-content-sha256`; the payload hash, chunk signatures and decoded length
   * while the returned payload streams. Undefined when the request does not sign a payload hash
   * (then only `checkBody` can verify it).
   */
  checkStream(source: NodeJS.ReadableStream, limit: number): Promise<VerifiedStream | VerifyFailure> | undefined;
}

export interface VerifiedStream {
  ok: true;
  /** The payload, unframed and verified while it is read (fails with PayloadRejected). */
  body: VerifiedPayload;
  /** The request's headers with aws-chunked framing headers corrected (trailers arrive with the body). */
  headers: Headers;
}

export interface VerifiedBody {
  ok: true;
  /** The payload, aws-chunked framing removed. */
  body: Buffer;
  /** The request's headers, with aws-chunked trailers added and its framing headers corrected. */
  headers: Headers;
}

export interface RequestVerifier {
  checkHead(head: RequestHead): VerifiedHead | VerifyFailure;
}

export interface RequestVerifierDeps {
  credentials: Pick<CredentialIssuer, "resolve">;
  /** Read on every request (tests move the clock). */
  now(): Date;
  /**
   * Whether a signing name is one the caller serves (checked right after the header is parsed, as
   * AWS does); absent, any signing name is accepted.
   */
  serves?(signingName: string): boolean;
  /** Completes the `wrong-service` message for a signing name that is not served. */
  wrongServiceDetail?(signingName: string): string;
}

const NO_DATE = "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.";

const fail = (kind: AuthFailure, detail?: string, service?: string): VerifyFailure => ({
  ok: false,
  kind,
  ...(detail !== undefined ? { detail } : {}),
  ...(service !== undefined ? { service } : {}),
});

export function createRequestVerifier(deps: RequestVerifierDeps): RequestVerifier {
  return {
    checkHead(head) {
      const authorization = head.headers.authorization;
      if (typeof authorization !== "string" || authorization === "") return fail("missing");
      const auth = parseAuthorization(authorization);
      if (!auth) return fail("incomplete", undefined, scopeServiceOf(authorization));
      const service = auth.service;
      if (deps.serves && !deps.serves(service)) return fail("wrong-service", deps.wrongServiceDetail?.(service), service);

      const amzDate = head.headers["x-amz-date"];
      const signingDate = parseAmzDate(typeof amzDate === "string" ? amzDate : undefined);
      if (!signingDate) return fail("bad-date", NO_DATE, service);
      const day = (amzDate as string).slice(0, 8);
      if (day !== auth.shortDate)
        return fail("bad-date", `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${auth.shortDate}' != '${day}'`, service);
      const now = deps.now();
      if (Math.abs(now.getTime() - signingDate.getTime()) > MAX_SKEW_MS) return fail("skew", skewMessage(signingDate, now), service);

      const token = head.headers["x-amz-security-token"];
      const resolved = deps.credentials.resolve(auth.accessKeyId, typeof token === "string" ? token : undefined);
      if ("error" in resolved)
        return fail(resolved.error === "unknown" ? "unknown-key" : resolved.error === "expired" ? "expired-token" : "bad-token", undefined, service);

      return {
        ok: true,
        principal: resolved.principal,
        region: auth.region,
        service,
        async checkBody(body) {
          // What AWS answers: the service hashed the body itself, so the signature cannot match.
          if (unsignedBodyRefused(service, head.headers)) return fail("bad-signature", undefined, service);
          if (!payloadHashMatches(head.headers, body)) return fail("payload-hash", undefined, service);
          const signed = await signatureMatches(
            { method: head.method, rawPath: head.rawPath, rawQuery: head.rawQuery, headers: head.headersDistinct, body },
            auth,
            resolved.secretAccessKey,
            signingDate,
          );
          if (!signed) return fail("bad-signature", undefined, service);
          if (!isAwsChunked(head.headers)) return { ok: true, body, headers: head.headers };
          return unchunk(body, head.headers, service);
        },
        checkStream(source, limit) {
          const declared = head.headers["x-amz-content-sha256"];
          if (typeof declared !== "string" || !auth.signedHeaders.includes("x-amz-content-sha256")) return undefined;
          return (async (): Promise<VerifiedStream | VerifyFailure> => {
            const isHex = /^[0-9a-fA-F]{64}$/.test(declared);
            const chunked = isAwsChunked(head.headers);
            if (!isHex && declared !== "UNSIGNED-PAYLOAD" && !(chunked && declared.startsWith("STREAMING-")))
              return fail("payload-hash", undefined, service);
            const signed = await signatureMatches(
              { method: head.method, rawPath: head.rawPath, rawQuery: head.rawQuery, headers: head.headersDistinct, body: Buffer.alloc(0) },
              auth,
              resolved.secretAccessKey,
              signingDate,
            );
            if (!signed) return fail("bad-signature", undefined, service);
            const signedChunks = declared.startsWith("STREAMING-AWS4-HMAC-SHA256-PAYLOAD");
            const decoded = Number(head.headers["x-amz-decoded-content-length"]);
            const body = new VerifiedPayload({
              limit,
              chunked,
              ...(isHex ? { sha256: declared } : {}),
              ...(chunked && Number.isInteger(decoded) && decoded >= 0 ? { decodedLength: decoded } : {}),
              ...(signedChunks
                ? {
                    signing: {
                      key: signingKey(resolved.secretAccessKey, auth.shortDate, auth.region, auth.service),
                      amzDate: head.headers["x-amz-date"] as string,
                      scope: `${auth.shortDate}/${auth.region}/${auth.service}/aws4_request`,
                      seed: auth.signature,
                    },
                  }
                : {}),
            });
            source.on("error", (e) => body.destroy(e));
            // Its reader sees failures through its own listeners; one that stops reading (an
            // early error answer) must not turn a late failure into an uncaught exception.
            body.on("error", () => {});
            source.pipe(body);
            return { ok: true, body, headers: chunked ? unchunkedHeaders(head.headers, Number.isInteger(decoded) ? decoded : undefined) : head.headers };
          })();
        },
      };
    },
  };
}

/**
 * Only S3 lets a body go unsigned (`UNSIGNED-PAYLOAD`, the `STREAMING-…` aws-chunked forms); every
 * other AWS service signs over the hash of the body it received. Accepting the declared value
 * elsewhere would let anyone holding one signed request send any body under its signature.
 */
function unsignedBodyRefused(service: string, headers: Headers): boolean {
  if (service === "s3") return false;
  const declared = headers["x-amz-content-sha256"];
  return typeof declared === "string" && (declared === "UNSIGNED-PAYLOAD" || declared.startsWith("STREAMING-"));
}

/** Removes aws-chunked framing (after the signature, which covers the framed body). */
function unchunk(framed: Buffer, headers: Headers, service: string): VerifiedBody | VerifyFailure {
  let payload: Buffer;
  let trailers: Record<string, string>;
  try {
    ({ payload, trailers } = decodeAwsChunked(framed));
  } catch (e) {
    if (e instanceof MalformedChunkedBodyError) return fail("incomplete-body", e.message, service);
    throw e;
  }
  const decodedLength = headers["x-amz-decoded-content-length"];
  if (typeof decodedLength === "string" && Number(decodedLength) !== payload.length)
    return fail("incomplete-body", "You did not provide the number of bytes specified by the x-amz-decoded-content-length HTTP header.", service);
  // Trailing headers (x-amz-checksum-*) reach the service as if they had been headers.
  return { ok: true, body: payload, headers: unchunkedHeaders({ ...headers, ...trailers }, payload.length) };
}

/** Headers as if the body had been sent unframed: no aws-chunked coding, the decoded length. */
function unchunkedHeaders(headers: Headers, length: number | undefined): Headers {
  const out: Headers = { ...headers };
  const encodings = (typeof out["content-encoding"] === "string" ? out["content-encoding"] : "")
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s && s !== "aws-chunked");
  if (encodings.length) out["content-encoding"] = encodings.join(", ");
  else delete out["content-encoding"];
  if (length === undefined) delete out["content-length"];
  else out["content-length"] = String(length);
  return out;
}
