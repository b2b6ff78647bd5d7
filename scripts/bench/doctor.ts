/**
 * The doctor as notebook 01's machine-check cell runs it: `doctor()` in this process (only the
 * required checks, the only ones its line shows) against `npm run -s doctor` as a child process
 * (every check, what the cell once ran), both against this bench's own Local AgentCore. Also every
 * check in process (the CLI's work without the process start), for where the time goes.
 */
import { runChecks } from "../../lib/doctor/checks.js";
import { doctor } from "../../lib/doctor/summary.js";
import { PROJECT_DIR, startOwnLocal } from "./own-local.js";
import { mustSucceed, runTimed } from "./processes.js";
import { type Bench, result } from "./result.js";
import { median, since } from "./stats.js";

const NPM = process.platform === "win32" ? "npm.cmd" : "npm";

export const doctorBench: Bench = {
  id: "doctor",
  title: "Doctor: the notebook cell's doctor() in process vs npm run -s doctor (child process)",
  async run(ctx) {
    const runs = ctx.quick ? 3 : 7;
    const local = await startOwnLocal("doctor");
    try {
      const env = local.env;
      const inProcess: number[] = [];
      const allChecks: number[] = [];
      const child: number[] = [];
      for (let i = 0; i <= runs; i++) {
        let t0 = performance.now();
        await doctor("local", { env, log: () => {} });
        const a = since(t0);
        t0 = performance.now();
        const checks = await runChecks("local", { env });
        const b = since(t0);
        if (!checks.find((c) => c.name === "Local AgentCore")?.ok) throw new Error("the doctor did not find the bench's Local AgentCore");
        const c = mustSucceed("npm run -s doctor", await runTimed(NPM, ["run", "-s", "doctor"], { cwd: PROJECT_DIR, env, timeoutMs: 120_000 })).ms;
        if (i === 0) continue; // warm-up: module loads, disk caches
        inProcess.push(a);
        allChecks.push(b);
        child.push(c);
      }
      ctx.log(`doctor: in process ${median(inProcess).toFixed(1)} ms, every check in process ${median(allChecks).toFixed(0)} ms, child process ${median(child).toFixed(0)} ms`);
      const cell = median(inProcess);
      return [
        result({ name: "doctor.notebook-cell", unit: "ms", value: cell, baseline: median(child), goal: "≤ 1000 ms (no AWS work)", met: cell <= 1000, runs }),
        result({ name: "doctor.all-checks-in-process", unit: "ms", value: median(allChecks), baseline: median(child), goal: "reported", met: true, runs }),
      ];
    } finally {
      await local.stop();
    }
  },
};
