/**
 * The warm agent checker: a worker that session() starts, which parses the tutorial agents'
 * packages in the background, then answers writeAgentFile's checks synchronously. Its answers
 * must be the in-thread check's (the same errors, never a cached verdict for a changed file).
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { agentCheckCache, checkAgentFile, startAgentChecker, stopAgentChecker, WARM_UP_AGENTS } from "../../lib/notebook/agent-check-service.js";
import { checkAgentFileHere } from "../../lib/notebook/agent-check.js";
import { AgentFileTypeError, writeAgentFile } from "../../lib/notebook/agent-file.js";

const PROJECT = join(import.meta.dirname, "..", "..");
let dir: string;

before(() => {
  mkdirSync(join(PROJECT, "out"), { recursive: true });
  dir = mkdtempSync(join(PROJECT, "out", "test-agent-check-"));
  startAgentChecker();
});
after(() => {
  stopAgentChecker();
  rmSync(dir, { recursive: true, force: true });
});

test("the worker checks, after its warm-up has parsed the packages the tutorial agents import", () => {
  const errors = checkAgentFile(WARM_UP_AGENTS[0]!);
  assert.deepEqual(errors, []);
  assert.equal(agentCheckCache.worker, true, "answered by the worker");
  const parsedAfterWarmUp = agentCheckCache.parsed;
  assert.ok(agentCheckCache.reused > 500, `the warm-up's parsed files were reused (${agentCheckCache.reused})`);

  const agent = join(dir, "like_the_tutorial.ts");
  writeFileSync(agent, 'import { Agent } from "@strands-agents/sdk";\nimport { z } from "zod";\nexport const a: Agent | undefined = undefined;\nexport const s = z.string();\n');
  assert.deepEqual(checkAgentFile(agent), []);
  assert.equal(agentCheckCache.parsed, parsedAfterWarmUp + 1, "only the new file was parsed");
});

test("the worker finds the same errors as the in-thread check, and an edited file is checked as it now is", () => {
  const agent = join(dir, "edited.ts");
  writeFileSync(agent, "export const n: number = 1;\n");
  assert.deepEqual(checkAgentFile(agent), []);
  writeFileSync(agent, 'export const n: number = "one";\nimport { nothing } from "@strands-agents/sdk";\n');
  const fromWorker = checkAgentFile(agent);
  assert.equal(agentCheckCache.worker, true);
  assert.equal(fromWorker.length, 2, JSON.stringify(fromWorker));
  assert.deepEqual(fromWorker, checkAgentFileHere(agent));
  assert.match(fromWorker[0]!.message, /Type 'string' is not assignable to type 'number'/);
});

test("writeAgentFile through the worker still stops on a type error", () => {
  assert.throws(
    () => writeAgentFile(join(dir, "broken.ts"), "const x: number = 'no';\nexport {};\n", { log: null }),
    (e: unknown) => e instanceof AgentFileTypeError && e.errors.length === 1 && e.errors[0]!.line === 1,
  );
  assert.equal(agentCheckCache.worker, true);
});

test("without the worker, the file is checked in this thread with the same result", () => {
  stopAgentChecker();
  const agent = join(dir, "no_worker.ts");
  writeFileSync(agent, "export const n: number = 'x';\n");
  const errors = checkAgentFile(agent);
  assert.equal(agentCheckCache.worker, false);
  assert.equal(errors.length, 1);
  startAgentChecker();
});
