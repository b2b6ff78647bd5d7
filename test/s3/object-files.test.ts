import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { afterEach, beforeEach, describe, it } from "node:test";
import { crc32 } from "node:zlib";
import { ObjectFiles } from "../../lib/local/services/s3/object-files.js";

describe("S3 object files", () => {
  let dir: string;
  let files: ObjectFiles;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "s3-files-"));
    files = new ObjectFiles(dir);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const keyHash = (key: string) => createHash("sha256").update(key).digest("hex");

  it("writes bytes under s3/<bucket>/<sha256 of key>.<generation> with their digests", async () => {
    const body = Buffer.from("hello, object");
    const w = await files.write("b1", "dir/my file+ü~.txt", body, () => undefined);
    assert.match(w.file, new RegExp(`^s3/b1/${keyHash("dir/my file+ü~.txt")}\\.[0-9a-f]{12}$`));
    assert.deepEqual(readFileSync(join(dir, w.file)), body);
    assert.equal(w.size, body.length);
    assert.equal(w.md5.toString("hex"), createHash("md5").update(body).digest("hex"));
    assert.equal(w.sha256.toString("hex"), createHash("sha256").update(body).digest("hex"));
    assert.equal(w.crc32, crc32(body));
    assert.deepEqual(readdirSync(join(dir, "s3/b1")), [w.file.split("/")[2]], "no temp file left behind");
  });

  it("writes a stream body and an empty body", async () => {
    const parts = [Buffer.from("a".repeat(70_000)), Buffer.from("b".repeat(3))];
    const w = await files.write("b1", "k", Readable.from(parts), () => undefined);
    assert.deepEqual(readFileSync(join(dir, w.file)), Buffer.concat(parts));
    const empty = await files.write("b1", "e", undefined, () => undefined);
    assert.equal(empty.size, 0);
    assert.equal(empty.md5.toString("hex"), "d41d8cd98f00b204e9800998ecf8427e");
  });

  it("gives each write of the same key its own generation", async () => {
    const a = await files.write("b1", "same", Buffer.from("one"), () => undefined);
    const b = await files.write("b1", "same", Buffer.from("two"), () => undefined);
    assert.notEqual(a.file, b.file);
    assert.equal(readFileSync(join(dir, a.file), "utf8"), "one");
    assert.equal(readFileSync(join(dir, b.file), "utf8"), "two");
  });

  it("leaves nothing when the digests are refused", async () => {
    await assert.rejects(
      files.write("b1", "k", Buffer.from("data"), () => {
        throw new Error("bad digest");
      }),
      /bad digest/,
    );
    assert.deepEqual(readdirSync(join(dir, "s3/b1")), []);
  });

  it("sweeps temp files and unreferenced generations, keeping referenced ones", async () => {
    const kept = await files.write("b1", "k", Buffer.from("kept"), () => undefined);
    const orphan = await files.write("b1", "k", Buffer.from("orphan"), () => undefined);
    writeFileSync(join(dir, "s3/b1/.tmp-deadbeef"), "half a wri");
    assert.equal(files.sweep(new Set([kept.file])), 2);
    assert.ok(existsSync(join(dir, kept.file)));
    assert.ok(!existsSync(join(dir, orphan.file)));
    assert.deepEqual(readdirSync(join(dir, "s3/b1")), [kept.file.split("/")[2]]);
  });

  it("opens a removed file as undefined rather than throwing", async () => {
    const w = await files.write("b1", "k", Buffer.from("x"), () => undefined);
    await files.remove(w.file);
    await files.remove(w.file); // idempotent
    assert.equal(await files.openForRead(w.file), undefined);
  });
});
