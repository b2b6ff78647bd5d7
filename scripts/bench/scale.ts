/**
 * Metric 7, scale: N sessions of the tutorial agent (32; 8 with --quick) invoked all at once, each
 * starting its own agent instance: how many succeed, how long until all answered, and the resident
 * memory of each agent instance and of Local AgentCore itself (Linux /proc) once they all run.
 */
import { deployTutorialAgent, invoke, sessionId } from "./agents.js";
import { startOwnLocal } from "./own-local.js";
import { childPids, rssMiB } from "./processes.js";
import { type Bench, result } from "./result.js";
import { median, since } from "./stats.js";

export const scale: Bench = {
  id: "scale",
  title: "Scale: concurrent sessions of the tutorial agent, invoked in parallel",
  async run(ctx) {
    const sessions = ctx.quick ? 8 : 32;
    // 32 agents importing Strands, OpenAI and the AWS SDK at once on 2 cores take longer than the
    // default 60 s start timeout; the bench measures, it does not time out.
    const local = await startOwnLocal("scale", { AGENTCORE_LOCAL_AGENT_START_TIMEOUT_MS: "300000", AGENTCORE_LOCAL_MAX_INSTANCES: "64" });
    try {
      const rt = await deployTutorialAgent(local);
      // Warm-up: one instance first (disk caches, the stand-in model); it keeps running and is measured too.
      await invoke(local.clients.data, { arn: rt.arn, session: sessionId("scale-warmup"), payload: { prompt: "How much is 2X2?" }, userId: "u-warm" });
      const t0 = performance.now();
      const outcomes = await Promise.allSettled(
        Array.from({ length: sessions }, (_, i) =>
          invoke(local.clients.data, { arn: rt.arn, session: sessionId(`scale-${i}`), payload: { prompt: "How much is 2X2?" }, userId: `user-${i}` }).then((text) => {
            if (!/\b4\b/.test(text)) throw new Error(`unexpected answer: ${text.slice(0, 200)}`);
          }),
        ),
      );
      const wallMs = since(t0);
      const ok = outcomes.filter((o) => o.status === "fulfilled").length;
      for (const o of outcomes) if (o.status === "rejected") ctx.log(`scale: a session failed: ${String((o.reason as Error).message).split("\n")[0]}`);
      const agents = childPids(local.pid);
      const perInstance = median(agents.map(rssMiB).filter((n) => Number.isFinite(n)));
      const server = rssMiB(local.pid);
      ctx.log(`scale: ${agents.length} agent processes under Local AgentCore (pid ${local.pid})`);
      return [
        result({ name: "scale.sessions-ok", unit: "sessions", value: ok, goal: `all ${sessions} parallel sessions succeed${ctx.quick ? " (quick: 8, full run: 32)" : ""}`, met: ok === sessions, runs: sessions }),
        result({ name: "scale.all-answered", unit: "s", value: wallMs / 1000, goal: "none (reported)", met: true, runs: 1 }),
        result({ name: "scale.rss-per-agent-instance", unit: "MiB", value: perInstance, goal: "none (reported)", met: true, runs: agents.length }),
        result({ name: "scale.rss-local-agentcore", unit: "MiB", value: server, goal: "none (reported)", met: true, runs: 1 }),
      ];
    } finally {
      await local.stop();
    }
  },
};
