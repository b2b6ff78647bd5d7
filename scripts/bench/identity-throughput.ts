/**
 * Metric 6, identity throughput: GetResourceApiKey as the tutorial's agent calls it (signed with a
 * role session's keys from AssumeRole, carrying a workload access token for a user id), at
 * concurrency 16: Local AgentCore verifies the SigV4 signature, the token (JWT), evaluates IAM and
 * decrypts the key from the vault on every call. Calls per second, p99 latency and CPU per call,
 * twice in the same run: with a lean load generator (the SDK's wire request, signed per request
 * with the SDK's SignatureV4, over a keep-alive agent), which is the goal's figure — Local
 * AgentCore's own throughput — and with the AWS SDK v3 client, which is what an SDK user sees
 * (its command pipeline alone costs about a millisecond of CPU per call on this machine kind).
 */
import { GetResourceApiKeyCommand, GetWorkloadAccessTokenForUserIdCommand } from "@aws-sdk/client-bedrock-agentcore";
import { CreateApiKeyCredentialProviderCommand, CreateWorkloadIdentityCommand } from "@aws-sdk/client-bedrock-agentcore-control";
import { CreateRoleCommand, PutRolePolicyCommand } from "@aws-sdk/client-iam";
import { AssumeRoleCommand } from "@aws-sdk/client-sts";
import { TUTORIAL_POLICY } from "./agents.js";
import { captureSdkRequest, leanAgent, leanSigner, send, template, type WireRequest } from "./lean-client.js";
import { processCpuMs } from "./processes.js";
import { type Clients, type Credentials, type OwnLocal, startOwnLocal } from "./own-local.js";
import { type Bench, type BenchResult, result } from "./result.js";
import { percentile } from "./stats.js";

const CONCURRENCY = 16;
const GOAL_PER_SECOND = 2000;

export interface IdentitySetup {
  apiKey: string;
  /** The role session's keys the agent signs with. */
  credentials: Credentials;
  agent: Clients;
  command: GetResourceApiKeyCommand;
}

/** A provider holding a model key, a workload identity, and a role session allowed to read it. */
export async function setUpIdentity(local: OwnLocal): Promise<IdentitySetup> {
  const { control, data, iam, sts } = local.clients;
  const apiKey = local.issueModelKey("bench-identity");
  await control.send(new CreateApiKeyCredentialProviderCommand({ name: "openai-key", apiKey }));
  await control.send(new CreateWorkloadIdentityCommand({ name: "bench-agent" }));
  const trust = {
    Version: "2012-10-17",
    Statement: [{ Effect: "Allow", Principal: { AWS: `arn:aws:iam::${local.accountId}:root` }, Action: "sts:AssumeRole" }],
  };
  const role = await iam.send(new CreateRoleCommand({ RoleName: "bench-identity-role", AssumeRolePolicyDocument: JSON.stringify(trust) }));
  await iam.send(new PutRolePolicyCommand({ RoleName: "bench-identity-role", PolicyName: "outbound_policies", PolicyDocument: JSON.stringify(TUTORIAL_POLICY) }));
  const assumed = await sts.send(new AssumeRoleCommand({ RoleArn: role.Role!.Arn!, RoleSessionName: "bench-agent", DurationSeconds: 3600 }));
  const c = assumed.Credentials!;
  const credentials = { accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: c.SessionToken! };
  const { workloadAccessToken } = await data.send(new GetWorkloadAccessTokenForUserIdCommand({ workloadName: "bench-agent", userId: "bench-user" }));
  const command = new GetResourceApiKeyCommand({ workloadIdentityToken: workloadAccessToken!, resourceCredentialProviderName: "openai-key" });
  return { apiKey, credentials, agent: local.clientsFor(credentials), command };
}

/** A lean GetResourceApiKey: the SDK's wire request, signed afresh, the key checked (never printed). */
export async function leanGetResourceApiKey(local: OwnLocal, s: IdentitySetup): Promise<{ call: () => Promise<void>; captured: WireRequest; destroy: () => void }> {
  const { request: captured } = await captureSdkRequest(s.agent.data, s.command);
  const t = template(captured);
  const signer = leanSigner({ credentials: s.credentials, region: local.region, service: "bedrock-agentcore" });
  const agent = leanAgent(CONCURRENCY * 2);
  const call = async () => {
    const res = await send(agent, await signer.sign(t));
    if (res.status !== 200) throw new Error(`GetResourceApiKey answered ${res.status}: ${res.body.toString("utf8").slice(0, 200)}`);
    if ((JSON.parse(res.body.toString("utf8")) as { apiKey?: string }).apiKey !== s.apiKey) throw new Error("GetResourceApiKey returned another key");
  };
  return { call, captured, destroy: () => agent.destroy() };
}

interface Measured {
  perSecond: number;
  p99: number;
  clientCpu: number;
  serverCpu: number | undefined;
  calls: number;
}

