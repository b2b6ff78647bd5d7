/**
 * Metric 5, cold paths: (a) a new session's first invoke, from instance start until the answer,
 * for notebook 01's agent (Strands + OpenAI client + bedrock-agentcore, key from the vault, stand-in
 * model; mathjs imported on the first calculation) beside the same agent importing mathjs at the
 * top, with the notebook's first prompt ("Hello", no calculation) and its math prompt; for the
 * runtime-host tests' tutorial agent; and for the trivial echo agent (what the runtime host
 * itself costs); (b) the tutorial
 * library's `launch()` → `waitUntilReady()` for a code deploy with a warm dependency cache.
 */
import { copyFileSync, mkdirSync } from "node:fs";
import path from "node:path";
import { StopRuntimeSessionCommand } from "@aws-sdk/client-bedrock-agentcore";
import { Runtime } from "../../lib/agentcore/runtime.js";
import { Ledger } from "../../lib/agentcore/ledger.js";
import { session as openSession } from "../../lib/session.js";
import { benchAgentBundle, createRole, deploy, deployNotebookAgent, deployTutorialAgent, eagerMathjsAgent, invoke, sessionId, TUTORIAL_AGENT } from "./agents.js";
import { PROJECT_DIR, startOwnLocal, type OwnLocal } from "./own-local.js";
import { type Bench, type BenchContext, type BenchResult, result } from "./result.js";
import { median, since } from "./stats.js";

/** Where the launched agent file lives (git-ignored; its .agentcore-build zip cache stays warm between runs). */
const LAUNCH_DIR = path.join(PROJECT_DIR, "out", "bench", "launch");

async function firstInvokes(local: OwnLocal, arn: string, label: string, runs: number, payload: unknown, userId?: string, warmups = 1): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < warmups + runs; i++) {
    const session = sessionId(`${label}-${i}-${Date.now()}`);
    const t0 = performance.now();
    await invoke(local.clients.data, { arn, session, payload, userId });
    const ms = since(t0);
    if (i >= warmups) samples.push(ms); // the first unpacks the bundle and fills disk caches
    await local.clients.data.send(new StopRuntimeSessionCommand({ agentRuntimeArn: arn, runtimeSessionId: session }));
  }
  return samples;
}

async function launchToReady(ctx: BenchContext, local: OwnLocal, runs: number): Promise<number[]> {
  mkdirSync(LAUNCH_DIR, { recursive: true });
  const entry = path.join(LAUNCH_DIR, "bench_launch_agent.ts");
  copyFileSync(TUTORIAL_AGENT, entry);
  const s = await openSession({ endpoint: local.endpoint, credentials: local.admin, region: local.region, maxAttempts: 1 });
  const cwd = process.cwd();
  try {
    process.chdir(LAUNCH_DIR);
    const runtime = new Runtime({ session: s, ledger: new Ledger(path.join(ctx.tmp, "launch-ledger")), log: () => {}, progress: "silent" });
    await runtime.configure({ entrypoint: entry, agentName: "bench_launch", autoCreateExecutionRole: true });
    const samples: number[] = [];
    for (let i = 0; i <= runs; i++) {
      const t0 = performance.now();
      await runtime.launch({ envVars: { RUN: String(i) } });
      await runtime.waitUntilReady({ progress: "silent" });
      if (i > 0) samples.push(since(t0)); // the first builds the dependency zip if it is not cached yet
    }
    return samples;
  } finally {
    process.chdir(cwd);
    s.close();
  }
}

export const coldPaths: Bench = {
  id: "cold",
  title: "Cold paths: a new session's first invoke; launch() → READY (code deploy, warm dependency cache)",
  async run(ctx) {
    const runs = ctx.quick ? 3 : 7;
    const local = await startOwnLocal("cold");
    const results: BenchResult[] = [];
    try {
      const lazy = await deployNotebookAgent(local, "bench_notebook_lazy");
      const eager = await deployNotebookAgent(local, "bench_notebook_eager", eagerMathjsAgent());
      for (const [label, prompt] of [["hello", "Hello"], ["math", "How much is 2X2?"]] as const) {
        // Interleaved, so both see the same load.
        const l: number[] = [];
        const e: number[] = [];
        for (let i = 0; i < runs; i++) {
          const warmups = i === 0 && label === "hello" ? 1 : 0;
          l.push(...(await firstInvokes(local, lazy.arn, `lazy-${label}-${i}`, 1, { prompt }, "bench-user", warmups)));
          e.push(...(await firstInvokes(local, eager.arn, `eager-${label}-${i}`, 1, { prompt }, "bench-user", warmups)));
        }
        const value = median(l);
        results.push(result({ name: `cold.first-invoke.notebook-agent.${label}`, unit: "ms", value, baseline: median(e), goal: "≤ 1000 ms", met: value <= 1000, runs: l.length }));
      }
      const tutorial = await deployTutorialAgent(local);
      const t = await firstInvokes(local, tutorial.arn, "tutorial", runs, { prompt: "How much is 2X2?" }, "bench-user");
      const roleArn = await createRole(local, "bench-cold-echo-role");
      const echo = await deploy(local, { name: "bench_cold_echo", roleArn, zip: benchAgentBundle() });
      const e = await firstInvokes(local, echo.arn, "echo", runs, { prompt: "hi" });
      results.push(
        result({ name: "cold.first-invoke.tutorial-agent", unit: "ms", value: median(t), goal: "≤ 1000 ms", met: median(t) <= 1000, runs: t.length }),
        result({ name: "cold.first-invoke.echo-agent", unit: "ms", value: median(e), goal: "≤ 150 ms", met: median(e) <= 150, runs: e.length }),
      );
      const l = await launchToReady(ctx, local, ctx.quick ? 2 : 5);
      results.push(result({ name: "cold.launch-to-ready", unit: "ms", value: median(l), goal: "≤ 3000 ms", met: median(l) <= 3000, runs: l.length }));
      return results;
    } finally {
      await local.stop();
    }
  },
};
