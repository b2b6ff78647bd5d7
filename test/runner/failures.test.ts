/**
 * Failing runs: the run stops at the first failing cell, saves the notebook so far, names the
 * cell with its first source lines and the error on stderr, and exits 1.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { codeCells, errorOf, fixture, readExecuted, runNb, streamOf, tempDir } from "./helpers.js";

async function runFixture(name: string, ...extra: string[]) {
  const out = await tempDir();
  const run = await runNb([fixture(name), "--out", out, ...extra]);
  return { run, nb: readExecuted(out, name) };
}

describe("failures", () => {
  test("a type error fails the run with exit 1, naming the cell", async () => {
    const { run, nb } = await runFixture("type-error.ipynb");
    assert.equal(run.code, 1);
    assert.match(run.stderr, /✗ cell 2 \(execution count \[2\]\) failed/);
    assert.match(run.stderr, /│ const total: number = n \+ 1;/);
    assert.match(run.stderr, /TypeScriptError: 2:7 - Type 'number' is not assignable to type 'string'\./);
    const [first, second, third] = codeCells(nb);
    assert.equal(streamOf(first!, "stdout"), "before 1\n");
    const err = errorOf(second!);
    assert.equal(err?.ename, "TypeScriptError");
    assert.equal(err?.evalue, "2:7 - Type 'number' is not assignable to type 'string'.");
    // stopped: the next cell never ran, and the notebook so far was saved
    assert.equal(third!.execution_count, null);
    assert.deepEqual(third!.outputs, []);
    assert.equal((nb.metadata.headless as { status: string; failed_cell: string }).failed_cell, "cell 2");
  });

  test("a thrown error becomes an error output with ename, evalue and traceback", async () => {
    const { run, nb } = await runFixture("thrown-error.ipynb");
    assert.equal(run.code, 1);
    const err = errorOf(codeCells(nb)[1]!);
    assert.ok(err);
    assert.equal(err.ename, "RangeError");
    assert.equal(err.evalue, "value out of range: 7");
    assert.equal(err.traceback[0], "RangeError: value out of range: 7");
    assert.match(err.traceback[1]!, /at explode \(evalmachine\.<anonymous>/);
    assert.ok(!err.traceback.some((l) => /tslab[\\/]dist|lib[\\/]runner|scripts[\\/]nb/.test(l)), err.traceback.join("\n"));
    assert.match(run.stderr, /✗ cell 2 \(execution count \[2\]\) failed/);
    assert.match(run.stderr, /RangeError: value out of range: 7/);
    assert.equal(codeCells(nb)[2]!.execution_count, null);
  });

  test("--cell-timeout interrupts a cell that awaits forever", async () => {
    const { run, nb } = await runFixture("timeout.ipynb", "--cell-timeout", "1");
    assert.equal(run.code, 1);
    const [first, hung, after] = codeCells(nb);
    assert.equal(streamOf(first!, "stdout"), "started\n");
    assert.equal(errorOf(hung!)?.ename, "TimeoutError", errorOf(hung!)?.evalue);
    assert.match(run.stderr, /TimeoutError: cell did not finish within --cell-timeout 1 s/);
    assert.equal(after!.execution_count, null);
  });

  test("--cell-timeout also breaks a synchronous busy loop", async () => {
    const { run, nb } = await runFixture("timeout-sync.ipynb", "--cell-timeout", "0.5");
    assert.equal(run.code, 1);
    assert.equal(errorOf(codeCells(nb)[0]!)?.ename, "TimeoutError", errorOf(codeCells(nb)[0]!)?.evalue);
    assert.equal(codeCells(nb)[1]!.execution_count, null);
  });

  test("raises-exception on a cell that does not throw fails the run", async () => {
    const { run, nb } = await runFixture("missing-error.ipynb");
    assert.equal(run.code, 1);
    assert.match(run.stderr, /MissingExpectedError: the cell is tagged "raises-exception" but raised no error/);
    assert.equal(codeCells(nb)[1]!.execution_count, null);
  });

  test("JUnit marks the failing cell as a failure and the rest as skipped", async () => {
    const out = await tempDir();
    const junit = `${out}/junit.xml`;
    const run = await runNb([fixture("thrown-error.ipynb"), "--out", out, "--junit", junit]);
    assert.equal(run.code, 1);
    const { readFileSync } = await import("node:fs");
    const xml = readFileSync(junit, "utf8");
    assert.match(xml, /tests="3" failures="1"[^>]* skipped="1"/);
    assert.match(xml, /<failure message="RangeError: value out of range: 7" type="RangeError"/);
  });
});
