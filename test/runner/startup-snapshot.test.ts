/**
 * The runner's startup snapshot: a run that finds none for this install starts as before and builds
 * one when it ends (replacing a snapshot of an earlier install); the next run starts from it; a
 * notebook's outputs and type errors are the same with and without it; a corrupt or truncated
 * snapshot never fails a run: it is not used (and removed), with a one-line notice.
 */
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { codeCells, errorOf, readExecuted, runNb, streamOf, tempDir } from "./helpers.js";
import { startupSnapshot } from "../../lib/runner/startup-snapshot.js";

const CELLS = [
  'import { readFileSync } from "fs";\nconsole.log(typeof readFileSync);',
  "const answer: number = 21 * 2;\nanswer",
  'const words: string[] = ["a", "bb"];\nconsole.log(words.map((w) => w.length).join(","));',
  // What a snapshot's process could get wrong: TypeScript's working directory (a local import),
  // stack traces, console.Console, the flags a forked process inherits.
  'import { bump } from "./counter";\nconsole.log(`count ${bump()} in ${process.cwd()}`);',
  'function boom(): never {\n  throw new RangeError("seven");\n}\ntry {\n  boom();\n} catch (e) {\n  console.log((e as Error).stack!.split("\\n").length, Error.stackTraceLimit);\n}',
  "console.log(typeof console.Console, JSON.stringify(process.execArgv));",
  "const wrong: string = answer;",
  'console.log("never");',
];
const NOTEBOOK = JSON.stringify({
  cells: CELLS.map((source, i) => ({ cell_type: "code", id: `c${i}`, metadata: {}, execution_count: null, outputs: [], source })),
  metadata: { kernelspec: { name: "tslab", display_name: "TypeScript", language: "typescript" }, language_info: { name: "typescript" } },
  nbformat: 4,
  nbformat_minor: 5,
});

const work = await tempDir("nb-snapshot-");
const cache = path.join(work, "cache");
const notebook = path.join(work, "snap.ipynb");
writeFileSync(notebook, NOTEBOOK);
writeFileSync(path.join(work, "counter.ts"), "let n = 0;\nexport function bump(): number {\n  return ++n;\n}\n");

/** What the notebook did, without timings. */
function outcome(out: string): unknown {
  return codeCells(readExecuted(out, "snap.ipynb")).map((c) => ({ outputs: c.outputs, count: c.execution_count, status: (c.metadata.headless as { status?: string } | undefined)?.status }));
}

async function run(label: string, env: NodeJS.ProcessEnv = {}) {
  const out = path.join(work, label);
  const r = await runNb([notebook, "--out", out, "-q"], { NB_RUNNER_CACHE_DIR: cache, NB_RUNNER_SNAPSHOT: undefined, NB_RUNNER_SNAPSHOT_DEBUG: "1", NB_RUNNER_SNAPSHOT_BUILD: "background", ...env });
  return { ...r, outcome: outcome(out), out };
}

const EARLIER = "startup-00000000000000000000000000000000.blob";
const blobs = () => (existsSync(cache) ? readdirSync(cache).filter((f) => /^startup-.*\.blob$/.test(f)) : []);

