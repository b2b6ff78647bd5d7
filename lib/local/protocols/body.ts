/**
 * Request bodies: read with a size limit (the connection is never buffered past it) and S3's
 * `aws-chunked` framing removed.
 */
import type { IncomingMessage } from "node:http";

export const JSON_BODY_LIMIT = 10 * 1024 * 1024;
export const S3_OBJECT_LIMIT = 1024 * 1024 * 1024;

export class BodyTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`request body exceeds ${limit} bytes`);
  }
}

export class MalformedChunkedBodyError extends Error {}

/** The whole body, or BodyTooLargeError as soon as it (or its declared length) passes `limit`. */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers["content-length"]);
  if (Number.isFinite(declared) && declared > limit) return Promise.reject(new BodyTooLargeError(limit));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (err?: Error) => {
      if (done) return;
      done = true;
      req.off("data", onData).off("end", onEnd).off("error", onError);
      if (err) reject(err);
      else resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
    };
    const onData = (c: Buffer) => {
      size += c.length;
      if (size > limit) return finish(new BodyTooLargeError(limit));
      chunks.push(c);
    };
    const onEnd = () => finish();
    const onError = (e: Error) => finish(e);
    req.on("data", onData).on("end", onEnd).on("error", onError);
  });
}

/** Whether the body uses S3's aws-chunked framing. */
export function isAwsChunked(headers: Record<string, string | string[] | undefined>): boolean {
  const sha = headers["x-amz-content-sha256"];
  const enc = headers["content-encoding"];
  return (typeof sha === "string" && sha.startsWith("STREAMING-")) || (typeof enc === "string" && enc.split(",").some((e) => e.trim() === "aws-chunked"));
}

/**
 * Removes aws-chunked framing: `<hex size>[;chunk-signature=…]\r\n<data>\r\n … 0…\r\n[trailers]\r\n`.
 * Returns the payload and the trailing headers (e.g. `x-amz-checksum-crc32`).
 */
export function decodeAwsChunked(body: Buffer): { payload: Buffer; trailers: Record<string, string> } {
  const parts: Buffer[] = [];
  let pos = 0;
  for (;;) {
    const eol = body.indexOf("\r\n", pos);
    if (eol < 0) throw new MalformedChunkedBodyError("aws-chunked body ends inside a chunk header");
    const header = body.toString("latin1", pos, eol);
    const size = parseInt(header.split(";")[0]!.trim(), 16);
    if (!Number.isFinite(size) || size < 0 || !/^[0-9a-fA-F]+$/.test(header.split(";")[0]!.trim()))
      throw new MalformedChunkedBodyError(`aws-chunked body has a bad chunk header "${header.slice(0, 40)}"`);
    pos = eol + 2;
    if (size === 0) break;
    if (pos + size > body.length) throw new MalformedChunkedBodyError("aws-chunked body is shorter than its chunk sizes");
    parts.push(body.subarray(pos, pos + size));
    pos += size;
    if (body.toString("latin1", pos, pos + 2) !== "\r\n") throw new MalformedChunkedBodyError("aws-chunked chunk is not followed by CRLF");
    pos += 2;
  }
  const trailers: Record<string, string> = {};
  for (const line of body.toString("latin1", pos).split("\r\n")) {
    const i = line.indexOf(":");
    if (i > 0) trailers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
  }
  return { payload: parts.length === 1 ? parts[0]! : Buffer.concat(parts), trailers };
}
