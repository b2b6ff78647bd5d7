/**
 * Metric 6, identity throughput: GetResourceApiKey as the tutorial's agent calls it (signed with a
 * role session's keys from AssumeRole, carrying a workload access token for a user id), at
 * concurrency 16: Local AgentCore verifies the SigV4 signature, the token (JWT), evaluates IAM and
 * decrypts the key from the vault on every call. Calls per second and p99 latency.
 */
import { readFileSync } from "node:fs";
import { GetResourceApiKeyCommand, GetWorkloadAccessTokenForUserIdCommand } from "@aws-sdk/client-bedrock-agentcore";
import { CreateApiKeyCredentialProviderCommand, CreateWorkloadIdentityCommand } from "@aws-sdk/client-bedrock-agentcore-control";
import { CreateRoleCommand, PutRolePolicyCommand } from "@aws-sdk/client-iam";
import { AssumeRoleCommand } from "@aws-sdk/client-sts";
import { TUTORIAL_POLICY } from "./agents.js";
import { startOwnLocal } from "./own-local.js";
import { type Bench, result } from "./result.js";
import { percentile } from "./stats.js";

const CONCURRENCY = 16;
const GOAL_PER_SECOND = 2000;

/** CPU time (user + system) a process has used, in ms; undefined where /proc is not there. */
function processCpuMs(pid: number): number | undefined {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").replace(/^.*\) /, "").split(" ");
    // After the command: state is field 3, utime field 14, stime field 15 (in clock ticks, 100 per second).
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return undefined;
  }
}

export const identityThroughput: Bench = {
  id: "identity",
  title: `Identity throughput: GetResourceApiKey at concurrency ${CONCURRENCY} (SigV4 + JWT + IAM + vault decrypt)`,
  async run(ctx) {
    const seconds = ctx.quick ? 5 : 15;
    const local = await startOwnLocal("identity");
    try {
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
      const agent = local.clientsFor({ accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: c.SessionToken! });
      const { workloadAccessToken } = await data.send(new GetWorkloadAccessTokenForUserIdCommand({ workloadName: "bench-agent", userId: "bench-user" }));
      const call = async () => {
        const out = await agent.data.send(new GetResourceApiKeyCommand({ workloadIdentityToken: workloadAccessToken!, resourceCredentialProviderName: "openai-key" }));
        if (out.apiKey !== apiKey) throw new Error("GetResourceApiKey returned another key");
      };

      const load = async (ms: number, latencies?: number[]) => {
        const end = Date.now() + ms;
        let calls = 0;
        const worker = async () => {
          while (Date.now() < end) {
            const t0 = performance.now();
            await call();
            latencies?.push(performance.now() - t0);
            calls++;
          }
        };
        const t0 = performance.now();
        await Promise.all(Array.from({ length: CONCURRENCY }, worker));
        return { calls, ms: performance.now() - t0 };
      };
      await load(ctx.quick ? 1000 : 3000); // warm-up: JIT, sockets, caches
      const latencies: number[] = [];
      // CPU per call, the server's and this load generator's: what a busy machine does not change much.
      const serverCpu0 = processCpuMs(local.pid);
      const clientCpu0 = process.cpuUsage();
      const { calls, ms } = await load(seconds * 1000, latencies);
      const serverCpu1 = processCpuMs(local.pid);
      const clientCpu = process.cpuUsage(clientCpu0);
      const perSecond = (calls / ms) * 1000;
      const p99 = percentile(latencies, 99);
      ctx.log(`identity: ${calls} calls in ${(ms / 1000).toFixed(1)} s, p50 ${percentile(latencies, 50).toFixed(1)} ms`);
      const out = [
        result({ name: "identity.get-resource-api-key", unit: "calls/s", value: perSecond, goal: `≥ ${GOAL_PER_SECOND}/s at concurrency ${CONCURRENCY}`, met: perSecond >= GOAL_PER_SECOND, runs: calls }),
        result({ name: "identity.get-resource-api-key.p99", unit: "ms", value: p99, goal: "none (reported)", met: true, runs: calls }),
        result({ name: "identity.get-resource-api-key.client-cpu", unit: "ms", value: (clientCpu.user + clientCpu.system) / 1000 / calls, goal: "none (reported: the SDK load generator's CPU per call)", met: true, runs: calls }),
      ];
      if (serverCpu0 !== undefined && serverCpu1 !== undefined) {
        out.push(result({ name: "identity.get-resource-api-key.server-cpu", unit: "ms", value: (serverCpu1 - serverCpu0) / calls, goal: "none (reported: Local AgentCore's CPU per call)", met: true, runs: calls }));
      }
      return out;
    } finally {
      await local.stop();
    }
  },
};
