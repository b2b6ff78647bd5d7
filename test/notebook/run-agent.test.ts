/**
 * runAgentLocally's child process: one Node with tsx's loader, the payload passed verbatim (no
 * shell), a stuck agent stopped at the timeout with its signal reported.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { AgentRunError, runAgentLocally } from "../../lib/notebook/run-agent.js";

const projectDir = join(import.meta.dirname, "..", "..");
let dir: string;

before(() => {
  // In the project, as agent files are (they resolve packages from there); out/ is ignored by git.
  dir = mkdtempSync(join(projectDir, "out", "run-agent-test-"));
});

after(() => rmSync(dir, { recursive: true, force: true }));

test("the payload reaches the agent verbatim, TypeScript runs, and the agent is one Node process", async () => {
  const file = join(dir, "echo.ts");
  writeFileSync(
    file,
    `const payload: string = process.argv[2] ?? "";\n` +
      `console.log(JSON.stringify({ payload, parent: process.ppid }));\n`,
  );
  const tricky = `{"prompt": "it's $HOME \`id\` \\"quoted\\" ; rm -rf / | cat"}`;
  const out = JSON.parse(await runAgentLocally(file, tricky, { quiet: true })) as { payload: string; parent: number };
  assert.equal(out.payload, tricky);
  // Started as `node --import tsx file`, not through tsx's CLI, which starts a second Node.
  assert.equal(out.parent, process.pid);
});

test("an agent that does not finish is stopped at the timeout and reported with the signal", async () => {
  const file = join(dir, "stuck.ts");
  writeFileSync(file, `console.log("starting");\nsetInterval(() => {}, 1000);\n`);
  const started = Date.now();
  await assert.rejects(runAgentLocally(file, {}, { quiet: true, timeoutMs: 1500 }), (e: unknown) => {
    assert.ok(e instanceof AgentRunError);
    assert.equal(e.signal, "SIGTERM");
    assert.match(e.message, /was stopped by SIGTERM:\nstarting/);
    return true;
  });
  assert.ok(Date.now() - started < 10_000);
});
