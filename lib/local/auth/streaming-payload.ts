/**
 * An S3 object upload verified while it streams, so the server never holds the body: the bytes
 * as received are counted against the size limit and checked against `x-amz-content-sha256`;
 * an `aws-chunked` body is unframed on the fly, each chunk's signature (and the trailer's) checked
 * against the chain that starts at the request's seed signature, and trailing headers collected.
 *
 * The payload is handed on before the end of the body is verified; the consumer writes it to a
 * temp file and makes it visible only when the stream ends without error (a failure is a
 * `PayloadRejected` carrying the verification failure, or a `BodyTooLargeError`).
 */
import { createHash, createHmac, timingSafeEqual, type Hash } from "node:crypto";
import { Transform, type TransformCallback } from "node:stream";
import { BodyTooLargeError } from "../protocols/body.js";
import type { AuthFailure } from "./sigv4.js";

const EMPTY_SHA256 = createHash("sha256").digest("hex");
/** Longer chunk headers or trailer sections are not SigV4 framing. */
const MAX_LINE = 4096;
const MAX_TRAILERS = 16 * 1024;

export class PayloadRejected extends Error {
  constructor(
    readonly kind: AuthFailure,
    readonly detail?: string,
  ) {
    super(detail ?? kind);
  }
}

/** How the chunk signatures of a `STREAMING-AWS4-HMAC-SHA256-*` body are computed. */
export interface ChunkSigning {
  /** The derived SigV4 key of the request (`AWS4` + secret → date → region → service → `aws4_request`). */
  key: Buffer;
  amzDate: string;
  /** `<yyyymmdd>/<region>/<service>/aws4_request` */
  scope: string;
  /** The Authorization header's signature: the first chunk's "previous signature". */
  seed: string;
}

export interface PayloadOptions {
  /** Limit on the bytes as received (framing included). */
  limit: number;
  /** A hex SHA-256 the raw body must have (the signed `x-amz-content-sha256`), if one was declared. */
  sha256?: string;
  /** Whether the body uses aws-chunked framing. */
  chunked: boolean;
  /** For signed chunked bodies: checks every chunk's (and the trailer's) signature. */
  signing?: ChunkSigning;
  /** `x-amz-decoded-content-length`, checked at the end of a chunked body. */
  decodedLength?: number;
}

export function signingKey(secret: string, shortDate: string, region: string, service: string): Buffer {
  const hmac = (key: string | Buffer, data: string) => createHmac("sha256", key).update(data, "utf8").digest();
  return hmac(hmac(hmac(hmac(`AWS4${secret}`, shortDate), region), service), "aws4_request");
}

const hex = (b: Buffer) => b.toString("hex");
const sameHex = (a: string, b: string) => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

/** The verified payload: a Readable of the object's bytes; `trailers` is complete once it ends. */
export class VerifiedPayload extends Transform {
  /** Trailing headers of an aws-chunked body (lower-cased names), e.g. `x-amz-checksum-crc32`. */
  readonly trailers: Record<string, string> = {};
  private received = 0;
  private decoded = 0;
  private readonly rawHash: Hash | undefined;
  // aws-chunked state
  private state: "header" | "data" | "data-crlf" | "trailers" | "done" = "header";
  private line = Buffer.alloc(0);
  private remaining = 0;
  private chunkSignature = "";
  private chunkHash: Hash | undefined;
  private previousSignature: string;
  private crlf = Buffer.alloc(0);

  constructor(private readonly opts: PayloadOptions) {
    super();
    this.rawHash = opts.sha256 ? createHash("sha256") : undefined;
    this.previousSignature = opts.signing?.seed ?? "";
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.received += chunk.length;
    if (this.received > this.opts.limit) return done(new BodyTooLargeError(this.opts.limit));
    this.rawHash?.update(chunk);
    if (!this.opts.chunked) {
      this.decoded += chunk.length;
      return done(null, chunk);
    }
    try {
      this.unframe(chunk);
      done();
    } catch (e) {
      done(e as Error);
    }
  }

  override _flush(done: TransformCallback): void {
    try {
      if (this.opts.chunked) this.finishFraming();
      if (this.rawHash && !sameHex(hex(this.rawHash.digest()), this.opts.sha256!.toLowerCase())) throw new PayloadRejected("payload-hash");
      if (this.opts.decodedLength !== undefined && this.opts.decodedLength !== this.decoded)
        throw new PayloadRejected("incomplete-body", "You did not provide the number of bytes specified by the x-amz-decoded-content-length HTTP header.");
      done();
    } catch (e) {
      done(e as Error);
    }
  }