/** Runs `call` at concurrency 16 for `ms`: calls per second, p99 and CPU per call of both sides. */
async function measure(call: () => Promise<void>, ms: number, serverPid: number): Promise<Measured> {
  const latencies: number[] = [];
  const end = Date.now() + ms;
  let calls = 0;
  const worker = async () => {
    while (Date.now() < end) {
      const t0 = performance.now();
      await call();
      latencies.push(performance.now() - t0);
      calls++;
    }
  };
  // CPU per call, the server's and this load generator's: what a busy machine does not change much.
  const serverCpu0 = processCpuMs(serverPid);
  const clientCpu0 = process.cpuUsage();
  const t0 = performance.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const elapsed = performance.now() - t0;
  const serverCpu1 = processCpuMs(serverPid);
  const clientCpu = process.cpuUsage(clientCpu0);
  return {
    perSecond: (calls / elapsed) * 1000,
    p99: percentile(latencies, 99),
    clientCpu: (clientCpu.user + clientCpu.system) / 1000 / calls,
    serverCpu: serverCpu0 !== undefined && serverCpu1 !== undefined ? (serverCpu1 - serverCpu0) / calls : undefined,
    calls,
  };
}

export const identityThroughput: Bench = {
  id: "identity",
  title: `Identity throughput: GetResourceApiKey at concurrency ${CONCURRENCY} (SigV4 + JWT + IAM + vault decrypt), lean client and SDK client`,
  async run(ctx) {
    const seconds = ctx.quick ? 5 : 15;
    const local = await startOwnLocal("identity");
    let lean: Awaited<ReturnType<typeof leanGetResourceApiKey>> | undefined;
    try {
      const s = await setUpIdentity(local);
      const sdkCall = async () => {
        const out = await s.agent.data.send(s.command);
        if (out.apiKey !== s.apiKey) throw new Error("GetResourceApiKey returned another key");
      };
      lean = await leanGetResourceApiKey(local, s);
      const warm = ctx.quick ? 1000 : 3000; // JIT, sockets, caches
      await measure(lean.call, warm, local.pid);
      await measure(sdkCall, warm, local.pid);
      // Lean, SDK, lean, SDK…: halves of the time each, so a load that comes and goes hits both.
      const rounds = 2;
      const leanRuns: Measured[] = [];
      const sdkRuns: Measured[] = [];
      for (let i = 0; i < rounds; i++) {
        leanRuns.push(await measure(lean.call, (seconds * 1000) / rounds, local.pid));
        sdkRuns.push(await measure(sdkCall, (seconds * 1000) / rounds, local.pid));
      }
      const combine = (runs: Measured[]): Measured => {
        const calls = runs.reduce((n, r) => n + r.calls, 0);
        const mean = (f: (r: Measured) => number | undefined) => (runs.some((r) => f(r) === undefined) ? undefined : runs.reduce((n, r) => n + f(r)! * r.calls, 0) / calls);
        return { calls, perSecond: mean((r) => r.perSecond)!, p99: Math.max(...runs.map((r) => r.p99)), clientCpu: mean((r) => r.clientCpu)!, serverCpu: mean((r) => r.serverCpu) };
      };
      const l = combine(leanRuns);
      const k = combine(sdkRuns);
      ctx.log(`identity: lean ${l.calls} calls (${l.perSecond.toFixed(0)}/s), SDK ${k.calls} calls (${k.perSecond.toFixed(0)}/s) in ${seconds} s each`);
      const rows = (prefix: string, m: Measured, goal: boolean): BenchResult[] => {
        const who = goal ? "the lean load generator's" : "the SDK client's";
        const out = [
          result({
            name: prefix,
            unit: "calls/s",
            value: m.perSecond,
            goal: goal ? `≥ ${GOAL_PER_SECOND}/s at concurrency ${CONCURRENCY}` : "none (reported: what an AWS SDK v3 client sees)",
            met: goal ? m.perSecond >= GOAL_PER_SECOND : true,
            runs: m.calls,
          }),
          result({ name: `${prefix}.p99`, unit: "ms", value: m.p99, goal: "none (reported)", met: true, runs: m.calls }),
          result({ name: `${prefix}.client-cpu`, unit: "ms", value: m.clientCpu, goal: `none (reported: ${who} CPU per call)`, met: true, runs: m.calls }),
        ];
        if (m.serverCpu !== undefined) out.push(result({ name: `${prefix}.server-cpu`, unit: "ms", value: m.serverCpu, goal: "none (reported: Local AgentCore's CPU per call)", met: true, runs: m.calls }));
        return out;
      };
      return [...rows("identity.get-resource-api-key", l, true), ...rows("identity.sdk.get-resource-api-key", k, false)];
    } finally {
      lean?.destroy();
      await local.stop();
    }
  },
};
