/**
 * The output scan and the sanitizer behind test/notebook01/outputs.test.ts, on small notebooks
 * that break each rule: a check that cannot fail would prove nothing.
 */
import assert from "node:assert/strict";
import path from "node:path";
import { describe, test } from "node:test";
import type { CodeCell, Notebook } from "../../lib/runner/notebook-file.js";
import { projectRoot } from "./helpers.js";
import { outputProblems, sanitize } from "./output-checks.js";

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

  test("a second run's recreated runtime reads as the first run's created one", () => {
    assert.equal(
      sanitize("Agent runtime strands_agents_openai-AbCdEfGhIj no longer exists (deleted outside this notebook): creating it again.\nRecreated agent runtime strands_agents_openai-AbCdEfGhIj (version 1).\n  action: 'recreated',"),
      "Created agent runtime strands_agents_openai-<id> (version 1).\n  action: 'created',",
    );
  });
});
