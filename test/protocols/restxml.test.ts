/**
 * restXml (S3, path-style) round trips through the real @aws-sdk/client-s3: requests the SDK
 * builds are matched and parsed into handler inputs, our outputs and errors are parsed back.
 */
import assert from "node:assert/strict";
import { Readable } from "node:stream";
import { after, before, describe, it } from "node:test";
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { AwsError } from "../../lib/local/errors.js";
import { loadModel } from "../../lib/local/protocols/model.js";
import type { RawRequest } from "../../lib/local/protocols/protocol.js";
import { restXml } from "../../lib/local/protocols/restxml.js";
import { validateInput } from "../../lib/local/protocols/validate.js";
import type { Shape } from "../../lib/local/service.js";
import { clientConfig, startWireServer, type WireServer } from "./wire.js";

const model = loadModel("s3");

let wire: WireServer;
let s3: S3Client;

before(async () => {
  wire = await startWireServer();
  s3 = new S3Client({ ...clientConfig(wire.endpoint), forcePathStyle: true });
});
after(async () => {
  s3.destroy();
  await wire.close();
});

function serve(output: Shape | ((input: Shape) => Shape)): { op?: string; input?: Shape } {
  const seen: { op?: string; input?: Shape } = {};
  wire.respond = async (req, res) => {
    const op = restXml.match(model, req);
    assert.ok(op, `${req.method} ${req.path} matches an operation`);
    seen.op = op;
    try {
      const input = restXml.parseInput(model, op, req);
      seen.input = input;
      validateInput(model, op, input);
      await restXml.writeOutput(model, op, typeof output === "function" ? output(input) : output, "req-1", res);
    } catch (err) {
      if (!(err instanceof AwsError)) throw err;
      restXml.writeError(model, err, "req-err", res);
    }
  };
  return seen;
}

async function rejectsWith(p: Promise<unknown>, name: string, status: number, message?: string): Promise<void> {
  await assert.rejects(p, (err: Error & { $metadata?: { httpStatusCode?: number } }) => {
    assert.equal(err.name, name);
    assert.equal(err.$metadata?.httpStatusCode, status);
    if (message !== undefined) assert.equal(err.message, message);
    return true;
  });
}

const lastModified = new Date("2026-02-03T04:05:06.000Z");
const strangeKey = "code bundles/agent v1+final ü~é/日本 (1).zip";

