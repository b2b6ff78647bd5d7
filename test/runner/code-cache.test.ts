/**
 * The runner loads tslab's TypeScript from V8's code cache: an entry is made on the first run, used
 * by the next, and never used for a different file content (another TypeScript) or rejected data.
 * Each load happens in a fresh Node process, as each run does.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readdirSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { fileURLToPath } from "node:url";

const CODE_CACHE = fileURLToPath(new URL("../../lib/runner/code-cache.cjs", import.meta.url));
const dir = await mkdtemp(path.join(os.tmpdir(), "nb-code-cache-"));
after(() => rm(dir, { recursive: true, force: true }));

const moduleFile = path.join(dir, "compiler.js");
const cacheDir = path.join(dir, "cache");

/** Loads the module through the code cache in a new process; returns its status and exports. */
function load(): { status: string; answer: number; cachedRequire: boolean } {
  const script = `
    const { loadWithCodeCache } = require(${JSON.stringify(CODE_CACHE)});
    const r = loadWithCodeCache(require, { moduleId: ${JSON.stringify(moduleFile)}, cacheDir: ${JSON.stringify(cacheDir)} });
    const m = require(${JSON.stringify(moduleFile)});
    console.log(JSON.stringify({ status: r.status, answer: m.answer(), cachedRequire: m === require.cache[${JSON.stringify(moduleFile)}].exports }));`;
  return JSON.parse(execFileSync(process.execPath, ["-e", script], { encoding: "utf8" })) as { status: string; answer: number; cachedRequire: boolean };
}

function writeModule(answer: number): void {
  // Enough functions for V8 to have something to cache.
  const fns = Array.from({ length: 50 }, (_, i) => `function f${i}(x) { return x + ${i}; }`).join("\n");
  writeFileSync(moduleFile, `${fns}\nexports.answer = () => f0(${answer});\nexports.dirname = __dirname;\n`);
}

test("created on the first load, used on the next, a new entry when the file changes, rejected data replaced", () => {
  writeModule(41);
  assert.deepEqual(load(), { status: "created", answer: 41, cachedRequire: true });
  assert.equal(readdirSync(cacheDir).length, 1);
  assert.deepEqual(load(), { status: "used", answer: 41, cachedRequire: true });

  // Another version of the file (an upgraded TypeScript): its own entry, the old code never runs.
  writeModule(99);
  assert.deepEqual(load(), { status: "created", answer: 99, cachedRequire: true });
  assert.equal(readdirSync(cacheDir).length, 2);
  assert.deepEqual(load(), { status: "used", answer: 99, cachedRequire: true });

  // Damaged data: V8 rejects it, the module still loads from source, and the entry is rewritten.
  const entries = readdirSync(cacheDir);
  for (const entry of entries) writeFileSync(path.join(cacheDir, entry), "not V8 data");
  assert.deepEqual(load(), { status: "rejected", answer: 99, cachedRequire: true });
  assert.deepEqual(load(), { status: "used", answer: 99, cachedRequire: true });
});

test("the key covers the content and this Node's version", async () => {
  const { cacheKey } = (await import(CODE_CACHE)) as { cacheKey(s: string): string };
  assert.notEqual(cacheKey("a"), cacheKey("b"));
  assert.equal(cacheKey("a"), cacheKey("a"));
});
