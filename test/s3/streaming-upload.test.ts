/**
 * S3 uploads stream to disk and are verified while they stream: a large object keeps its bytes
 * (SHA-256 compared) whether sent whole (signed payload hash) or aws-chunked (SDK stream); a body
 * whose hash or one chunk signature is wrong is refused and leaves neither an object nor a
 * partial file behind. Signed aws-chunked bodies (STREAMING-AWS4-HMAC-SHA256-PAYLOAD) are not
 * something the SDK v3 sends, so those requests are built here: the seed signature by the SDK's
 * own SignatureV4, the chunk signatures as the SigV4 documentation defines them.
 */
import assert from "node:assert/strict";
import { createHash, createHmac } from "node:crypto";
import { readdirSync } from "node:fs";
import { request } from "node:http";
import { join } from "node:path";
import { Readable } from "node:stream";
import { after, before, test } from "node:test";
import { Hash } from "@smithy/hash-node";
import { SignatureV4 } from "@smithy/signature-v4";
import { CreateBucketCommand, GetObjectCommand, HeadObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { startTestLocal, type TestLocal } from "../helpers/local.js";

const BUCKET = "streaming";
const MiB = 1024 * 1024;
let local: TestLocal;

before(async () => {
  local = await startTestLocal();
  await local.clients.s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
});
after(() => local?.stop());

/** Deterministic bytes that do not compress to nothing. */
function bytes(size: number, seed: number): Buffer {
  const out = Buffer.alloc(Math.ceil(size / 4) * 4);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < out.length; i += 4) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out.writeUInt32LE(x >>> 0, i);
  }
  return out.subarray(0, size);
}

const sha256 = (b: Buffer | Uint8Array) => createHash("sha256").update(b).digest("hex");

async function storedHash(key: string): Promise<string> {
  const got = await local.clients.s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
  return sha256(Buffer.from(await got.Body!.transformToByteArray()));
}

async function exists(key: string): Promise<boolean> {
  try {
    await local.clients.s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key }));
    return true;
  } catch (e) {
    if ((e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404) return false;
    throw e;
  }
}

/** The bucket folder holds exactly one file per stored object: no temp file, no orphan. */
const bucketFiles = () => readdirSync(join(local.stateDir, "s3", BUCKET));

test("a 40 MiB object sent whole (signed payload hash) keeps its bytes", async () => {
  const body = bytes(40 * MiB, 1);
  await local.clients.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: "whole.bin", Body: body }));
  assert.equal(await storedHash("whole.bin"), sha256(body));
});

test("a 40 MiB object streamed by the SDK (aws-chunked, checksum trailer) keeps its bytes", async () => {
  const body = bytes(40 * MiB, 2);
  const parts = Array.from({ length: 40 }, (_, i) => body.subarray(i * MiB, (i + 1) * MiB));
  await local.clients.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: "streamed.bin", Body: Readable.from(parts), ContentLength: body.length }));
  assert.equal(await storedHash("streamed.bin"), sha256(body));
});

interface Sent {
  status: number;
  body: string;
}

function send(path: string, headers: Record<string, string>, body: Buffer): Promise<Sent> {
  const url = new URL(local.endpoint);
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, method: "PUT", path, headers: { ...headers, "content-length": String(body.length) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode!, body: Buffer.concat(chunks).toString("utf8") }));
    });
    // The server may answer and close before it has read everything.
    req.on("error", (e: NodeJS.ErrnoException) => (e.code === "EPIPE" || e.code === "ECONNRESET" ? undefined : reject(e)));
    req.end(body);
  });
}

