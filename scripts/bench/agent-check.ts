/**
 * Notebook 01's first agent check as a new kernel makes it (a fresh process: nothing parsed, the
 * project's TypeScript loaded from its code cache): answered from the check's record against the
 * full check (records off), alternating. The time is the check's own, from loading TypeScript to
 * the answer, as `writeAgentFile` waits for it when the warm worker has not got there first.
 */
import { mkdirSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { PROJECT_DIR } from "./own-local.js";
import { mustSucceed, runTimed } from "./processes.js";
import { type Bench, result } from "./result.js";
import { median } from "./stats.js";

const CELL_GOAL_MS = 1000;

/** Milliseconds of one check of the tutorial's first agent, as notebook 01 writes it, in a new process. */
async function checkInNewProcess(records: string, expect: "record" | "full"): Promise<number> {
  const lib = (f: string) => JSON.stringify(pathToFileURL(path.join(PROJECT_DIR, "lib", "notebook", f)).href);
  const script = [
    `const { checkAgentTextAhead, parseStats } = await import(${lib("agent-check.ts")});`,
    `const { tutorialAgentsIn } = await import(${lib("agent-check-service.ts")});`,
    `const [{ file, text }] = tutorialAgentsIn(${JSON.stringify(path.join(PROJECT_DIR, "notebooks"))});`,
    "const t0 = performance.now();",
    "const errors = checkAgentTextAhead(file, text);",
    "const ms = performance.now() - t0;",
    "if (errors.length > 0) throw new Error(JSON.stringify(errors));",
    "process.stdout.write(JSON.stringify({ ms, recorded: parseStats.recorded }));",
  ].join("\n");
  const run = mustSucceed(
    "agent check",
    await runTimed(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
      cwd: PROJECT_DIR,
      env: { ...process.env, AGENTCORE_AGENT_CHECK_RECORDS: records },
      timeoutMs: 120_000,
    }),
  );
  const { ms, recorded } = JSON.parse(run.output.trim().split("\n").pop()!) as { ms: number; recorded: number };
  if ((expect === "record") !== recorded > 0) throw new Error(`agent check: expected ${expect === "record" ? "an answer from the record" : "a full check"}`);
  return ms;
}

export const agentCheckBench: Bench = {
  id: "agent-check",
  title: "Notebook 01's first agent check in a new process: from its record vs the full check",
  async run(ctx) {
    const pairs = ctx.quick ? 2 : 5;
    const records = path.join(ctx.tmp, "agent-check-records");
    mkdirSync(records, { recursive: true });
    await checkInNewProcess(records, "full"); // writes the record, as npm ci does
    const recorded: number[] = [];
    const full: number[] = [];
    for (let i = 0; i < pairs; i++) {
      recorded.push(await checkInNewProcess(records, "record"));
      full.push(await checkInNewProcess("0", "full"));
      ctx.log(`agent check: from the record ${recorded.at(-1)!.toFixed(0)} ms, full ${full.at(-1)!.toFixed(0)} ms`);
    }
    const value = median(recorded);
    return [
      result({
        name: "agent-check.first-agent",
        unit: "ms",
        value,
        baseline: median(full),
        goal: `≤ ${CELL_GOAL_MS} ms (a cell with no AWS work)`,
        met: value <= CELL_GOAL_MS,
        runs: pairs,
      }),
    ];
  },
};
