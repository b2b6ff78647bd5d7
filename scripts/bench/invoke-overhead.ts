/**
 * Metric 3, invoke overhead: warm-session InvokeAgentRuntime through Local AgentCore (SigV4
 * verification, IAM, routing, forwarding) against a direct POST of the same payload to the same
 * agent instance's `/invocations`, interleaved so drift hits both alike. The goal's rows use the
 * lean load generator (the SDK's wire request, signed per request with the SDK's SignatureV4 before
 * the clock starts, sent over a keep-alive agent as the direct POST is), so the difference is Local
 * AgentCore's own added latency; the `invoke.sdk.*` rows send through the AWS SDK v3 client, what an SDK user sees
 * (its command pipeline adds about a millisecond before the server does anything).
 */
import { InvokeAgentRuntimeCommand, type InvokeAgentRuntimeCommandOutput } from "@aws-sdk/client-bedrock-agentcore";
import { createRole, benchAgentBundle, deploy, invoke, sessionId } from "./agents.js";
import { keepAliveAgent, postInvocation, readAll } from "./direct.js";
import { captureSdkRequest, leanAgent, leanSigner, send, template, type WireRequest } from "./lean-client.js";
import type { OwnLocal } from "./own-local.js";
import { processCpuMs } from "./processes.js";
import { startOwnLocal } from "./own-local.js";
import { type Bench, result } from "./result.js";
import { percentile, since } from "./stats.js";

/** A lean InvokeAgentRuntime with the admin's keys: the SDK's wire request, signed afresh; status 200 checked. */
export async function leanInvoke(
  local: OwnLocal,
  o: { arn: string; session: string; payload: unknown },
): Promise<{ call: () => Promise<string>; signed: () => Promise<() => Promise<string>>; captured: WireRequest; destroy: () => void }> {
  const command = new InvokeAgentRuntimeCommand({
    agentRuntimeArn: o.arn,
    runtimeSessionId: o.session,
    contentType: "application/json",
    accept: "application/json",
    payload: Buffer.from(JSON.stringify(o.payload)),
  });
  const { request: captured, output } = await captureSdkRequest<InvokeAgentRuntimeCommandOutput>(local.clients.data, command);
  await output.response!.transformToString(); // frees the SDK's socket
  const t = template(captured);
  const signer = leanSigner({ credentials: local.admin, region: local.region, service: "bedrock-agentcore" });
  const agent = leanAgent(4);
  // Signed afresh for each request, just before it is sent: the signing is the client's cost.
  const signed = async () => {
    const req = await signer.sign(t);
    return async () => {
      const res = await send(agent, req);
      const text = res.body.toString("utf8");
      if (res.status !== 200) throw new Error(`InvokeAgentRuntime answered ${res.status}: ${text.slice(0, 200)}`);
      return text;
    };
  };
  const call = async () => (await signed())();
  return { call, signed, captured, destroy: () => agent.destroy() };
}

export const invokeOverhead: Bench = {
  id: "invoke",
  title: "Invoke overhead: InvokeAgentRuntime (lean client; SDK client) vs a direct POST (echo agent, warm session)",
  async run(ctx) {
    const rounds = ctx.quick ? 600 : 2000;
    const warmup = ctx.quick ? 30 : 100;
    const deadline = Date.now() + (ctx.quick ? 25_000 : 120_000);
    const local = await startOwnLocal("invoke");
    const agent = keepAliveAgent();
    let lean: Awaited<ReturnType<typeof leanInvoke>> | undefined;
    try {
      const roleArn = await createRole(local, "bench-echo-role");
      const rt = await deploy(local, { name: "bench_echo", roleArn, zip: benchAgentBundle() });
      const session = sessionId("invoke");
      const payload = { prompt: "ping" };
      const first = JSON.parse(await invoke(local.clients.data, { arn: rt.arn, session, payload })) as { port: number };
      lean = await leanInvoke(local, { arn: rt.arn, session, payload });
      const viaLean = lean.call;
      const leanSigned = lean.signed;
      const viaSdk = () => invoke(local.clients.data, { arn: rt.arn, session, payload });
      const direct = async () => readAll(await postInvocation(agent, first.port, payload, { "x-amzn-bedrock-agentcore-runtime-session-id": session }));
      const fns = [direct, viaLean, viaSdk];
      for (let i = 0; i < warmup; i++) for (const fn of fns) await fn();
      const samples = new Map<unknown, number[]>(fns.map((fn) => [fn, []]));
      const serverCpu0 = processCpuMs(local.pid);
      for (let i = 0; i < rounds && Date.now() < deadline; i++) {
        // Rotate which goes first, so none always follows another's garbage.
        for (let j = 0; j < fns.length; j++) {
          const fn = fns[(i + j) % fns.length]!;
          // The lean request is signed before the clock starts (a fresh signature per request), so
          // the time is the server's round trip, as the direct POST's is the agent's.
          const run = fn === viaLean ? await leanSigned() : fn;
          const t0 = performance.now();
          await run();
          samples.get(fn)!.push(since(t0));
        }
      }
      const serverCpu1 = processCpuMs(local.pid);
      const direct$ = samples.get(direct)!;
      ctx.log(`invoke: ${direct$.length} rounds (direct, lean, SDK)`);
      const goals: Record<number, [string, number | undefined]> = {
        50: ["added p50 ≤ 1 ms", 1],
        95: ["none (reported)", undefined],
        99: ["added p99 ≤ 5 ms", 5],
      };
      const rows = (prefix: string, ours: number[], goal: boolean) =>
        [50, 95, 99].map((p) => {
          const value = percentile(ours, p);
          const baseline = percentile(direct$, p);
          const [text, limit] = goals[p]!;
          return result({
            name: `${prefix}.p${p}`,
            unit: "ms",
            value,
            baseline,
            goal: goal ? text : "none (reported: what an AWS SDK v3 client sees)",
            met: !goal || limit === undefined || value - baseline <= limit,
            runs: ours.length,
          });
        });
      const out = [...rows("invoke", samples.get(viaLean)!, true), ...rows("invoke.sdk", samples.get(viaSdk)!, false)];
      // The server does the same for either client: its CPU per invoke over both, what a busy machine changes least.
      const invokes = samples.get(viaLean)!.length + samples.get(viaSdk)!.length;
      if (serverCpu0 !== undefined && serverCpu1 !== undefined) {
        out.push(result({ name: "invoke.server-cpu", unit: "ms", value: (serverCpu1 - serverCpu0) / invokes, goal: "none (reported: Local AgentCore's CPU per invoke)", met: true, runs: invokes }));
      }
      return out;
    } finally {
      lean?.destroy();
      agent.destroy();
      await local.stop();
    }
  },
};
