/**
 * A run that finds no startup snapshot builds one in the background, in a process that outlives
 * it, except under a test runner or in CI (the CI variable), where nothing may be left running
 * after the command ends: there the snapshot is built by `npm run nb:snapshot` or not at all.
 */
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { test } from "node:test";
import { processTable } from "../../lib/runner/leftover-processes.js";
import { codeNotebook, runNb, tempDir } from "./helpers.js";

const NOTEBOOK = codeNotebook(["const n: number = 1;\nn"]);

test("under the test runner, a run without a snapshot leaves no build running behind it", { timeout: 120_000 }, async () => {
  const work = await tempDir("nb-snapshot-bg-");
  const cache = path.join(work, "cache");
  const notebook = path.join(work, "one.ipynb");
  writeFileSync(notebook, NOTEBOOK);
  assert.ok(process.env.NODE_TEST_CONTEXT, "this test runs under node --test");
  const r = await runNb([notebook, "--out", path.join(work, "out"), "-q"], { NB_RUNNER_CACHE_DIR: cache, NB_RUNNER_SNAPSHOT: undefined, NB_RUNNER_SNAPSHOT_DEBUG: "1", CI: undefined });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /startup snapshot: none yet \(not built in the background under a test runner or CI; npm run nb:snapshot builds it\)/);
  await new Promise((resolve) => setTimeout(resolve, 1000)); // a detached build would have taken its lock by now
  const building = processTable().filter((p) => p.command.includes("snapshot-build.cjs") && p.command.includes(cache));
  assert.deepEqual(building, [], "no snapshot build outlived the run");
  const startup = existsSync(cache) ? readdirSync(cache).filter((f) => f.startsWith("startup-")) : [];
  assert.deepEqual(startup, [], "no snapshot was built or locked in the cache folder");
});

test("a build that starts after another one finished builds no snapshot (many runs ending at once build one snapshot)", async () => {
  const work = await tempDir("nb-snapshot-once-");
  const blob = path.join(work, "startup-0123456789abcdef0123456789abcdef.blob");
  writeFileSync(blob, "built by the first of them");
  writeFileSync(`${blob}.json`, JSON.stringify({ key: "0123456789abcdef0123456789abcdef", size: 26 }));
  const { buildSnapshot } = createRequire(import.meta.url)("../../lib/runner/snapshot-build.cjs") as { buildSnapshot(blob: string, key: string, cwd: string): boolean };
  const started = performance.now();
  assert.equal(buildSnapshot(blob, "0123456789abcdef0123456789abcdef", work), true);
  assert.ok(performance.now() - started < 1000, "no build ran");
  assert.equal(readFileSync(blob, "utf8"), "built by the first of them");
  const files = readdirSync(work).sort();
  assert.deepEqual(files.filter((f) => f.startsWith("startup-")), [path.basename(blob), `${path.basename(blob)}.json`], "no lock or temporary file left");
  // Only what was missing is built: the child's bundle (child-bundle.cjs), a plain module.
  assert.equal(files.filter((f) => /^run-child-[0-9a-f]+\.mjs$/.test(f)).length, 1, files.join(", "));
});