/** A PUT signed with STREAMING-AWS4-HMAC-SHA256-PAYLOAD; `tamper` spoils one chunk's signature. */
async function signedChunkedPut(key: string, payload: Buffer, chunkSize: number, tamper?: number): Promise<Sent> {
  const { accessKeyId, secretAccessKey } = local.admin;
  const region = local.server.region;
  const url = new URL(local.endpoint);
  const path = `/${BUCKET}/${key}`;
  const chunks: Buffer[] = [];
  for (let i = 0; i < payload.length; i += chunkSize) chunks.push(payload.subarray(i, i + chunkSize));
  chunks.push(Buffer.alloc(0));
  const frameLength = chunks.reduce((n, c) => n + c.length.toString(16).length + ";chunk-signature=".length + 64 + 4 + c.length, 0);

  const signer = new SignatureV4({ credentials: { accessKeyId, secretAccessKey }, region, service: "s3", sha256: Hash.bind(null, "sha256"), uriEscapePath: false, applyChecksum: false });
  const signingDate = new Date();
  const signed = await signer.sign(
    {
      method: "PUT",
      protocol: "http:",
      hostname: url.hostname,
      port: Number(url.port),
      path,
      headers: {
        host: url.host,
        "content-encoding": "aws-chunked",
        "x-amz-content-sha256": "STREAMING-AWS4-HMAC-SHA256-PAYLOAD",
        "x-amz-decoded-content-length": String(payload.length),
        "content-length": String(frameLength),
      },
    },
    { signingDate },
  );
  const headers = signed.headers as Record<string, string>;
  const seed = /Signature=([0-9a-f]{64})/.exec(headers.authorization!)![1]!;
  const amzDate = headers["x-amz-date"]!;
  const shortDate = amzDate.slice(0, 8);
  const scope = `${shortDate}/${region}/s3/aws4_request`;
  const hmac = (k: string | Buffer, d: string) => createHmac("sha256", k).update(d).digest();
  const key4 = hmac(hmac(hmac(hmac(`AWS4${secretAccessKey}`, shortDate), region), "s3"), "aws4_request");
  let previous = seed;
  const framed: Buffer[] = [];
  chunks.forEach((c, i) => {
    const toSign = ["AWS4-HMAC-SHA256-PAYLOAD", amzDate, scope, previous, sha256(Buffer.alloc(0)), sha256(c)].join("\n");
    let sig = createHmac("sha256", key4).update(toSign).digest("hex");
    previous = sig;
    if (i === tamper) sig = (sig[0] === "0" ? "1" : "0") + sig.slice(1);
    framed.push(Buffer.from(`${c.length.toString(16)};chunk-signature=${sig}\r\n`), c, Buffer.from("\r\n"));
  });
  const body = Buffer.concat(framed);
  assert.equal(body.length, frameLength);
  const { "content-length": _, ...rest } = headers;
  return send(path, rest, body);
}

test("a signed aws-chunked upload (chunk signatures checked as it streams) keeps its bytes", async () => {
  const payload = bytes(3 * MiB + 123, 3);
  const r = await signedChunkedPut("signed-chunks.bin", payload, 64 * 1024);
  assert.equal(r.status, 200, r.body);
  assert.equal(await storedHash("signed-chunks.bin"), sha256(payload));
});

test("one bad chunk signature is refused and leaves no object and no partial file", async () => {
  const before = bucketFiles().sort();
  const payload = bytes(3 * MiB, 4);
  const r = await signedChunkedPut("bad-chunk.bin", payload, 64 * 1024, 20);
  assert.equal(r.status, 403, r.body);
  assert.match(r.body, /<Code>SignatureDoesNotMatch<\/Code>/);
  assert.equal(await exists("bad-chunk.bin"), false);
  assert.deepEqual(bucketFiles().sort(), before, "no temp file or orphan generation is left");
});

test("a bad final (empty) chunk signature is refused too", async () => {
  const payload = bytes(256 * 1024, 5);
  const r = await signedChunkedPut("bad-last-chunk.bin", payload, 64 * 1024, 4);
  assert.equal(r.status, 403, r.body);
  assert.equal(await exists("bad-last-chunk.bin"), false);
});

test("a large body that does not match its signed x-amz-content-sha256 is refused and leaves nothing", async () => {
  const before = bucketFiles().sort();
  const payload = bytes(8 * MiB, 6);
  const { accessKeyId, secretAccessKey } = local.admin;
  const url = new URL(local.endpoint);
  const path = `/${BUCKET}/wrong-hash.bin`;
  const signer = new SignatureV4({ credentials: { accessKeyId, secretAccessKey }, region: local.server.region, service: "s3", sha256: Hash.bind(null, "sha256"), uriEscapePath: false, applyChecksum: false });
  const claimed = sha256(bytes(8 * MiB, 7));
  const signed = await signer.sign({ method: "PUT", protocol: "http:", hostname: url.hostname, port: Number(url.port), path, headers: { host: url.host, "x-amz-content-sha256": claimed } });
  const r = await send(path, signed.headers as Record<string, string>, payload);
  assert.equal(r.status, 400, r.body);
  assert.match(r.body, /XAmzContentSHA256Mismatch/);
  assert.equal(await exists("wrong-hash.bin"), false);
  assert.deepEqual(bucketFiles().sort(), before);
});