async function waitForSnapshot(): Promise<string> {
  for (let i = 0; i < 240; i++) {
    const ready = existsSync(cache) ? readdirSync(cache).filter((f) => f.endsWith(".blob.json") && !f.startsWith(EARLIER)) : [];
    if (ready.length === 1 && !existsSync(path.join(cache, ready[0]!.replace(/\.json$/, ".lock")))) return path.join(cache, ready[0]!.replace(/\.json$/, ""));
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error("the startup snapshot was not built in the background within 120 s");
}

test("a run without a snapshot builds one for the next run; results are identical with and without it", { timeout: 240_000 }, async () => {
  // A snapshot of an earlier install (another key) is left over: it must not be used, and goes.
  mkdirSync(cache, { recursive: true });
  writeFileSync(path.join(cache, EARLIER), "an earlier install's snapshot");
  writeFileSync(path.join(cache, `${EARLIER}.json`), JSON.stringify({ key: "00000000000000000000000000000000", size: 29 }));

  const without = await run("first");
  assert.equal(without.code, 1, without.stderr); // the type error fails the run
  assert.match(without.stderr, /startup snapshot: none yet/);
  const blob = await waitForSnapshot();
  assert.deepEqual(blobs(), [path.basename(blob)], "the earlier install's snapshot was removed");

  const withSnapshot = await run("second");
  assert.match(withSnapshot.stderr, /startup snapshot: used/);
  assert.match(withSnapshot.stderr, /startup snapshot: child bundle used/); // the runner's code bundled, no tsx
  // npm run nb's preload (early-child.cjs) forked it before the runner loaded
  assert.match(withSnapshot.stderr, /child bundle used \(started before the runner loaded, pid \d+\)/);
  assert.equal(withSnapshot.code, 1);
  assert.deepEqual(withSnapshot.outcome, without.outcome);
  const cells = codeCells(readExecuted(withSnapshot.out, "snap.ipynb"));
  assert.match(errorOf(cells[6]!)?.evalue ?? "", /Type 'number' is not assignable to type 'string'/);
  assert.equal(streamOf(cells[3]!, "stdout"), `count 1 in ${work}\n`);
  assert.equal(streamOf(cells[4]!, "stdout"), "11 10\n");
  assert.match(streamOf(cells[5]!, "stdout"), / \["--import","tsx"\]\n$/);
  assert.equal(cells[7]!.outputs.length, 0, "the cell after the type error did not run");

  const off = await run("off", { NB_RUNNER_SNAPSHOT: "0" });
  assert.match(off.stderr, /startup snapshot: off/);
  assert.deepEqual(off.outcome, without.outcome);

  // Corrupt (same size, bytes changed): the child cannot start from it; the run goes on without it.
  const bytes = readFileSync(blob);
  const middle = Math.floor(bytes.length / 2);
  for (let i = 0; i < 64; i++) bytes[middle + i] = bytes[middle + i]! ^ 0xff;
  writeFileSync(blob, bytes);
  const corrupt = await run("corrupt");
  assert.match(corrupt.stderr, /startup snapshot could not be used and was removed; running without it/);
  assert.equal(corrupt.code, 1, corrupt.stderr);
  assert.deepEqual(corrupt.outcome, without.outcome);
  assert.equal(existsSync(blob), false, "the corrupt snapshot was removed");

  // Truncated (a build or copy cut short): not offered at all, and built anew.
  const rebuilt = await waitForSnapshot();
  writeFileSync(rebuilt, readFileSync(rebuilt).subarray(0, statSync(rebuilt).size >> 1));
  const truncated = await run("truncated");
  assert.match(truncated.stderr, /startup snapshot: none yet/);
  assert.deepEqual(truncated.outcome, without.outcome);
  await waitForSnapshot(); // the rebuild it started, so that it does not outlive the test
});

test("the snapshot is the default: a run goes without it only with NB_RUNNER_SNAPSHOT=0", () => {
  assert.ok(startupSnapshot({}));
  assert.ok(startupSnapshot({ NB_RUNNER_SNAPSHOT: "1" }));
  assert.equal(startupSnapshot({ NB_RUNNER_SNAPSHOT: "0" }), undefined);
  // TypeScript's load-time settings apply when it loads, which for a snapshot was at build time.
  assert.equal(startupSnapshot({ NB_RUNNER_SNAPSHOT: "1", TSC_NONPOLLING_WATCHER: "true" }), undefined);
});

test("npm run nb:snapshot: --help, --version, and an unknown argument is a usage error (exit 2)", async () => {
  const { spawnSync } = await import("node:child_process");
  const script = path.join(import.meta.dirname, "..", "..", "lib", "runner", "startup-snapshot.ts");
  const run = (args: string[]) => spawnSync(process.execPath, ["--import", "tsx", script, ...args], { encoding: "utf8", timeout: 60_000 });
  const help = run(["--help"]);
  assert.equal(help.status, 0, help.stderr);
  assert.match(help.stdout, /^Usage: npm run nb:snapshot/);
  const version = run(["--version"]);
  assert.equal(version.status, 0, version.stderr);
  assert.match(version.stdout, /agentcore-kit \d+\.\d+\.\d+/);
  const bad = run(["--no-such-flag"]);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /no-such-flag/);
});
