/**
 * Notebook 01's outputs, as a learner reads them: `npm start` against this test's own Local
 * AgentCore, with the runner's output regression (`--compare test/reference/`, after the built-in
 * sanitizers and the notebook's own), then a scan of the executed notebook for stderr, warnings,
 * absolute paths, `undefined` and anything said twice. When the outputs change on purpose,
 * regenerate the reference with `npm run nb:reference` and review the diff. The scan itself is
 * tested in output-checks.test.ts.
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import type { Notebook } from "../../lib/runner/notebook-file.js";
import { NOTEBOOK_NAME, ownLocal, projectRoot, readNotebook, runStart, type OwnLocal, type Run } from "./helpers.js";
import { outputProblems } from "./output-checks.js";

const REFERENCE_DIR = path.join(projectRoot, "test", "reference");
const SANITIZERS = path.join(REFERENCE_DIR, NOTEBOOK_NAME.replace(/\.ipynb$/, ".sanitize.cfg"));

describe("notebook 01's outputs after npm start", () => {
  let local: OwnLocal;
  let run: Run;
  let nb: Notebook | undefined;

  before(async () => {
    local = await ownLocal();
    const outDir = path.join(local.tmp, "out");
    run = await runStart(local.env, ["--out", outDir, "--cell-timeout", "300", "--compare", REFERENCE_DIR, "--sanitize-with", SANITIZERS]);
    const outFile = path.join(outDir, NOTEBOOK_NAME);
    if (existsSync(outFile)) nb = readNotebook(outFile);
  });

  after(async () => {
    await local?.stop();
  });

  test("the run completes and each code cell's outputs match the reference", () => {
    assert.equal(
      run.code,
      0,
      `npm start failed (exit ${run.code}):\n${run.stdout.slice(-4000)}\n${run.stderr.slice(-4000)}\nIf the notebook's outputs changed on purpose: npm run nb:reference`,
    );
    assert.match(run.stdout, new RegExp(`✓ outputs match test/reference/${NOTEBOOK_NAME.replace(/\./g, "\\.")} \\(\\d+ cells compared`));
    assert.ok(nb);
  });

  test("no stderr, warning, absolute path, undefined or repeated block in any cell", (t) => {
    if (!nb) return t.skip("no executed notebook");
    assert.deepEqual(outputProblems(nb, projectRoot), []);
  });
});