  private unframe(input: Buffer): void {
    let pos = 0;
    while (pos < input.length) {
      switch (this.state) {
        case "header": {
          const eol = this.appendLine(input, pos);
          if (eol < 0) return;
          pos = eol;
          this.startChunk(this.takeLine());
          break;
        }
        case "data": {
          const n = Math.min(this.remaining, input.length - pos);
          const data = input.subarray(pos, pos + n);
          this.chunkHash?.update(data);
          this.decoded += n;
          this.remaining -= n;
          pos += n;
          this.push(data);
          if (this.remaining === 0) this.state = "data-crlf";
          break;
        }
        case "data-crlf": {
          const need = 2 - this.crlf.length;
          this.crlf = Buffer.concat([this.crlf, input.subarray(pos, pos + need)]);
          pos += Math.min(need, input.length - pos);
          if (this.crlf.length < 2) return;
          if (this.crlf.toString("latin1") !== "\r\n") throw new PayloadRejected("incomplete-body", "aws-chunked chunk is not followed by CRLF");
          this.crlf = Buffer.alloc(0);
          this.endChunk();
          this.state = "header";
          break;
        }
        case "trailers":
          this.line = Buffer.concat([this.line, input.subarray(pos)]);
          if (this.line.length > MAX_TRAILERS) throw new PayloadRejected("incomplete-body", "aws-chunked trailing headers are too long");
          return;
        case "done":
          if (input.subarray(pos).toString("latin1").trim() !== "") throw new PayloadRejected("incomplete-body", "aws-chunked body continues after its last chunk");
          return;
      }
    }
  }

  /** Appends up to the next CRLF to `line`; the position after it, or -1 when the line goes on. */
  private appendLine(input: Buffer, pos: number): number {
    const joined = this.line.length ? Buffer.concat([this.line, input.subarray(pos)]) : input.subarray(pos);
    const eol = joined.indexOf("\r\n");
    if (eol < 0) {
      if (joined.length > MAX_LINE) throw new PayloadRejected("incomplete-body", "aws-chunked body has a chunk header that never ends");
      this.line = Buffer.from(joined);
      return -1;
    }
    const consumed = eol + 2 - this.line.length;
    this.line = Buffer.from(joined.subarray(0, eol));
    return pos + consumed;
  }

  private takeLine(): string {
    const s = this.line.toString("latin1");
    this.line = Buffer.alloc(0);
    return s;
  }

  private startChunk(header: string): void {
    const [sizeText = "", ...extensions] = header.split(";");
    if (!/^[0-9a-fA-F]{1,16}$/.test(sizeText.trim()))
      throw new PayloadRejected("incomplete-body", `aws-chunked body has a bad chunk header "${header.slice(0, 40)}"`);
    this.remaining = parseInt(sizeText.trim(), 16);
    if (this.opts.signing) {
      const sig = extensions.map((e) => e.trim()).find((e) => e.startsWith("chunk-signature="))?.slice("chunk-signature=".length);
      if (!sig || !/^[0-9a-f]{64}$/.test(sig)) throw new PayloadRejected("bad-signature");
      this.chunkSignature = sig;
      this.chunkHash = createHash("sha256");
    }
    if (this.remaining === 0) {
      this.endChunk();
      this.state = "trailers";
    } else this.state = "data";
  }

  /** Checks the chunk just read against the signature chain. */
  private endChunk(): void {
    const s = this.opts.signing;
    if (!s) return;
    const stringToSign = ["AWS4-HMAC-SHA256-PAYLOAD", s.amzDate, s.scope, this.previousSignature, EMPTY_SHA256, hex(this.chunkHash!.digest())].join("\n");
    const expected = hex(createHmac("sha256", s.key).update(stringToSign, "utf8").digest());
    if (!sameHex(expected, this.chunkSignature)) throw new PayloadRejected("bad-signature");
    this.previousSignature = expected;
  }

  private finishFraming(): void {
    if (this.state !== "trailers" && this.state !== "done") throw new PayloadRejected("incomplete-body", "aws-chunked body is shorter than its chunk sizes");
    let trailerSignature: string | undefined;
    const signed: string[] = [];
    for (const line of this.line.toString("latin1").split("\r\n")) {
      const i = line.indexOf(":");
      if (i <= 0) continue;
      const name = line.slice(0, i).trim().toLowerCase();
      const value = line.slice(i + 1).trim();
      if (name === "x-amz-trailer-signature") trailerSignature = value;
      else {
        this.trailers[name] = value;
        signed.push(`${name}:${value}\n`);
      }
    }
    this.state = "done";
    const s = this.opts.signing;
    if (!s || signed.length === 0) return;
    // A signed body's trailers carry their own signature, chained to the last chunk's.
    if (!trailerSignature) throw new PayloadRejected("bad-signature");
    const digest = hex(createHash("sha256").update(signed.join(""), "utf8").digest());
    const expected = hex(createHmac("sha256", s.key).update(["AWS4-HMAC-SHA256-TRAILER", s.amzDate, s.scope, this.previousSignature, digest].join("\n"), "utf8").digest());
    if (!sameHex(expected, trailerSignature)) throw new PayloadRejected("bad-signature");
  }
}
