/**
 * The doctor's notebook summary: one line when ready, naming only required checks; the failed
 * required checks with their fixes as the error; optional checks never shown as failures.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Check } from "../../lib/doctor/checks.js";
import { doctor, DoctorError } from "../../lib/doctor/summary.js";

const node: Check = { name: "Node.js", ok: true, required: true, detail: "v20.20.2" };
const deps: Check = { name: "Dependencies", ok: true, required: true, detail: "installed" };
const kernelMissing: Check = { name: "tslab kernel", ok: false, required: false, detail: "not registered", fix: "Run npm run kernel:install." };
const jupyter: Check = { name: "Jupyter", ok: true, required: false, detail: "/usr/bin/python3 -m jupyter" };
const localDown: Check = { name: "Local AgentCore", ok: false, required: true, detail: "not running", fix: "Run npm run local -- start." };

test("ready: one line naming the required checks, optional ones not mentioned", async () => {
  const lines: string[] = [];
  const result = await doctor("local", { log: (l) => lines.push(l), checks: async () => [node, deps, jupyter, kernelMissing] });
  assert.deepEqual(lines, ['✓ Ready for target "local": Node.js, Dependencies.']);
  assert.equal(result, undefined, "nothing for a notebook to display after the line");
});

test("a failed required check fails with its detail and fix; the optional failure is left out", async () => {
  const lines: string[] = [];
  await assert.rejects(
    doctor("local", { log: (l) => lines.push(l), checks: async () => [node, kernelMissing, localDown] }),
    (e: unknown) => {
      assert.ok(e instanceof DoctorError);
      assert.match(e.message, /not ready for target "local"/);
      assert.match(e.message, /✗ Local AgentCore {2}not running\n.*→ Run npm run local -- start\./);
      assert.doesNotMatch(e.message, /tslab kernel|Node\.js/);
      assert.match(e.message, /run this cell again/);
      return true;
    },
  );
  assert.deepEqual(lines, [], "nothing printed on failure: the error says it all");
});

test("the target comes from AGENTCORE_TARGET when not given", async () => {
  const seen: string[] = [];
  const saved = process.env.AGENTCORE_TARGET;
  process.env.AGENTCORE_TARGET = "aws";
  try {
    await doctor(undefined, { log: () => {}, checks: async (target) => (seen.push(target), [node]) });
  } finally {
    if (saved === undefined) delete process.env.AGENTCORE_TARGET;
    else process.env.AGENTCORE_TARGET = saved;
  }
  assert.deepEqual(seen, ["aws"]);
});

test("the summary asks only for the required checks (it never shows the others)", async () => {
  const asked: unknown[] = [];
  await doctor("local", { log: () => {}, python: "/nowhere/python", checks: async (_t, options) => (asked.push(options), [node]) });
  assert.deepEqual(asked, [{ only: "required", python: "/nowhere/python" }]);
});
