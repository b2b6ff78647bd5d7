/**
 * A child started from the runner's startup snapshot opens streams as any process does: a cell
 * spawns processes on pipes (spawnSync, execFileSync with input, async spawn), and a worker thread
 * of the child loads node:net and spawns a process on pipes (tsx's esbuild service, which the
 * kernel startup uses, is such a process; its loader hooks run on a thread). On Node 22 a worker
 * thread of a snapshot's process aborted on its first stream when the build had loaded Node's
 * stream_wrap binding (through node:v8, for a main function): the whole child died.
 */
import assert from "node:assert/strict";
import { execFile, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { promisify } from "node:util";
import { codeCells, codeNotebook, projectRoot, readExecuted, runNb, streamOf, tempDir } from "./helpers.js";

const CELLS = [
  [
    'import { execFileSync, spawn, spawnSync } from "child_process";',
    "const echo = ['-e', 'process.stdin.pipe(process.stdout)'];",
    "const viaSpawnSync = spawnSync(process.execPath, ['-e', 'process.stdout.write(\"sync\")'], { encoding: 'utf8' }).stdout;",
    "const viaExecFileSync = execFileSync(process.execPath, echo, { input: 'exec', encoding: 'utf8' });",
    "const viaSpawn = await new Promise<string>((resolve, reject) => {",
    "  const c = spawn(process.execPath, echo, { stdio: 'pipe' });",
    "  let got = '';",
    "  c.stdout.on('data', (d) => (got += d));",
    "  c.on('error', reject);",
    "  c.on('close', () => resolve(got));",
    "  c.stdin.end('async');",
    "});",
    "console.log(viaSpawnSync, viaExecFileSync, viaSpawn);",
  ].join("\n"),
  [
    'import { Worker } from "worker_threads";',
    "const inWorker = `",
    "require('node:net');",
    "const r = require('node:child_process').spawnSync(process.execPath, ['-e', 'process.stdout.write(\"worker\")'], { encoding: 'utf8' });",
    "require('node:worker_threads').parentPort.postMessage(r.stdout);",
    "`;",
    "const fromWorker = await new Promise((resolve, reject) => {",
    "  const w = new Worker(inWorker, { eval: true });",
    "  w.once('message', resolve);",
    "  w.once('error', reject);",
    "});",
    "console.log(fromWorker);",
  ].join("\n"),
];
const NOTEBOOK = codeNotebook(CELLS);

test("a cell in a child started from the snapshot spawns processes on pipes, from its main thread and from a worker thread", { timeout: 240_000 }, async () => {
  const work = await tempDir("nb-snapshot-streams-");
  const cache = path.join(work, "cache");
  const notebook = path.join(work, "streams.ipynb");
  writeFileSync(notebook, NOTEBOOK);
  // Built in the foreground, as `npm run nb:snapshot` does (its build checks a worker thread too).
  await promisify(execFile)(process.execPath, ["--import", "tsx", path.join(projectRoot, "lib", "runner", "startup-snapshot.ts")], { env: { ...process.env, NB_RUNNER_CACHE_DIR: cache } });

  const out = path.join(work, "out");
  // The default: no NB_RUNNER_SNAPSHOT set.
  const r = await runNb([notebook, "--out", out, "-q"], { NB_RUNNER_CACHE_DIR: cache, NB_RUNNER_SNAPSHOT: undefined, NB_RUNNER_SNAPSHOT_DEBUG: "1", NB_RUNNER_SNAPSHOT_BUILD: "0" });
  assert.match(r.stderr, /startup snapshot: used/);
  assert.match(r.stderr, /startup snapshot: child bundle used/);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const cells = codeCells(readExecuted(out, "streams.ipynb"));
  assert.equal(streamOf(cells[0]!, "stdout"), "sync exec async\n");
  assert.equal(streamOf(cells[1]!, "stdout"), "worker\n");
});

test("a new snapshot is offered only when a worker thread of a process started from it can open streams", { timeout: 60_000 }, () => {
  const runnerDir = path.join(projectRoot, "lib", "runner");
  const work = mkdtempSync(path.join(os.tmpdir(), "nb-snapshot-check-"));
  const key = "0123456789abcdef0123456789abcdef";
  /** A snapshot baking what snapshot-start.cjs looks for; `loadsV8`: its build loads node:v8 (as a main function needs). */
  const blobOf = (name: string, loadsV8: boolean): string => {
    const entry = path.join(work, `${name}.cjs`);
    const baked = `globalThis.__nbRunnerSnapshot = { key: ${JSON.stringify(key)}, runnerDir: ${JSON.stringify(runnerDir)}, tsFile: ${JSON.stringify(path.join(work, "ts.js"))}, ts: { sys: {} }, Console: console.Console };`;
    writeFileSync(entry, `${loadsV8 ? 'require("node:v8");\n' : ""}${baked}\n`);
    const blob = path.join(work, `${name}.blob`);
    const built = spawnSync(process.execPath, ["--snapshot-blob", blob, "--build-snapshot", entry], { cwd: work, encoding: "utf8" });
    assert.equal(built.status, 0, built.stderr);
    return blob;
  };
  const env = { ...process.env, NB_RUNNER_SNAPSHOT_KEY: key };
  const check = (blob: string) => spawnSync(process.execPath, ["--snapshot-blob", blob, "--require", path.join(runnerDir, "snapshot-start.cjs"), path.join(runnerDir, "snapshot-check.cjs")], { env, encoding: "utf8" }).status;
  // What the check stands for, asked directly: a worker thread loads node:net.
  const workerOpensStreams = (blob: string) =>
    spawnSync(process.execPath, ["--snapshot-blob", blob, "-e", 'new (require("node:worker_threads").Worker)("require(\'node:net\')", { eval: true })'], { encoding: "utf8" }).status === 0;

  const plain = blobOf("plain", false);
  assert.ok(workerOpensStreams(plain));
  assert.equal(check(plain), 0);
  const withV8 = blobOf("with-v8", true);
  // Node 22 aborts such a worker (the runner's snapshot had a main function, so loaded node:v8, before).
  if (Number(process.versions.node.split(".")[0]) === 22) assert.equal(workerOpensStreams(withV8), false, "Node 22 aborts this worker: the case the check is for");
  assert.equal(check(withV8) === 0, workerOpensStreams(withV8), "the check refuses exactly the snapshots whose worker threads cannot open streams");
  rmSync(work, { recursive: true, force: true });
});
