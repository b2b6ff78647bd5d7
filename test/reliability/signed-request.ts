/**
 * Raw SigV4-signed HTTP for the reliability tests: arbitrary bytes, headers and paths, signed
 * exactly as an AWS SDK would sign them (`@smithy/signature-v4`), so malformed input passes
 * authentication and reaches the protocol parsers. Also lets a test sign one body and send
 * another, sign with an old clock, or replay the same bytes.
 */
import { createHash } from "node:crypto";
import { request } from "node:http";
import { Hash } from "@smithy/hash-node";
import { SignatureV4 } from "@smithy/signature-v4";

export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface RawCall {
  method: string;
  /** Path as it goes on the wire (already percent-encoded), without the query. */
  path: string;
  /** Query pairs, encoded by the signer's rules when sent. */
  query?: [string, string][];
  headers?: Record<string, string>;
  body?: Buffer | string;
}

export interface SignOptions {
  service: string;
  region: string;
  credentials: Credentials;
  /** Defaults to now. */
  signingDate?: Date;
  /** Whether to send and sign `x-amz-content-sha256` (the SDK does; boto3 does not). Default true. */
  contentSha256?: boolean;
}

/** A request ready for the wire: what was signed, plus the bytes to send (the same unless tampered with). */
export interface SignedCall {
  method: string;
  /** Path and query string as sent. */
  url: string;
  headers: Record<string, string>;
  body: Buffer;
}

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

const sha256Hex = (b: Buffer) => createHash("sha256").update(b).digest("hex");

/** RFC 3986 encoding, as SigV4 canonicalizes query strings. */
const encode = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

export async function signCall(endpoint: string, call: RawCall, opts: SignOptions): Promise<SignedCall> {
  const url = new URL(endpoint);
  const body = typeof call.body === "string" ? Buffer.from(call.body, "utf8") : (call.body ?? Buffer.alloc(0));
  const headers: Record<string, string> = { host: url.host, ...lower(call.headers ?? {}) };
  if (opts.contentSha256 ?? true) headers["x-amz-content-sha256"] ??= sha256Hex(body);
  if (opts.credentials.sessionToken) headers["x-amz-security-token"] = opts.credentials.sessionToken;
  const query: Record<string, string | string[]> = {};
  for (const [k, v] of call.query ?? []) {
    const prev = query[k];
    query[k] = prev === undefined ? v : ([] as string[]).concat(prev, v);
  }
  const signer = new SignatureV4({
    credentials: opts.credentials,
    region: opts.region,
    service: opts.service,
    sha256: Hash.bind(null, "sha256"),
    uriEscapePath: opts.service !== "s3",
    applyChecksum: false,
  });
  const signed = await signer.sign(
    { method: call.method, protocol: "http:", hostname: url.hostname, port: Number(url.port), path: call.path, query, headers, body: body.length ? body : undefined },
    { signingDate: opts.signingDate ?? new Date() },
  );
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(signed.headers)) out[k.toLowerCase()] = String(v);
  const qs = (call.query ?? []).map(([k, v]) => `${encode(k)}=${encode(v)}`).join("&");
  return { method: call.method, url: call.path + (qs ? `?${qs}` : ""), headers: out, body };
}

/**
 * Sends a signed call (or anything shaped like one) and resolves with the whole response, or
 * rejects when no complete response arrives within `timeoutMs` (a hang is a failure, not a wait).
 */
export function send(endpoint: string, call: SignedCall, timeoutMs = 10_000): Promise<RawResponse> {
  const url = new URL(endpoint);
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { ...call.headers };
    if (headers["content-length"] === undefined) headers["content-length"] = String(call.body.length);
    const req = request(
      { host: url.hostname, port: url.port, method: call.method, path: call.url, headers, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          clearTimeout(timer);
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) });
        });
        res.on("error", (e) => {
          clearTimeout(timer);
          reject(e);
        });
      },
    );
    const timer = setTimeout(() => {
      req.destroy(new Error(`no response within ${timeoutMs} ms: ${call.method} ${call.url.slice(0, 120)}`));
    }, timeoutMs);
    req.on("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    req.end(call.body);
  });
}

export async function signAndSend(endpoint: string, call: RawCall, opts: SignOptions, timeoutMs?: number): Promise<RawResponse> {
  return send(endpoint, await signCall(endpoint, call, opts), timeoutMs);
}

function lower(h: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) out[k.toLowerCase()] = v;
  return out;
}

/** The error code of an AWS error response in any of the four protocols, or undefined. */
export function errorCodeOf(res: RawResponse): string | undefined {
  const header = res.headers["x-amzn-errortype"];
  if (typeof header === "string") return header.split(":")[0];
  const text = res.body.toString("utf8");
  if (text.startsWith("{")) {
    try {
      const j = JSON.parse(text) as { __type?: string; code?: string };
      return (j.__type ?? j.code)?.replace(/^.*#/, "");
    } catch {
      return undefined;
    }
  }
  return /<Code>([^<]*)<\/Code>/.exec(text)?.[1];
}
