import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { Readable } from "node:stream";
import { after, before, describe, it } from "node:test";
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListBucketsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import { objectExists, readObject } from "../../lib/local/services/s3/index.js";
import { startTestLocal, type TestLocal } from "../helpers/local.js";

type SdkError = Error & { $metadata?: { httpStatusCode?: number }; BucketName?: string; Key?: string };

async function rejects(p: Promise<unknown>, name: string, status: number, message?: RegExp): Promise<SdkError> {
  let caught: SdkError | undefined;
  await assert.rejects(p, (e: SdkError) => {
    caught = e;
    assert.equal(e.name, name, `expected ${name}, got ${e.name}: ${e.message}`);
    assert.equal(e.$metadata?.httpStatusCode, status);
    if (message) assert.match(e.message, message);
    return true;
  });
  return caught!;
}

const md5 = (b: Buffer): string => createHash("md5").update(b).digest("hex");

describe("Local S3 through @aws-sdk/client-s3", () => {
  let local: TestLocal;
  let s3: S3Client;
  const bucket = "code-bundles-test";
  const region = "eu-west-1";
  const where = { CreateBucketConfiguration: { LocationConstraint: region } } as const;

  before(async () => {
    local = await startTestLocal({ region });
    s3 = local.clients.s3;
  });
  after(() => local.stop());

  describe("buckets", () => {
    it("creates a bucket in the request's region and heads it", async () => {
      const out = await s3.send(new CreateBucketCommand({ Bucket: bucket, ...where }));
      assert.equal(out.Location, `/${bucket}`);
      const head = await s3.send(new HeadBucketCommand({ Bucket: bucket }));
      assert.equal(head.BucketRegion, region);
    });

    it("answers BucketAlreadyOwnedByYou (409) for a second create", async () => {
      await rejects(
        s3.send(new CreateBucketCommand({ Bucket: bucket, ...where })),
        "BucketAlreadyOwnedByYou",
        409,
        /Your previous request to create the named bucket succeeded and you already own it/,
      );
    });

    it("enforces bucket naming rules with InvalidBucketName", async () => {
      for (const bad of ["ab", "Upper-case", "under_score", "-lead", "trail-", "two..dots", "192.168.1.1", "xn--punycode", "x".repeat(64)]) {
        const e = await rejects(s3.send(new CreateBucketCommand({ Bucket: bad, ...where })), "InvalidBucketName", 400, /The specified bucket is not valid/);
        assert.equal(e.BucketName, bad);
      }
    });

    it("checks the location constraint against the region the request was sent to", async () => {
      // (the SDK itself fills in the client's region when no constraint is given)
      await rejects(
        s3.send(new CreateBucketCommand({ Bucket: "wrong-constraint", CreateBucketConfiguration: { LocationConstraint: "ap-south-1" } })),
        "IllegalLocationConstraintException",
        400,
        /ap-south-1 location constraint/,
      );
    });

    it("answers HeadBucket for a missing bucket with a bodiless 404 NotFound", async () => {
      await rejects(s3.send(new HeadBucketCommand({ Bucket: "no-such-bucket-here" })), "NotFound", 404);
    });

    it("lists buckets with their region and the owner", async () => {
      await s3.send(new CreateBucketCommand({ Bucket: "another-bucket", ...where }));
      const out = await s3.send(new ListBucketsCommand({}));
      assert.deepEqual(out.Buckets?.map((b) => b.Name), ["another-bucket", bucket]);
      assert.equal(out.Buckets?.[0]?.BucketRegion, region);
      assert.ok(out.Buckets?.[0]?.CreationDate instanceof Date);
      assert.match(out.Owner?.ID ?? "", /^[0-9a-f]{64}$/);
      const paged = await s3.send(new ListBucketsCommand({ MaxBuckets: 1 }));
      assert.deepEqual(paged.Buckets?.map((b) => b.Name), ["another-bucket"]);
      const rest = await s3.send(new ListBucketsCommand({ MaxBuckets: 1, ContinuationToken: paged.ContinuationToken }));
      assert.deepEqual(rest.Buckets?.map((b) => b.Name), [bucket]);
      assert.equal(rest.ContinuationToken, undefined);
    });
  });

  describe("objects", () => {
    it("round-trips bytes, content type and metadata; the ETag is the quoted MD5", async () => {
      const body = Buffer.from('{"hello":"world"}');
      const put = await s3.send(
        new PutObjectCommand({ Bucket: bucket, Key: "agent/config.json", Body: body, ContentType: "application/json", Metadata: { purpose: "test" } }),
      );
      assert.equal(put.ETag, `"${md5(body)}"`);
      const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: "agent/config.json" }));
      assert.deepEqual(Buffer.from(await got.Body!.transformToByteArray()), body);
      assert.equal(got.ContentType, "application/json");
      assert.equal(got.ContentLength, body.length);
      assert.equal(got.ETag, put.ETag);
      assert.deepEqual(got.Metadata, { purpose: "test" });
      assert.ok(got.LastModified instanceof Date);
      const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "agent/config.json" }));
      assert.equal(head.ContentLength, body.length);
      assert.equal(head.ETag, put.ETag);
      assert.deepEqual(head.Metadata, { purpose: "test" });
    });

    it("round-trips keys with spaces, +, unicode, ~ and slashes", async () => {
      const keys = ["dir/my file+ü (1)~!.txt", "héllo wörld/日本語 キー.zip", "a+b=c&d%20e", "~tilde/./x", "emoji 😀.bin"];
      for (const [i, Key] of keys.entries()) {
        await s3.send(new PutObjectCommand({ Bucket: bucket, Key, Body: `body ${i}` }));
      }
      for (const [i, Key] of keys.entries()) {
        const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key }));
        assert.equal(await got.Body!.transformToString(), `body ${i}`, Key);
        assert.equal(objectExists(local.server.services, bucket, Key), true);
      }
      const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket }));
      for (const Key of keys) assert.ok(listed.Contents?.some((c) => c.Key === Key), `listed ${Key}`);
    });

    it("stores a 5 MiB object and reads back identical bytes", async () => {
      const big = randomBytes(5 * 1024 * 1024);
      const put = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "bundles/big.zip", Body: big }));
      assert.equal(put.ETag, `"${md5(big)}"`);
      const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: "bundles/big.zip" }));
      const back = Buffer.from(await got.Body!.transformToByteArray());
      assert.equal(back.length, big.length);
      assert.ok(back.equals(big));
      assert.ok((await readObject(local.server.services, bucket, "bundles/big.zip")).equals(big));
    });

    it("accepts a stream body (aws-chunked with a checksum trailer)", async () => {
      const parts = [randomBytes(100_000), randomBytes(70_000), Buffer.from("end")];
      const whole = Buffer.concat(parts);
      const put = await s3.send(
        new PutObjectCommand({ Bucket: bucket, Key: "bundles/streamed.bin", Body: Readable.from(parts), ContentLength: whole.length }),
      );
      assert.equal(put.ETag, `"${md5(whole)}"`);
      const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: "bundles/streamed.bin" }));
      assert.ok(Buffer.from(await got.Body!.transformToByteArray()).equals(whole));
    });

    it("checks Content-MD5: BadDigest on a mismatch, and nothing is stored", async () => {
      const body = Buffer.from("payload");
      const wrong = createHash("md5").update("other").digest("base64");
      await rejects(
        s3.send(new PutObjectCommand({ Bucket: bucket, Key: "md5/checked", Body: body, ContentMD5: wrong })),
        "BadDigest",
        400,
        /The Content-MD5 you specified did not match what we received/,
      );
      assert.equal(objectExists(local.server.services, bucket, "md5/checked"), false);
      const right = createHash("md5").update(body).digest("base64");
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "md5/checked", Body: body, ContentMD5: right }));
      assert.equal(objectExists(local.server.services, bucket, "md5/checked"), true);
      await rejects(
        s3.send(new PutObjectCommand({ Bucket: bucket, Key: "crc/checked", Body: body, ChecksumCRC32: "AAAAAA==" })),
        "BadDigest",
        400,
        /The CRC32 you specified did not match the calculated checksum/,
      );
      assert.equal(objectExists(local.server.services, bucket, "crc/checked"), false);
    });

    it("overwrites an object, keeping exactly one file for it", async () => {
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "over/write", Body: "first" }));
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "over/write", Body: "second" }));
      assert.equal((await readObject(local.server.services, bucket, "over/write")).toString(), "second");
      const { readdirSync } = await import("node:fs");
      const { join } = await import("node:path");
      const hash = createHash("sha256").update("over/write").digest("hex");
      const generations = readdirSync(join(local.stateDir, "s3", bucket)).filter((f) => f.startsWith(hash));
      assert.equal(generations.length, 1);
    });

    it("serves a byte range and honours If-None-Match with 304", async () => {
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "range/digits", Body: "0123456789" }));
      const part = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: "range/digits", Range: "bytes=2-5" }));
      assert.equal(await part.Body!.transformToString(), "2345");
      assert.equal(part.ContentRange, "bytes 2-5/10");
      const tail = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: "range/digits", Range: "bytes=-3" }));
      assert.equal(await tail.Body!.transformToString(), "789");
      await rejects(s3.send(new GetObjectCommand({ Bucket: bucket, Key: "range/digits", Range: "bytes=50-" })), "InvalidRange", 416);
      const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "range/digits" }));
      // A 304 has no body, so the SDK (as with real S3) cannot name it: only the status tells.
      await assert.rejects(s3.send(new GetObjectCommand({ Bucket: bucket, Key: "range/digits", IfNoneMatch: head.ETag })), (e: SdkError) => {
        assert.equal(e.$metadata?.httpStatusCode, 304);
        return true;
      });
      const fresh = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: "range/digits", IfNoneMatch: '"0000"' }));
      assert.equal(await fresh.Body!.transformToString(), "0123456789");
      await rejects(s3.send(new GetObjectCommand({ Bucket: bucket, Key: "range/digits", IfMatch: '"0000"' })), "PreconditionFailed", 412);
    });

    it("writes conditionally with If-None-Match: *", async () => {
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "cond/once", Body: "one", IfNoneMatch: "*" }));
      await rejects(s3.send(new PutObjectCommand({ Bucket: bucket, Key: "cond/once", Body: "two", IfNoneMatch: "*" })), "PreconditionFailed", 412);
      assert.equal((await readObject(local.server.services, bucket, "cond/once")).toString(), "one");
    });

    it("answers NoSuchKey, NoSuchBucket and HEAD's NotFound with AWS's messages", async () => {
      const e = await rejects(s3.send(new GetObjectCommand({ Bucket: bucket, Key: "missing key" })), "NoSuchKey", 404, /The specified key does not exist\./);
      assert.equal(e.Key, "missing key");
      await rejects(s3.send(new GetObjectCommand({ Bucket: "no-such-bucket-here", Key: "k" })), "NoSuchBucket", 404, /The specified bucket does not exist/);
      await rejects(s3.send(new PutObjectCommand({ Bucket: "no-such-bucket-here", Key: "k", Body: "x" })), "NoSuchBucket", 404);
      await rejects(s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "missing key" })), "NotFound", 404);
      await assert.rejects(readObject(local.server.services, bucket, "missing key"), (err: Error) => err.name === "NoSuchKey");
    });

    it("deletes idempotently (204 for a missing key) and in batches", async () => {
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "del/one", Body: "1" }));
      const del = await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: "del/one" }));
      assert.equal(del.$metadata.httpStatusCode, 204);
      const again = await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: "del/one" }));
      assert.equal(again.$metadata.httpStatusCode, 204);
      await rejects(s3.send(new GetObjectCommand({ Bucket: bucket, Key: "del/one" })), "NoSuchKey", 404);
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "del/a", Body: "a" }));
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "del/b c", Body: "b" }));
      const batch = await s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: [{ Key: "del/a" }, { Key: "del/b c" }, { Key: "del/none" }] } }));
      assert.deepEqual(batch.Deleted?.map((d) => d.Key), ["del/a", "del/b c", "del/none"]);
      assert.equal(objectExists(local.server.services, bucket, "del/b c"), false);
    });
  });

  describe("ListObjectsV2", () => {
    const listBucket = "listing-bucket";
    const keys = ["a/1.txt", "a/2.txt", "a/b/3.txt", "a/b/4.txt", "c/5.txt", "d.txt", "e.txt", "f g/6.txt"];
    before(async () => {
      await s3.send(new CreateBucketCommand({ Bucket: listBucket, ...where }));
      for (const Key of keys) await s3.send(new PutObjectCommand({ Bucket: listBucket, Key, Body: Key }));
    });

    it("lists everything in key order with sizes and ETags", async () => {
      const out = await s3.send(new ListObjectsV2Command({ Bucket: listBucket }));
      assert.deepEqual(out.Contents?.map((c) => c.Key), keys);
      assert.equal(out.KeyCount, keys.length);
      assert.equal(out.IsTruncated, false);
      assert.equal(out.Contents?.[0]?.Size, "a/1.txt".length);
      assert.equal(out.Contents?.[0]?.ETag, `"${md5(Buffer.from("a/1.txt"))}"`);
      assert.equal(out.Name, listBucket);
    });

    it("filters by prefix and rolls up CommonPrefixes at the delimiter", async () => {
      const top = await s3.send(new ListObjectsV2Command({ Bucket: listBucket, Delimiter: "/" }));
      assert.deepEqual(top.Contents?.map((c) => c.Key), ["d.txt", "e.txt"]);
      assert.deepEqual(top.CommonPrefixes?.map((p) => p.Prefix), ["a/", "c/", "f g/"]);
      assert.equal(top.KeyCount, 5);
      const inA = await s3.send(new ListObjectsV2Command({ Bucket: listBucket, Prefix: "a/", Delimiter: "/" }));
      assert.deepEqual(inA.Contents?.map((c) => c.Key), ["a/1.txt", "a/2.txt"]);
      assert.deepEqual(inA.CommonPrefixes?.map((p) => p.Prefix), ["a/b/"]);
      assert.equal(inA.Prefix, "a/");
      const none = await s3.send(new ListObjectsV2Command({ Bucket: listBucket, Prefix: "zzz" }));
      assert.equal(none.KeyCount, 0);
      assert.equal(none.Contents, undefined);
    });

    it("pages with max-keys and continuation tokens, and starts after a key", async () => {
      const seen: string[] = [];
      let token: string | undefined;
      let pages = 0;
      do {
        const page = await s3.send(new ListObjectsV2Command({ Bucket: listBucket, MaxKeys: 3, ContinuationToken: token, Delimiter: "/" }));
        assert.ok((page.KeyCount ?? 0) <= 3);
        seen.push(...(page.Contents ?? []).map((c) => c.Key!), ...(page.CommonPrefixes ?? []).map((p) => p.Prefix!));
        assert.equal(page.IsTruncated, page.NextContinuationToken !== undefined);
        token = page.NextContinuationToken;
        pages++;
      } while (token);
      assert.equal(pages, 2);
      assert.deepEqual(seen.sort(), ["a/", "c/", "d.txt", "e.txt", "f g/"]);
      const after = await s3.send(new ListObjectsV2Command({ Bucket: listBucket, StartAfter: "c/5.txt" }));
      assert.deepEqual(after.Contents?.map((c) => c.Key), ["d.txt", "e.txt", "f g/6.txt"]);
      await rejects(s3.send(new ListObjectsV2Command({ Bucket: listBucket, ContinuationToken: "not-a-token" })), "InvalidArgument", 400);
      await rejects(s3.send(new ListObjectsV2Command({ Bucket: "no-such-bucket-here" })), "NoSuchBucket", 404);
    });

    it("refuses to delete a non-empty bucket (BucketNotEmpty 409), then deletes it once empty", async () => {
      await rejects(s3.send(new DeleteBucketCommand({ Bucket: listBucket })), "BucketNotEmpty", 409, /The bucket you tried to delete is not empty/);
      await s3.send(new DeleteObjectsCommand({ Bucket: listBucket, Delete: { Objects: keys.map((Key) => ({ Key })), Quiet: true } }));
      const out = await s3.send(new DeleteBucketCommand({ Bucket: listBucket }));
      assert.equal(out.$metadata.httpStatusCode, 204);
      await rejects(s3.send(new HeadBucketCommand({ Bucket: listBucket })), "NotFound", 404);
      await rejects(s3.send(new DeleteBucketCommand({ Bucket: listBucket })), "NoSuchBucket", 404);
    });
  });
});
