/**
 * The kernel's startup code starts the warm agent checker before the first cell, checking the
 * tutorial's agents ahead in the notebook's folder: under `npm start` (its own Local AgentCore, a
 * folder of one numbered notebook), under `npm run nb` (from the startup snapshot too: the child
 * started from its plain bundle, without tsx, loading the kernel startup's TypeScript through tsx's
 * esbuild service, a process on pipes, and starting the checker's worker thread), and in the Jupyter kernel's process
 * (scripts/tslab-kernel.cjs, loaded as Jupyter starts it: in the notebook's folder);
 * AGENTCORE_KERNEL_STARTUP=0 leaves it to session().
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { promisify } from "node:util";
import { WARM_UP_AGENTS } from "../../lib/notebook/agent-check-service.js";
import { codeCells, projectTempDir, readExecuted, runNb, streamOf } from "../runner/helpers.js";
import { ownLocal, projectRoot, runStart, type OwnLocal } from "../notebook01/helpers.js";

/** The first cell: is the checker running, and which files does it check ahead (before any session()). */
const SERVICE = path.join(projectRoot, "lib", "notebook", "agent-check-service.ts");
const FIRST_CELL = [
  // Loaded at run time through tsx (the child from the snapshot's bundle runs without it), not
  // type-checked from the notebook's folder: the state is the process's, whichever copy reads it.
  `const { agentCheckerStatus } = require("tsx/cjs/api").require(${JSON.stringify(SERVICE)}, ${JSON.stringify(SERVICE)});`,
  "console.log(JSON.stringify(agentCheckerStatus()));",
].join("\n");

/** A notebook whose first cell reports the checker's state; `writesAgents`: it says it calls writeAgentFile() later. */
function notebook(writesAgents = true): string {
  const later = writesAgents ? [{ cell_type: "markdown", id: "m0", metadata: {}, source: "Later, `writeAgentFile(name, text)` writes an agent." }] : [];
  return JSON.stringify({
    cells: [{ cell_type: "code", id: "c0", metadata: {}, execution_count: null, outputs: [], source: FIRST_CELL }, ...later],
    metadata: { kernelspec: { name: "tslab", display_name: "TypeScript", language: "typescript" }, language_info: { name: "typescript" } },
    nbformat: 4,
    nbformat_minor: 5,
  });
}

const work = await projectTempDir("test-kernel-startup-");
const series = path.join(work, "series");
mkdirSync(series);
writeFileSync(path.join(series, "01-status.ipynb"), notebook());
const aheadHere = WARM_UP_AGENTS.map((f) => path.join(series, path.basename(f)));

function statusIn(out: string): { running: boolean; ahead: string[] } {
  return JSON.parse(streamOf(codeCells(readExecuted(out, "01-status.ipynb"))[0]!, "stdout")) as { running: boolean; ahead: string[] };
}

/** npm run nb from the startup snapshot: the checker runs before the first cell there too. */
async function fromSnapshot(): Promise<void> {
  const cache = path.join(work, "cache");
  await promisify(execFile)(process.execPath, ["--import", "tsx", path.join(projectRoot, "lib", "runner", "startup-snapshot.ts")], { env: { ...process.env, NB_RUNNER_CACHE_DIR: cache } });
  const snapOut = path.join(work, "out-snapshot");
  const snap = await runNb([path.join(series, "01-status.ipynb"), "--out", snapOut, "-q"], { NB_RUNNER_CACHE_DIR: cache, NB_RUNNER_SNAPSHOT: undefined, NB_RUNNER_SNAPSHOT_DEBUG: "1", NB_RUNNER_SNAPSHOT_BUILD: "0" });
  assert.equal(snap.code, 0, snap.stdout + snap.stderr);
  assert.match(snap.stderr, /startup snapshot: used\n/);
  assert.match(snap.stderr, /startup snapshot: child bundle used/);
  assert.deepEqual(statusIn(snapOut), { running: true, ahead: aheadHere });
}

describe("the agent checker runs before the first cell", () => {
  let local: OwnLocal;
  before(async () => {
    local = await ownLocal();
  });
  after(async () => {
    await local?.stop();
  });

  test("npm start: running, the tutorial's agents checked ahead in the notebook's folder", { timeout: 300_000 }, async () => {
    const out = path.join(work, "out-start");
    const run = await runStart(local.env, ["--all", "--notebooks", series, "--out", out, "--quiet"]);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.deepEqual(statusIn(out), { running: true, ahead: aheadHere });
  });

  test("npm run nb: the same, from the startup snapshot too; AGENTCORE_KERNEL_STARTUP=0: not before session()", { timeout: 300_000 }, async () => {
    const out = path.join(work, "out-nb");
    const run = await runNb([path.join(series, "01-status.ipynb"), "--out", out, "-q"]);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.deepEqual(statusIn(out), { running: true, ahead: aheadHere });

    // From the startup snapshot (the default once built): the same, in the child started from the
    // plain bundle (no tsx).
    await fromSnapshot();

    // A folder whose notebooks write no agent: nothing is checked ahead (a whole core's work, wasted).
    const plain = path.join(work, "plain");
    mkdirSync(plain);
    writeFileSync(path.join(plain, "01-status.ipynb"), notebook(false));
    const plainOut = path.join(work, "out-plain");
    const noAgents = await runNb([path.join(plain, "01-status.ipynb"), "--out", plainOut, "-q"]);
    assert.equal(noAgents.code, 0, noAgents.stdout + noAgents.stderr);
    assert.deepEqual(statusIn(plainOut), { running: false, ahead: [] });

    const offOut = path.join(work, "out-off");
    const off = await runNb([path.join(series, "01-status.ipynb"), "--out", offOut, "-q"], { AGENTCORE_KERNEL_STARTUP: "0" });
    assert.equal(off.code, 0, off.stdout + off.stderr);
    assert.deepEqual(statusIn(offOut), { running: false, ahead: [] });
  });
});

test("the Jupyter kernel's entry starts it as it loads, in the kernel's folder", { timeout: 120_000 }, async () => {
  // The entry's startup part, without tslab's main (which waits for Jupyter's connection file).
  const probe = [
    'const main = require.resolve("tslab/dist/main.js");',
    "require.cache[main] = { id: main, filename: main, loaded: true, exports: { main() {} } };",
    `require(${JSON.stringify(path.join(projectRoot, "scripts", "tslab-kernel.cjs"))});`,
    'require("tsx/cjs");',
    `const service = require(${JSON.stringify(SERVICE)});`,
    "const status = service.agentCheckerStatus();",
    // The worker works in this host too: it finishes the checks made ahead.
    "console.log(JSON.stringify({ ...status, settled: service.settleAgentChecker() }));",
    "process.exit(0);",
  ].join("\n");
  const { stdout } = await promisify(execFile)(process.execPath, ["-e", probe], { cwd: series });
  assert.deepEqual(JSON.parse(stdout), { running: true, ahead: aheadHere, settled: true });
});
