/**
 * Metric 4, streaming: time to first chunk and total time of a 100-frame SSE answer through Local
 * AgentCore against the same agent instance directly, and whether frames arrive one per read as
 * the agent wrote them (it waits 5 ms between frames, so a reader normally sees each on its own; timer jitter on a
 * busy machine can merge two even on the direct path, so the goal is that frames are not merged
 * as a rule: the median run through Local AgentCore delivers all 100 frames as 100 reads).
 */
import { InvokeAgentRuntimeCommand } from "@aws-sdk/client-bedrock-agentcore";
import { benchAgentBundle, createRole, deploy, invoke, sessionId } from "./agents.js";
import { keepAliveAgent, postInvocation } from "./direct.js";
import { startOwnLocal } from "./own-local.js";
import { type Bench, result } from "./result.js";
import { median } from "./stats.js";

const FRAMES = 100;
const INTERVAL_MS = 5;

interface StreamRun {
  firstChunkMs: number;
  totalMs: number;
  reads: number;
  frames: number;
  /** Reads that carried more than one frame. */
  coalesced: number;
}

async function consume(t0: number, body: AsyncIterable<Uint8Array>): Promise<StreamRun> {
  let firstChunkMs = Number.NaN;
  let reads = 0;
  let frames = 0;
  let coalesced = 0;
  for await (const chunk of body) {
    const text = Buffer.from(chunk).toString("utf8");
    const n = text.split("\n\n").filter((f) => f.startsWith("data: ")).length;
    if (n === 0) continue;
    if (reads === 0) firstChunkMs = performance.now() - t0;
    reads++;
    frames += n;
    if (n > 1) coalesced++;
  }
  return { firstChunkMs, totalMs: performance.now() - t0, reads, frames, coalesced };
}

export const streaming: Bench = {
  id: "streaming",
  title: `Streaming: ${FRAMES} SSE frames through Local AgentCore vs direct`,
  async run(ctx) {
    const runs = ctx.quick ? 5 : 20;
    const local = await startOwnLocal("streaming");
    const agent = keepAliveAgent();
    try {
      const roleArn = await createRole(local, "bench-stream-role");
      const rt = await deploy(local, { name: "bench_stream", roleArn, zip: benchAgentBundle() });
      const session = sessionId("stream");
      const { port } = JSON.parse(await invoke(local.clients.data, { arn: rt.arn, session, payload: {} })) as { port: number };
      const payload = { stream: FRAMES, intervalMs: INTERVAL_MS };
      const viaLocal = async () => {
        const t0 = performance.now();
        const out = await local.clients.data.send(
          new InvokeAgentRuntimeCommand({
            agentRuntimeArn: rt.arn,
            runtimeSessionId: session,
            contentType: "application/json",
            accept: "text/event-stream",
            payload: Buffer.from(JSON.stringify(payload)),
          }),
        );
        return consume(t0, out.response as AsyncIterable<Uint8Array>);
      };
      const direct = async () => {
        const t0 = performance.now();
        const res = await postInvocation(agent, port, payload, { accept: "text/event-stream" });
        return consume(t0, res);
      };
      for (let i = 0; i < 2; i++) {
        await viaLocal();
        await direct();
      }
      const L: StreamRun[] = [];
      const D: StreamRun[] = [];
      for (let i = 0; i < runs; i++) {
        if (i % 2) {
          L.push(await viaLocal());
          D.push(await direct());
        } else {
          D.push(await direct());
          L.push(await viaLocal());
        }
      }
      for (const r of [...L, ...D]) if (r.frames !== FRAMES) throw new Error(`a stream carried ${r.frames} frames, not ${FRAMES}`);
      const firstL = median(L.map((r) => r.firstChunkMs));
      const firstD = median(D.map((r) => r.firstChunkMs));
      const ratios = L.map((r, i) => r.totalMs / D[i]!.totalMs);
      const coalescedL = L.reduce((a, r) => a + r.coalesced, 0);
      const coalescedD = D.reduce((a, r) => a + r.coalesced, 0);
      ctx.log(`streaming: coalesced reads via Local AgentCore ${coalescedL}, direct ${coalescedD}`);
      return [
        result({ name: "streaming.first-chunk", unit: "ms", value: firstL, baseline: firstD, ratio: median(L.map((r, i) => r.firstChunkMs / D[i]!.firstChunkMs)), goal: "added ≤ 5 ms", met: firstL - firstD <= 5, runs }),
        result({ name: "streaming.total", unit: "ms", value: median(L.map((r) => r.totalMs)), baseline: median(D.map((r) => r.totalMs)), ratio: median(ratios), goal: "none (reported)", met: true, runs }),
        result({
          name: "streaming.reads-per-100-frames",
          unit: "reads",
          value: median(L.map((r) => r.reads)),
          baseline: median(D.map((r) => r.reads)),
          goal: "no coalescing: 100 frames arrive as 100 reads (median run)",
          met: median(L.map((r) => r.reads)) === FRAMES,
          runs,
        }),
      ];
    } finally {
      agent.destroy();
      await local.stop();
    }
  },
};
