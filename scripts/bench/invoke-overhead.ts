/**
 * Metric 3, invoke overhead: warm-session InvokeAgentRuntime through Local AgentCore (real SDK
 * client: SigV4 signing and verification, IAM, routing, forwarding) against a direct POST to the
 * same agent instance's `/invocations`, pairs interleaved so drift hits both alike.
 */
import { createRole, benchAgentBundle, deploy, invoke, sessionId } from "./agents.js";
import { keepAliveAgent, postInvocation, readAll } from "./direct.js";
import { startOwnLocal } from "./own-local.js";
import { type Bench, result } from "./result.js";
import { percentile, since } from "./stats.js";

export const invokeOverhead: Bench = {
  id: "invoke",
  title: "Invoke overhead: InvokeAgentRuntime vs a direct POST (echo agent, warm session)",
  async run(ctx) {
    const pairs = ctx.quick ? 200 : 1500;
    const warmup = ctx.quick ? 30 : 100;
    const deadline = Date.now() + (ctx.quick ? 20_000 : 90_000);
    const local = await startOwnLocal("invoke");
    const agent = keepAliveAgent();
    try {
      const roleArn = await createRole(local, "bench-echo-role");
      const rt = await deploy(local, { name: "bench_echo", roleArn, zip: benchAgentBundle() });
      const session = sessionId("invoke");
      const payload = { prompt: "ping" };
      const first = JSON.parse(await invoke(local.clients.data, { arn: rt.arn, session, payload })) as { port: number };
      const viaLocal = () => invoke(local.clients.data, { arn: rt.arn, session, payload });
      const direct = async () => readAll(await postInvocation(agent, first.port, payload, { "x-amzn-bedrock-agentcore-runtime-session-id": session }));
      for (let i = 0; i < warmup; i++) {
        await viaLocal();
        await direct();
      }
      const local$: number[] = [];
      const direct$: number[] = [];
      for (let i = 0; i < pairs && Date.now() < deadline; i++) {
        // Alternate which goes first, so neither always follows the other's garbage.
        const order = i % 2 ? [viaLocal, direct] : [direct, viaLocal];
        for (const fn of order) {
          const t0 = performance.now();
          await fn();
          (fn === viaLocal ? local$ : direct$).push(since(t0));
        }
      }
      ctx.log(`invoke: ${local$.length} pairs`);
      const goals: Record<number, [string, number | undefined]> = {
        50: ["added p50 ≤ 1 ms", 1],
        95: ["none (reported)", undefined],
        99: ["added p99 ≤ 5 ms", 5],
      };
      return [50, 95, 99].map((p) => {
        const value = percentile(local$, p);
        const baseline = percentile(direct$, p);
        const [goal, limit] = goals[p]!;
        return result({ name: `invoke.p${p}`, unit: "ms", value, baseline, goal, met: limit === undefined || value - baseline <= limit, runs: local$.length });
      });
    } finally {
      agent.destroy();
      await local.stop();
    }
  },
};
