/**
 * Notebook 01's outputs, as a learner reads them: `npm start` against this test's own Local
 * AgentCore, then (1) a scan for stderr, warnings, absolute paths, `undefined` and anything said
 * twice, and (2) each code cell's sanitized output text against the committed reference,
 * reference-output.txt (UPDATE_REFERENCE=1 rewrites it; review the diff before committing).
 * The scan itself is tested first on small notebooks that break each rule.
 */
import assert from "node:assert/strict";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, describe, test } from "node:test";
import type { CodeCell, Notebook } from "../../lib/runner/notebook-file.js";
import { NOTEBOOK_NAME, ownLocal, projectRoot, readNotebook, runStart, type OwnLocal, type Run } from "./helpers.js";
import { outputProblems, referenceText, sanitize } from "./output-checks.js";

const REFERENCE = fileURLToPath(new URL("./reference-output.txt", import.meta.url));

function notebookOf(...outputs: CodeCell["outputs"][]): Notebook {
  return {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: {},
    cells: outputs.map((o, i) => ({ cell_type: "code", id: `c${i}`, metadata: {}, execution_count: i + 1, source: `step${i}();`, outputs: o })),
  } as Notebook;
}
const out = (text: string): CodeCell["outputs"][number] => ({ output_type: "stream", name: "stdout", text });

describe("the output scan catches what a learner should not see", () => {
  const cases: [string, Notebook, RegExp][] = [
    ["stderr", notebookOf([{ output_type: "stream", name: "stderr", text: "oops\n" }]), /writes to stderr/],
    ["a Node warning", notebookOf([out("(node:123) Warning: NodeVersionSupportWarning: upgrade\n")]), /shows a warning/],
    ["an absolute path", notebookOf([out(`Configured: ${path.join(projectRoot, "notebooks", ".agentcore.json")}\n`)]), /absolute path/],
    ["a path outside the project", notebookOf([out("config: '/home/me/x/.agentcore.json'\n")]), /absolute path: \/home\/me\/x\/.agentcore.json/],
    ["undefined", notebookOf([out("{ executionRole: undefined }\n")]), /"undefined"/],
    ["a line said three times", notebookOf([out("Agent runtime x: READY\nREADY\nREADY\nREADY\n")]), /says "READY" 3 times/],
    ["a cell repeating another", notebookOf([out("✓ deleted role r\n")], [out("✓ deleted role r\n")]), /repeats the output of cell 1/],
  ];
  for (const [what, nb, expected] of cases) {
    test(what, () => {
      const problems = outputProblems(nb, projectRoot);
      assert.ok(problems.some((p) => expected.test(p)), `expected ${expected} in ${JSON.stringify(problems)}`);
    });
  }

  test("URLs, ARNs and s3:// addresses are not paths", () => {
    const nb = notebookOf([out("at http://127.0.0.1:4599/_local/openai/v1, arn:aws:iam::123456789012:role/service/x, s3://bucket/a/b.zip\n")]);
    assert.deepEqual(outputProblems(nb, projectRoot), []);
  });

  test("sanitizing keeps the answer and drops what changes between runs", () => {
    assert.equal(
      sanitize("Target: local (Local AgentCore at http://127.0.0.1:41234), region us-east-1, account 673153977561\nThe weather right now is: sunny."),
      "Target: local (Local AgentCore at http://127.0.0.1:<port>), region us-east-1, account <account>\nThe weather right now is: sunny.",
    );
  });
});

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
