import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { listPage, type ListRequest } from "../../lib/local/services/s3/list-objects.js";
import { compareKeys } from "../../lib/local/services/s3/naming.js";
import type { StoredObject } from "../../lib/local/services/s3/state.js";

const objects = (keys: string[]): StoredObject[] =>
  [...new Set(keys)].sort(compareKeys).map((Key) => ({
    Bucket: "b",
    Key,
    Size: 1,
    ETag: '"x"',
    ContentType: "text/plain",
    LastModified: new Date(0).toISOString(),
    Metadata: {},
    file: `s3/b/${Key}`,
    ChecksumCRC32: "AAAAAA==",
  }));

/** Every entry (keys and common prefixes) of a listing, paged with `maxKeys` until the end. */
function pageThrough(objs: StoredObject[], req: Omit<ListRequest, "maxKeys" | "resume">, maxKeys: number): string[] {
  const out: string[] = [];
  let resume: ListRequest["resume"];
  for (let i = 0; i < 10_000; i++) {
    const page = listPage(objs, { ...req, maxKeys, ...(resume ? { resume } : {}) });
    out.push(...page.contents.map((o) => `K:${o.Key}`), ...page.commonPrefixes.map((p) => `P:${p}`));
    assert.ok(page.contents.length + page.commonPrefixes.length <= maxKeys);
    if (!page.truncated) return out;
    assert.ok(page.next, "a truncated page has a continuation");
    resume = page.next;
  }
  throw new Error("did not finish");
}

describe("ListObjectsV2 paging", () => {
  it("rolls keys up at the delimiter", () => {
    const objs = objects(["a/1", "a/2", "a/b/3", "b", "c/4", "photos/2024/x.jpg"]);
    const r = listPage(objs, { prefix: "", delimiter: "/", maxKeys: 1000 });
    assert.deepEqual(r.contents.map((o) => o.Key), ["b"]);
    assert.deepEqual(r.commonPrefixes, ["a/", "c/", "photos/"]);
    assert.equal(r.truncated, false);
    const under = listPage(objects(["a/1", "a/2", "a/b/3"]), { prefix: "a/", delimiter: "/", maxKeys: 1000 });
    assert.deepEqual(under.contents.map((o) => o.Key), ["a/1", "a/2"]);
    assert.deepEqual(under.commonPrefixes, ["a/b/"]);
  });

  it("counts a common prefix as one entry toward max-keys and resumes after it", () => {
    const objs = objects(["a/1", "a/2", "a/3", "b"]);
    const first = listPage(objs, { prefix: "", delimiter: "/", maxKeys: 1 });
    assert.deepEqual(first.commonPrefixes, ["a/"]);
    assert.equal(first.truncated, true);
    const second = listPage(objs, { prefix: "", delimiter: "/", maxKeys: 1, resume: first.next! });
    assert.deepEqual(second.contents.map((o) => o.Key), ["b"]);
    assert.equal(second.truncated, false);
  });

  it("honours start-after, and max-keys 0 returns nothing untruncated", () => {
    const objs = objects(["a", "b", "c"]);
    assert.deepEqual(listPage(objs, { prefix: "", startAfter: "a", maxKeys: 10 }).contents.map((o) => o.Key), ["b", "c"]);
    assert.deepEqual(listPage(objs, { prefix: "", maxKeys: 0 }), { contents: [], commonPrefixes: [], truncated: false });
  });

  it("orders keys by UTF-8 bytes, as S3 does", () => {
    const keys = ["\u{1F600}", "\uFF21", "z", "a b", "a+b", "é"];
    assert.deepEqual(objects(keys).map((o) => o.Key), ["a b", "a+b", "z", "é", "\uFF21", "\u{1F600}"]);
  });

  it("pages to the same entries as a single listing, for any keys and page size", () => {
    const key = fc.stringMatching(/^[ab\/ é+~]{1,6}$/);
    fc.assert(
      fc.property(fc.array(key, { maxLength: 30 }), fc.integer({ min: 1, max: 7 }), fc.constantFrom(undefined, "/", "b"), (keys, max, delimiter) => {
        const objs = objects(keys);
        const req = delimiter ? { prefix: "", delimiter } : { prefix: "" };
        assert.deepEqual(pageThrough(objs, req, max).sort(), pageThrough(objs, req, 1000).sort());
      }),
      { numRuns: 300 },
    );
  });
});
