/**
 * `npm run nb` starts the cells' process before it loads the rest of the runner: the run uses that
 * very child (its cells print its pid); a command line after which no notebook runs (help, version,
 * the parameter listing) starts none, nor one asking for a --require module (which may need another
 * kind of child); a child that has ended is not used, and the run starts its own.
 */
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { prestartChild, ReusableChild } from "../../lib/runner/child-process.js";
import { runNotebookSupervised } from "../../lib/runner/supervised-run.js";
import { codeCells, codeNotebook, readExecuted, streamOf, tempDir } from "./helpers.js";

const NOTEBOOK = codeNotebook(["console.log(`pid ${process.pid}`);"]);

async function runWith(keep: ReusableChild | undefined): Promise<string> {
  const dir = await tempDir("nb-prestart-");
  writeFileSync(path.join(dir, "pid.ipynb"), NOTEBOOK);
  const out = path.join(dir, "out");
  const { code } = await runNotebookSupervised({ notebookPath: path.join(dir, "pid.ipynb"), outDir: out, echo: false }, keep);
  assert.equal(code, 0);
  return /pid (\d+)/.exec(streamOf(codeCells(readExecuted(out, "pid.ipynb"))[0]!, "stdout"))![1]!;
}

test("the run uses the child started before it", { timeout: 120_000 }, async () => {
  const keep = prestartChild(["notebooks/x.ipynb", "--out", "out/"]);
  assert.ok(keep?.pending, "a child is starting");
  const early = await keep.pending;
  assert.equal(await runWith(keep), String(early.pid));
  keep.close();
});

test("no child for help, version, the parameter listing, a --require module, or no arguments", () => {
  for (const argv of [[], ["--help"], ["x.ipynb", "-h"], ["-V"], ["--version"], ["x.ipynb", "--list-parameters"], ["x.ipynb", "-r", "./setup.cjs"], ["x.ipynb", "--require=./setup.cjs"]]) {
    assert.equal(prestartChild(argv), undefined, argv.join(" "));
  }
});

test("a child that ended before the run is not used: the run starts its own", { timeout: 120_000 }, async () => {
  const keep = prestartChild(["x.ipynb"])!;
  const early = await keep.pending!;
  const gone = new Promise((resolve) => early.once("exit", resolve));
  early.kill("SIGKILL");
  await gone;
  const pid = await runWith(keep);
  keep.close(); // the run's own child, kept for a next notebook
  assert.notEqual(pid, String(early.pid));
});

test("the cells' child does not inherit npm run nb's preload (it would fork a child of its own), whatever form it was given in", async () => {
  const { createRequire } = await import("node:module");
  const req = createRequire(import.meta.url);
  const early = req.resolve("../../lib/runner/early-child.cjs");
  const { inheritedExecArgv } = req("../../lib/runner/snapshot-key.cjs") as { inheritedExecArgv(execArgv: string[]): string[] };
  const relative = path.relative(process.cwd(), early);
  for (const given of [["--require", early], ["-r", early], [`--require=${early}`], ["--require", relative]]) {
    assert.deepEqual(inheritedExecArgv([...given, "--import", "tsx", "--test-reporter=spec"]), ["--import", "tsx"], given.join(" "));
  }
  assert.deepEqual(inheritedExecArgv(["--require", "./other.cjs", "--import", "tsx"]), ["--require", "./other.cjs", "--import", "tsx"], "any other preload is kept");
});