describe("restXml: S3 objects", () => {
  it("PutObject: a key with spaces, plus and unicode, metadata, content type, the body as bytes", async () => {
    const body = Buffer.from("zip bytes \u0000\u00ff", "latin1");
    const seen = serve({ ETag: '"0123abcd"' });
    const out = await s3.send(
      new PutObjectCommand({ Bucket: "my-bucket", Key: strangeKey, Body: body, ContentType: "application/zip", Metadata: { owner: "Ana", "build-id": "42" } }),
    );
    assert.equal(seen.op, "PutObject");
    const input = seen.input!;
    assert.equal(input.Bucket, "my-bucket");
    assert.equal(input.Key, strangeKey);
    assert.equal(input.ContentType, "application/zip");
    assert.equal(input.ContentLength, body.length);
    assert.deepEqual(input.Metadata, { owner: "Ana", "build-id": "42" });
    assert.ok(Buffer.isBuffer(input.Body));
    assert.deepEqual(input.Body, body);
    assert.equal(out.ETag, '"0123abcd"');
    assert.equal(out.$metadata.requestId, "req-1");
  });

  it("PutObject with a streamed body: the aws-chunked coding is not kept, the decoded length is", async () => {
    const seen = serve({ ETag: '"e"' });
    wire.respond = ((inner) => async (req: RawRequest, res: import("node:http").ServerResponse) => {
      // What the server does before the protocol sees the request: strip the chunk framing.
      assert.equal(req.headers["content-encoding"], "aws-chunked");
      const text = req.body.toString("latin1");
      const size = parseInt(text, 16);
      const start = text.indexOf("\r\n") + 2;
      await inner({ ...req, body: req.body.subarray(start, start + size) }, res);
    })(wire.respond);
    await s3.send(new PutObjectCommand({ Bucket: "my-bucket", Key: "s.txt", Body: Readable.from([Buffer.from("abc")]), ContentLength: 3 }));
    assert.equal(seen.input!.ContentEncoding, undefined);
    assert.equal(seen.input!.ContentLength, 3);
    assert.deepEqual(seen.input!.Body, Buffer.from("abc"));
  });

  it("GetObject: a streamed body, metadata (unicode too), Last-Modified and Content-Length", async () => {
    const text = "hello from a stream ✓";
    const seen = serve({
      Body: Readable.from([Buffer.from(text.slice(0, 5)), Buffer.from(text.slice(5))]),
      ContentLength: Buffer.byteLength(text),
      ContentType: "text/plain; charset=utf-8",
      ETag: '"etag-1"',
      LastModified: lastModified,
      Metadata: { owner: "Ana", city: "Zürich" },
    });
    const out = await s3.send(new GetObjectCommand({ Bucket: "my-bucket", Key: strangeKey }));
    assert.equal(seen.op, "GetObject");
    assert.equal(seen.input!.Key, strangeKey);
    assert.equal(await out.Body!.transformToString(), text);
    assert.equal(out.ContentLength, Buffer.byteLength(text));
    assert.equal(out.ContentType, "text/plain; charset=utf-8");
    assert.equal(out.ETag, '"etag-1"');
    assert.equal(out.LastModified?.toISOString(), lastModified.toISOString());
    assert.equal(out.Metadata?.owner, "Ana");
    // S3 sends non-ASCII metadata RFC 2047-encoded and the SDK hands it over as sent.
    assert.equal(out.Metadata?.city, `=?UTF-8?B?${Buffer.from("Zürich").toString("base64")}?=`);
  });

  it("HeadObject: headers only; a missing key is a bodiless 404 NotFound", async () => {
    serve({ ContentLength: 1234, ETag: '"e"', LastModified: lastModified, ContentType: "application/zip", Metadata: { a: "b" } });
    const out = await s3.send(new HeadObjectCommand({ Bucket: "my-bucket", Key: "a/b.zip" }));
    assert.equal(out.ContentLength, 1234);
    assert.equal(out.LastModified?.toISOString(), lastModified.toISOString());
    assert.deepEqual(out.Metadata, { a: "b" });

    serve(() => {
      throw new AwsError("NoSuchKey", "The specified key does not exist.");
    });
    await rejectsWith(s3.send(new HeadObjectCommand({ Bucket: "my-bucket", Key: "missing" })), "NotFound", 404);
    const res = wire.requests.at(-1)!;
    assert.equal(res.method, "HEAD");
  });

  it("ListObjectsV2: query members in, a flattened Contents list and CommonPrefixes out", async () => {
    const seen = serve({
      Name: "my-bucket",
      Prefix: "code/",
      Delimiter: "/",
      MaxKeys: 2,
      KeyCount: 2,
      IsTruncated: true,
      NextContinuationToken: "tok-2",
      Contents: [
        { Key: "code/a & b.zip", LastModified: lastModified, ETag: '"e1"', Size: 10, StorageClass: "STANDARD" },
        { Key: "code/ü.zip", LastModified: lastModified, ETag: '"e2"', Size: 0, StorageClass: "STANDARD" },
      ],
      CommonPrefixes: [{ Prefix: "code/sub/" }],
    });
    const out = await s3.send(new ListObjectsV2Command({ Bucket: "my-bucket", Prefix: "code/", Delimiter: "/", MaxKeys: 2, ContinuationToken: "tok-1" }));
    assert.equal(seen.op, "ListObjectsV2");
    assert.deepEqual(
      { ...seen.input, ExpectedBucketOwner: undefined },
      { Bucket: "my-bucket", Prefix: "code/", Delimiter: "/", MaxKeys: 2, ContinuationToken: "tok-1", ExpectedBucketOwner: undefined },
    );
    assert.deepEqual(
      out.Contents?.map((o) => [o.Key, o.Size, o.ETag, o.LastModified?.toISOString()]),
      [
        ["code/a & b.zip", 10, '"e1"', lastModified.toISOString()],
        ["code/ü.zip", 0, '"e2"', lastModified.toISOString()],
      ],
    );
    assert.deepEqual(out.CommonPrefixes, [{ Prefix: "code/sub/" }]);
    assert.equal(out.IsTruncated, true);
    assert.equal(out.NextContinuationToken, "tok-2");
    assert.equal(out.KeyCount, 2);
    assert.equal(out.Name, "my-bucket");
  });

  it("NoSuchKey on GetObject: the SDK sees the code, message and 404", async () => {
    serve(() => {
      throw new AwsError("NoSuchKey", "The specified key does not exist.", undefined, { Key: "missing.zip" });
    });
    await rejectsWith(s3.send(new GetObjectCommand({ Bucket: "my-bucket", Key: "missing.zip" })), "NoSuchKey", 404, "The specified key does not exist.");
  });

  it("DeleteObject answers 204", async () => {
    const seen = serve({});
    const out = await s3.send(new DeleteObjectCommand({ Bucket: "my-bucket", Key: "x y" }));
    assert.equal(seen.op, "DeleteObject");
    assert.equal(seen.input!.Key, "x y");
    assert.equal(out.$metadata.httpStatusCode, 204);
  });
});

