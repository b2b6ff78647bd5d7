/**
 * Notebook 01's outputs, as a learner reads them: `npm start` against this test's own Local
 * AgentCore, then (1) a scan for stderr, warnings, absolute paths, `undefined` and anything said
 * twice, and (2) each code cell's sanitized output text against the committed reference,
 * reference-output.txt (UPDATE_REFERENCE=1 rewrites it; review the diff before committing).
 * The scan itself is tested in output-checks.test.ts.
 */
import assert from "node:assert/strict";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, describe, test } from "node:test";
import type { Notebook } from "../../lib/runner/notebook-file.js";
import { NOTEBOOK_NAME, ownLocal, projectRoot, readNotebook, runStart, type OwnLocal, type Run } from "./helpers.js";
import { outputProblems, referenceText } from "./output-checks.js";

const REFERENCE = fileURLToPath(new URL("./reference-output.txt", import.meta.url));

describe("notebook 01's outputs after npm start", () => {
  let local: OwnLocal;
  let run: Run;
  let nb: Notebook | undefined;

  before(async () => {
    local = await ownLocal();
    const outDir = path.join(local.tmp, "out");
    run = await runStart(local.env, ["--out", outDir, "--cell-timeout", "300"]);
    const outFile = path.join(outDir, NOTEBOOK_NAME);
    if (existsSync(outFile)) nb = readNotebook(outFile);
  });

  after(async () => {
    await local?.stop();
  });

  test("the run completes", () => {
    assert.equal(run.code, 0, `npm start failed (exit ${run.code}):\n${run.stdout.slice(-4000)}\n${run.stderr.slice(-4000)}`);
    assert.ok(nb);
  });

  test("no stderr, warning, absolute path, undefined or repeated block in any cell", (t) => {
    if (!nb) return t.skip("no executed notebook");
    assert.deepEqual(outputProblems(nb, projectRoot), []);
  });

  test("each code cell's output matches the reference (UPDATE_REFERENCE=1 rewrites it)", (t) => {
    if (!nb) return t.skip("no executed notebook");
    const actual = referenceText(nb);
    if (process.env.UPDATE_REFERENCE === "1") {
      writeFileSync(REFERENCE, actual);
      t.diagnostic(`wrote ${path.relative(projectRoot, REFERENCE)}`);
      return;
    }
    assert.ok(existsSync(REFERENCE), `${REFERENCE} is missing: run this test with UPDATE_REFERENCE=1`);
    assert.equal(actual, readFileSync(REFERENCE, "utf8"), "notebook 01's outputs changed: if that is intended, run with UPDATE_REFERENCE=1 and review the diff");
  });
});
