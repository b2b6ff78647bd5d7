/**
 * A run passes only when every cell ran: a cell that ends the process (exit, abort, a fatal
 * signal), an error thrown in the background, a notebook for another kernel, a cell waiting on
 * standard input and processes left behind are each reported, and all but the last fail the run.
 */
import assert from "node:assert/strict";
import { copyFileSync, existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, test } from "node:test";
import { codeCells, errorOf, fixture, readExecuted, runNb, streamOf, tempDir } from "./helpers.js";

async function runFixture(name: string, ...extra: string[]) {
  const out = await tempDir();
  const run = await runNb([fixture(name), "--out", out, ...extra]);
  const saved = path.join(out, name);
  return { run, out, nb: existsSync(saved) ? readExecuted(out, name) : undefined };
}

/** Running, not a zombie waiting to be reaped (a killed orphan's new parent may be slow to reap). */
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return true; // no /proc (macOS): signal 0 said it exists
  }
};

/** Polls until `pid` is gone (a killed process is reaped by its new parent a moment later). */
async function gone(pid: number, tries = 100): Promise<boolean> {
  for (let i = 0; i < tries; i++) {
    if (!alive(pid)) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

describe("a cell that ends the process fails the run, naming the cell, with the notebook so far saved", () => {
  for (const [name, how] of [
    ["process-exit.ipynb", /process\.exit\(0\)|exited with code 0/],
    ["process-abort.ipynb", /SIGABRT/],
    ["fatal-signal.ipynb", /SIGSEGV/],
  ] as const) {
    test(name, async () => {
      const { run, nb } = await runFixture(name);
      assert.equal(run.code, 1, run.stdout + run.stderr);
      assert.match(run.stderr, /✗ cell 2 .*failed/);
      assert.match(run.stderr, how);
      assert.ok(nb, "the executed notebook so far is saved");
      const [first, second, third] = codeCells(nb);
      assert.match(streamOf(first!, "stdout"), /^before the/);
      const err = errorOf(second!);
      assert.equal(err?.ename, "ProcessEnded");
      assert.match(err!.evalue, how);
      assert.equal(third!.execution_count, null);
      const meta = nb.metadata.headless as Record<string, unknown>;
      assert.equal(meta.status, "failed");
      assert.equal(meta.failed_cell, "cell 2");
    });
  }

  test("the JUnit report names the cell that ended the process", async () => {
    const out = await tempDir();
    const junit = path.join(out, "junit.xml");
    const run = await runNb([fixture("process-exit.ipynb"), "--out", out, "--junit", junit]);
    assert.equal(run.code, 1);
    assert.match(readFileSync(junit, "utf8"), /<failure message="ProcessEnded: [^"]*process\.exit\(0\)/);
  });
});

test("written over its own input (--out the notebook's folder), the notebook so far is still saved", async () => {
  const dir = await tempDir();
  const input = path.join(dir, "process-exit.ipynb");
  copyFileSync(fixture("process-exit.ipynb"), input);
  const run = await runNb([input, "--out", dir]);
  assert.equal(run.code, 1, run.stdout + run.stderr);
  const nb = readExecuted(dir, "process-exit.ipynb");
  assert.equal(errorOf(codeCells(nb)[1]!)?.ename, "ProcessEnded");
});

describe("errors thrown in the background", () => {
  test("an error thrown in a timer after its cell fails the run by default, recorded as an error output", async () => {
    const { run, nb } = await runFixture("timer-error.ipynb");
    assert.equal(run.code, 1, run.stdout + run.stderr);
    assert.match(run.stderr, /Error: thrown in a timer/);
    const cells = codeCells(nb!);
    const withError = cells.filter((c) => errorOf(c)?.evalue === "thrown in a timer");
    assert.equal(withError.length, 1, "one cell carries the background error");
    assert.equal(cells[2]!.execution_count, null, "the run stopped");
    assert.equal((nb!.metadata.headless as Record<string, unknown>).status, "failed");
  });

  test("an unhandled promise rejection fails the run by default", async () => {
    const { run, nb } = await runFixture("unhandled-rejection.ipynb");
    assert.equal(run.code, 1, run.stdout + run.stderr);
    const [first] = codeCells(nb!);
    const err = errorOf(first!);
    assert.equal(err?.ename, "TypeError");
    assert.equal(err?.evalue, "nobody handles this rejection");
    assert.match(err!.traceback[0]!, /unhandled promise rejection/i);
  });

  test("--allow-background-errors keeps tslab's lenient behaviour: recorded, warned, the run goes on and passes", async () => {
    const { run, nb } = await runFixture("timer-error.ipynb", "--allow-background-errors");
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.match(run.stderr, /--allow-background-errors/);
    const cells = codeCells(nb!);
    assert.equal(streamOf(cells[2]!, "stdout"), "last cell\n");
    assert.equal(cells.filter((c) => errorOf(c)?.evalue === "thrown in a timer").length, 1);
  });
});

describe("the kernelspec", () => {
  test("a notebook for another kernel is refused up front with exit 2", async () => {
    const { run, nb } = await runFixture("python-kernel.ipynb");
    assert.equal(run.code, 2, run.stdout + run.stderr);
    assert.match(run.stderr, /python3.*not a TypeScript \(tslab\) notebook/);
    assert.doesNotMatch(run.stdout + run.stderr, /print/);
    assert.equal(nb, undefined, "nothing ran, nothing is written");
  });

  test("a notebook with no kernelspec runs as TypeScript, with a warning", async () => {
    const { run, nb } = await runFixture("no-kernelspec.ipynb");
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.match(run.stderr, /warning: .*no kernelspec.*TypeScript/);
    assert.equal(streamOf(codeCells(nb!)[0]!, "stdout"), "ran as TypeScript: 42\n");
  });
});

test("a cell reading standard input gets end-of-input at once, not the runner's own stdin", { timeout: 120_000 }, async () => {
  // runNb leaves the runner's stdin an open pipe that never ends: a cell reading it would hang until the timeout.
  const { run, nb } = await runFixture("stdin-read.ipynb", "--cell-timeout", "30");
  assert.equal(run.code, 0, run.stdout + run.stderr);
  const [reader, next] = codeCells(nb!);
  assert.equal(streamOf(reader!, "stdout"), "stdin ended with 0 chunks\n");
  assert.equal(streamOf(next!, "stdout"), "after stdin\n");
});

describe("processes a run leaves behind", () => {
  test("are reported in the summary and left alone by default", async () => {
    const { run, nb } = await runFixture("child-processes.ipynb");
    const pids = JSON.parse(streamOf(codeCells(nb!)[0]!, "stdout")) as { forgotten: number; server: number };
    try {
      assert.equal(run.code, 0, run.stdout + run.stderr);
      assert.match(run.stdout + run.stderr, new RegExp(`left running: .*\\b${pids.forgotten}\\b.*sleep 300`, "s"));
      assert.match(run.stdout + run.stderr, new RegExp(`\\b${pids.server}\\b.*sleep 301.*detached`));
      assert.match(run.stdout + run.stderr, /--kill-children/);
      assert.ok(alive(pids.forgotten) && alive(pids.server));
    } finally {
      for (const pid of [pids.forgotten, pids.server]) if (alive(pid)) process.kill(pid, "SIGKILL");
    }
  });

  test("--kill-children stops them all, detached ones included", async () => {
    const { run, nb } = await runFixture("child-processes.ipynb", "--kill-children");
    const pids = JSON.parse(streamOf(codeCells(nb!)[0]!, "stdout")) as { forgotten: number; server: number };
    try {
      assert.equal(run.code, 0, run.stdout + run.stderr);
      assert.match(run.stdout + run.stderr, /killed 2 processes/);
      assert.ok(await gone(pids.forgotten), "the forgotten child was killed");
      assert.ok(await gone(pids.server), "the detached child was killed");
    } finally {
      for (const pid of [pids.forgotten, pids.server]) if (alive(pid)) process.kill(pid, "SIGKILL");
    }
  });
});