describe("restXml: S3 buckets", () => {
  it("CreateBucket with a CreateBucketConfiguration payload, and InvalidBucketName", async () => {
    const seen = serve({ Location: "/my-bucket" });
    const out = await s3.send(new CreateBucketCommand({ Bucket: "my-bucket", CreateBucketConfiguration: { LocationConstraint: "eu-west-1" } }));
    assert.equal(seen.op, "CreateBucket");
    assert.deepEqual(seen.input!.CreateBucketConfiguration, { LocationConstraint: "eu-west-1" });
    assert.equal(out.Location, "/my-bucket");

    await rejectsWith(s3.send(new CreateBucketCommand({ Bucket: "Bad_Bucket" })), "InvalidBucketName", 400, "The specified bucket is not valid.");
  });

  it("HeadBucket, DeleteBucket, and bucket errors with their statuses", async () => {
    assert.equal((await serveAnd(() => s3.send(new HeadBucketCommand({ Bucket: "my-bucket" })))).op, "HeadBucket");
    assert.equal((await serveAnd(() => s3.send(new DeleteBucketCommand({ Bucket: "my-bucket" })))).op, "DeleteBucket");

    serve(() => {
      throw new AwsError("BucketNotEmpty", "The bucket you tried to delete is not empty", undefined, { BucketName: "my-bucket" });
    });
    await rejectsWith(s3.send(new DeleteBucketCommand({ Bucket: "my-bucket" })), "BucketNotEmpty", 409);
    serve(() => {
      throw new AwsError("BucketAlreadyOwnedByYou", "Your previous request to create the named bucket succeeded and you already own it.");
    });
    await rejectsWith(s3.send(new CreateBucketCommand({ Bucket: "my-bucket" })), "BucketAlreadyOwnedByYou", 409);
    serve(() => {
      throw new AwsError("NoSuchBucket", "The specified bucket does not exist");
    });
    await rejectsWith(s3.send(new ListObjectsV2Command({ Bucket: "nope" })), "NoSuchBucket", 404, "The specified bucket does not exist");
  });
});

async function serveAnd(send: () => Promise<unknown>): Promise<{ op?: string; input?: Shape }> {
  const seen = serve({});
  await send();
  return seen;
}

describe("restXml: matching and parsing details", () => {
  const raw = (method: string, url: string, headers: RawRequest["headers"] = {}, body = Buffer.alloc(0)): RawRequest => {
    const q = url.indexOf("?");
    return { method, path: q === -1 ? url : url.slice(0, q), query: new URLSearchParams(q === -1 ? "" : url.slice(q + 1)), headers, body };
  };

  it("query markers and required members choose among operations sharing a path", () => {
    assert.equal(restXml.match(model, raw("GET", "/b?list-type=2")), "ListObjectsV2");
    assert.equal(restXml.match(model, raw("GET", "/b")), "ListObjects");
    assert.equal(restXml.match(model, raw("GET", "/b/")), "ListObjects");
    assert.equal(restXml.match(model, raw("GET", "/b/k?acl")), "GetObjectAcl");
    assert.equal(restXml.match(model, raw("GET", "/b/k?uploadId=u")), "ListParts");
    assert.equal(restXml.match(model, raw("PUT", "/b/k")), "PutObject");
    assert.equal(restXml.match(model, raw("PUT", "/b/k", { "x-amz-copy-source": "/a/b" })), "CopyObject");
    assert.equal(restXml.match(model, raw("PUT", "/b/k?partNumber=1&uploadId=u")), "UploadPart");
    assert.equal(restXml.match(model, raw("PUT", "/b")), "CreateBucket");
    assert.equal(restXml.match(model, raw("HEAD", "/b")), "HeadBucket");
    assert.equal(restXml.match(model, raw("DELETE", "/b")), "DeleteBucket");
    assert.equal(restXml.match(model, raw("GET", "/")), "ListBuckets");
    assert.equal(restXml.match(model, raw("PATCH", "/b")), undefined);
    assert.equal(restXml.match(loadModel("iam"), raw("GET", "/b")), undefined);
  });

  it("greedy keys keep slashes, trailing slashes and percent-decoded characters", () => {
    const input = restXml.parseInput(model, "GetObject", raw("GET", "/b/dir/a%2Bb%20c/%E2%9C%93//end/"));
    assert.equal(input.Key, "dir/a+b c/✓//end/");
    assert.throws(() => restXml.parseInput(model, "GetObject", raw("GET", "/b/%E0%A4%A")), { code: "InvalidURI" });
  });

  it("a malformed XML payload is MalformedXML; a wrong integer is InvalidArgument naming the parameter", () => {
    assert.throws(() => restXml.parseInput(model, "CreateBucket", raw("PUT", "/b", {}, Buffer.from("<CreateBucketConfiguration><Loc"))), {
      code: "MalformedXML",
    });
    const input = restXml.parseInput(model, "ListObjectsV2", raw("GET", "/b?list-type=2&max-keys=lots"));
    assert.throws(() => validateInput(model, "ListObjectsV2", input), (err: AwsError) => {
      assert.equal(err.code, "InvalidArgument");
      assert.equal(err.fields?.ArgumentName, "max-keys");
      assert.equal(err.fields?.ArgumentValue, "lots");
      return true;
    });
  });
});

describe("restXml: routes that share a path", () => {
  const model = loadModel("s3");
  const get = (query: string): RawRequest => ({ method: "GET", path: "/", query: new URLSearchParams(query), headers: {}, body: Buffer.alloc(0) });

  it("GET / is ListBuckets, unless its query names ListDirectoryBuckets' parameters", () => {
    assert.equal(restXml.match(model, get("")), "ListBuckets");
    assert.equal(restXml.match(model, get("max-buckets=5&prefix=a")), "ListBuckets");
    assert.equal(restXml.match(model, get("max-directory-buckets=2")), "ListDirectoryBuckets");
  });
});
