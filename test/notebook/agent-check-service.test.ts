/**
 * The warm agent checker: a worker that session() starts, which parses the tutorial agents'
 * packages in the background, then answers writeAgentFile's checks synchronously. Its answers
 * must be the in-thread check's (the same errors, never a cached verdict for a changed file).
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  agentCheckCache,
  checkAgentFile,
  settleAgentChecker,
  startAgentChecker,
  stopAgentChecker,
  tutorialAgentsIn,
  WARM_UP_AGENTS,
} from "../../lib/notebook/agent-check-service.js";
import { checkAgentFileHere } from "../../lib/notebook/agent-check.js";
import { AgentFileTypeError, writeAgentFile } from "../../lib/notebook/agent-file.js";

const PROJECT = join(import.meta.dirname, "..", "..");
let dir: string;

before(() => {
  mkdirSync(join(PROJECT, "out"), { recursive: true });
  dir = mkdtempSync(join(PROJECT, "out", "test-agent-check-"));
  process.env.AGENTCORE_AGENT_CHECK_RECORDS = join(dir, ".records"); // the worker's records: this test's own
  startAgentChecker();
});
after(() => {
  stopAgentChecker();
  rmSync(dir, { recursive: true, force: true });
});

test("the worker checks, and keeps the packages the tutorial agents import parsed for the next check", () => {
  const errors = checkAgentFile(WARM_UP_AGENTS[0]!);
  assert.deepEqual(errors, []);
  assert.equal(agentCheckCache.worker, true, "answered by the worker");
  assert.equal(settleAgentChecker(), true); // the warm-up, queued behind the check, is done too
  checkAgentFile(WARM_UP_AGENTS[0]!);
  const parsedAfterWarmUp = agentCheckCache.parsed;
  assert.ok(agentCheckCache.reused + agentCheckCache.parsed > 500, `the packages were parsed (${agentCheckCache.parsed})`);

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

/** The worker's count of checks answered by a check of the very same program made ahead: in its memory, or from the check's record. */
function answeredAhead(): number {
  checkAgentFile(join(dir, "probe.ts")); // any check brings the worker's current counts back
  return agentCheckCache.sameProgram + agentCheckCache.recorded;
}

test("a tutorial agent written as it was checked ahead is answered by that check; with a type error it is checked in full and rejected as before", () => {
  const folder = join(dir, "notebook");
  mkdirSync(folder);
  writeFileSync(join(dir, "probe.ts"), "export {};\n");
  startAgentChecker({ ahead: tutorialAgentsIn(folder) });
  assert.equal(settleAgentChecker(), true);
  const template = readFileSync(WARM_UP_AGENTS[0]!, "utf8");
  const file = join(folder, "strands_agents_openai.ts");

  const before = answeredAhead();
  writeAgentFile(file, template, { log: null });
  assert.equal(agentCheckCache.worker, true);
  assert.equal(agentCheckCache.sameProgram + agentCheckCache.recorded, before + 1, "the check made ahead answered");

  // The same agent with one type error, written after the clean one: checked in full, same message as a cold check here.
  const broken = template + 'export const wrong: number = "not a number";\n';
  const rejected = (() => {
    try {
      writeAgentFile(file, broken, { log: null });
    } catch (e) {
      return e;
    }
    return undefined;
  })();
  assert.ok(rejected instanceof AgentFileTypeError, "rejected");
  assert.equal(agentCheckCache.sameProgram + agentCheckCache.recorded, before + 1, "not answered by the check made ahead");
  assert.deepEqual(rejected.errors, checkAgentFileHere(file));
  assert.equal(rejected.errors.length, 1);
  assert.match(rejected.errors[0]!.message, /Type 'string' is not assignable to type 'number'/);
  assert.equal(rejected.errors[0]!.line, template.split("\n").length);
});

test("a check made ahead is not reused once a file the agent imports has changed", () => {
  const folder = join(dir, "imports");
  mkdirSync(folder);
  const helper = join(folder, "helper.ts");
  const agent = join(folder, "agent.ts");
  const text = 'import { n } from "./helper.js";\nexport const m: number = n;\n';
  writeFileSync(helper, "export const n: number = 1;\n");
  startAgentChecker({ ahead: [{ file: agent, text }] });
  assert.equal(settleAgentChecker(), true);
  writeFileSync(helper, 'export const n: string = "1";\n');
  assert.throws(
    () => writeAgentFile(agent, text, { log: null }),
    (e: unknown) => e instanceof AgentFileTypeError && /Type 'string' is not assignable to type 'number'/.test(e.errors[0]?.message ?? ""),
  );
});

test("a check made ahead is not reused once an import resolves to a file that was missing", () => {
  const folder = join(dir, "resolution");
  mkdirSync(folder);
  const agent = join(folder, "agent.ts");
  const text = 'import { n } from "./dep.js";\nexport const m: number = n;\n';
  startAgentChecker({ ahead: [{ file: agent, text }] });
  assert.equal(settleAgentChecker(), true);
  writeFileSync(join(folder, "dep.ts"), "export const n = 1;\n");
  assert.doesNotThrow(() => writeAgentFile(agent, text, { log: null }));
  assert.equal(agentCheckCache.worker, true);
});

test("one checker per process, even when the library is loaded twice", async () => {
  const second = (await import(`../../lib/notebook/agent-check-service.js?second=${Date.now()}`)) as typeof import("../../lib/notebook/agent-check-service.js");
  assert.notEqual(second.checkAgentFile, checkAgentFile, "a second instance of the module");
  second.startAgentChecker(); // finds the running one
  const agent = join(dir, "second.ts");
  writeFileSync(agent, "export const n: number = 'x';\n");
  assert.equal(second.checkAgentFile(agent).length, 1);
  assert.equal(second.agentCheckCache.worker, true, "the running worker answered");
  second.stopAgentChecker();
  assert.equal(checkAgentFile(agent).length, 1);
  assert.equal(agentCheckCache.worker, false, "stopped for both");
  startAgentChecker();
});

test("the worker yields the CPU: on Linux its thread runs at a lower priority than the thread that runs the cells", { skip: process.platform !== "linux" }, () => {
  assert.equal(settleAgentChecker(), true, "the checker runs");
  // Each thread's nice value is field 19 of /proc/self/task/<tid>/stat (after the command name in parentheses).
  const niceOf = (tid: string) => Number(readFileSync(`/proc/self/task/${tid}/stat`, "utf8").replace(/^.*\) /s, "").split(" ")[16]);
  const main = niceOf(String(process.pid));
  const threads = readdirSync("/proc/self/task").map(niceOf);
  assert.ok(
    threads.some((n) => n >= Math.min(19, main + 10)),
    `a thread at nice ${main} + 10 (the checker's); threads' nice values: ${threads.join(", ")}`,
  );
});
