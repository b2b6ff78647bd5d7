/**
 * The agent checker loads TypeScript through V8's cached code: the module must be the one
 * `require` gives, the cache used on the next load, and data V8 refuses (or a changed source)
 * must never stand in for the real code.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { requireWithCodeCache } from "../../lib/notebook/typescript-code-cache.js";

const PROJECT = join(import.meta.dirname, "..", "..");
let dir: string;
before(() => {
  mkdirSync(join(PROJECT, "out"), { recursive: true });
  dir = mkdtempSync(join(PROJECT, "out", "test-code-cache-"));
});
after(() => rmSync(dir, { recursive: true, force: true }));

test("a module loads with its cached code on the next load, the same module require gives", () => {
  const file = join(dir, "answer.cjs");
  writeFileSync(file, "exports.answer = () => 42; exports.file = __filename;\n");
  const req = createRequire(file);
  const cache = join(dir, "cache");
  const first = requireWithCodeCache<{ answer(): number; file: string }>(req, file, cache);
  assert.equal(first.status, "created");
  assert.equal(first.exports.answer(), 42);
  assert.equal(first.exports.file, file);
  assert.equal(req(file), first.exports, "require gives the same module");
  assert.equal(requireWithCodeCache(req, file, cache).status, "loaded");
  first.save();
  assert.equal(readdirSync(cache).filter((f) => f.endsWith(".v8cache")).length, 1);

  delete req.cache[file];
  const second = requireWithCodeCache<{ answer(): number }>(req, file, cache);
  assert.equal(second.status, "used");
  assert.equal(second.exports.answer(), 42);
});

test("a changed source gets a new entry, and data that is not V8's still loads the real code", () => {
  const file = join(dir, "changing.cjs");
  const cache = join(dir, "cache2");
  const req = createRequire(file);
  writeFileSync(file, "exports.v = 1;\n");
  requireWithCodeCache(req, file, cache).save();
  delete req.cache[file];
  writeFileSync(file, "exports.v = 2;\n");
  const changed = requireWithCodeCache<{ v: number }>(req, file, cache);
  assert.equal(changed.status, "created");
  assert.equal(changed.exports.v, 2);
  changed.save();

  for (const f of readdirSync(cache)) writeFileSync(join(cache, f), "not V8 data");
  delete req.cache[file];
  // (V8 may answer from its in-memory compilation cache in this process, so the status is either.)
  const refused = requireWithCodeCache<{ v: number }>(req, file, cache);
  assert.ok(["used", "rejected"].includes(refused.status), refused.status);
  assert.equal(refused.exports.v, 2);
});
