import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { readObject } from "../../lib/local/services/s3/index.js";
import { startTestLocal, type TestLocal } from "../helpers/local.js";

describe("Local S3 state across a crash and restart", () => {
  const stateDir = mkdtempSync(join(tmpdir(), "s3-durability-"));
  let local: TestLocal | undefined;
  after(async () => {
    await local?.stop();
    rmSync(stateDir, { recursive: true, force: true });
  });

  it("keeps the committed object and sweeps what an interrupted write left", async () => {
    local = await startTestLocal({ stateDir });
    assert.equal(local.region, "us-east-1");
    await local.clients.s3.send(new CreateBucketCommand({ Bucket: "durable" }));
    // us-east-1's legacy answer to re-creating your own bucket is 200
    await local.clients.s3.send(new CreateBucketCommand({ Bucket: "durable" }));
    await local.clients.s3.send(new PutObjectCommand({ Bucket: "durable", Key: "bundle.zip", Body: "committed" }));
    await local.stop();
    local = undefined;

    // What a crash mid-PutObject leaves: a temp file, and a renamed generation whose record never committed.
    const dir = join(stateDir, "s3", "durable");
    const hash = createHash("sha256").update("bundle.zip").digest("hex");
    writeFileSync(join(dir, ".tmp-0123456789abcdef"), "half writ");
    writeFileSync(join(dir, `${hash}.ffffffffffff`), "uncommitted");
    assert.equal(readdirSync(dir).length, 3);

    local = await startTestLocal({ stateDir });
    const got = await local.clients.s3.send(new GetObjectCommand({ Bucket: "durable", Key: "bundle.zip" }));
    assert.equal(await got.Body!.transformToString(), "committed");
    const left = readdirSync(dir);
    assert.equal(left.length, 1);
    assert.ok(left[0]!.startsWith(hash) && left[0] !== `${hash}.ffffffffffff`);
  });

  it("serves whole objects while the same key is overwritten concurrently, and keeps one file", async () => {
    const s3 = local!.clients.s3;
    const versions = Array.from({ length: 8 }, (_, i) => String(i).repeat(50_000 + i));
    const reads: Promise<string>[] = [];
    const writes = versions.map(async (body, i) => {
      await s3.send(new PutObjectCommand({ Bucket: "durable", Key: "hot key", Body: body }));
      if (i % 2 === 0) reads.push(s3.send(new GetObjectCommand({ Bucket: "durable", Key: "hot key" })).then((r) => r.Body!.transformToString()));
    });
    await Promise.all(writes);
    for (const body of await Promise.all(reads)) assert.ok(versions.includes(body), "every read is one complete version");
    const final = await (await s3.send(new GetObjectCommand({ Bucket: "durable", Key: "hot key" }))).Body!.transformToString();
    assert.ok(versions.includes(final));
    const hash = createHash("sha256").update("hot key").digest("hex");
    assert.equal(readdirSync(join(stateDir, "s3", "durable")).filter((f) => f.startsWith(hash)).length, 1);
  });

  it("reports bytes lost from the state folder as an internal error, not a hang or a wrong answer", async () => {
    const s3 = local!.clients.s3;
    await s3.send(new PutObjectCommand({ Bucket: "durable", Key: "lost", Body: "soon gone" }));
    const hash = createHash("sha256").update("lost").digest("hex");
    const dir = join(stateDir, "s3", "durable");
    for (const f of readdirSync(dir).filter((f) => f.startsWith(hash))) rmSync(join(dir, f));
    await assert.rejects(s3.send(new GetObjectCommand({ Bucket: "durable", Key: "lost" })), (e: Error & { $metadata?: { httpStatusCode?: number } }) => {
      assert.equal(e.name, "InternalError");
      assert.equal(e.$metadata?.httpStatusCode, 500);
      return true;
    });
    await assert.rejects(readObject(local!.server.services, "durable", "lost"), /bytes are missing from the state folder/);
  });
});
