/**
 * Local AgentCore killed with SIGKILL while 8 clients create and delete
 * providers, roles and runtimes (records only; no agent runs). After a restart on the same state
 * folder every acknowledged write is there, nothing half-written is, and the vault still
 * decrypts every secret (read back through a workload access token with GetResourceApiKey).
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { CreateRoleCommand, DeleteRoleCommand, GetRoleCommand, ListRolesCommand } from "@aws-sdk/client-iam";
import {
  CreateAgentRuntimeCommand,
  CreateApiKeyCredentialProviderCommand,
  CreateWorkloadIdentityCommand,
  DeleteAgentRuntimeCommand,
  DeleteApiKeyCredentialProviderCommand,
  GetAgentRuntimeCommand,
  GetWorkloadIdentityCommand,
  ListAgentRuntimesCommand,
  ListApiKeyCredentialProvidersCommand,
} from "@aws-sdk/client-bedrock-agentcore-control";
import { GetResourceApiKeyCommand, GetWorkloadAccessTokenCommand } from "@aws-sdk/client-bedrock-agentcore";
import { makeClients, type TestClients } from "../helpers/local.js";
import { freePort, startChild, type ChildLocal } from "./child-local.js";

const REGION = "us-east-1";
const WORKERS = 8;

/** What the clients were told (acknowledged) and what they merely attempted. */
interface Ledger {
  providers: Map<string, { key: string; acked: boolean; deleted: "no" | "attempted" | "acked" }>;
  roles: Map<string, { acked: boolean; deleted: "no" | "attempted" | "acked" }>;
  runtimes: Map<string, { id?: string; deleted: "no" | "attempted" | "acked" }>;
  runtimeAttempts: Set<string>;
}

const trust = JSON.stringify({
  Version: "2012-10-17",
  Statement: [{ Effect: "Allow", Principal: { Service: "bedrock-agentcore.amazonaws.com" }, Action: "sts:AssumeRole" }],
});

/** One client's loop of creates and deletes until the server goes away. */
async function worker(w: number, round: number, c: TestClients, accountId: string, ledger: Ledger, stop: () => boolean): Promise<void> {
  const mine: string[] = [];
  const myRoles: string[] = [];
  const myRuntimes: string[] = [];
  for (let k = 0; !stop(); k++) {
    try {
      const name = `p-${round}-${w}-${k}`;
      const key = `sk-${randomBytes(12).toString("hex")}`;
      ledger.providers.set(name, { key, acked: false, deleted: "no" });
      await c.control.send(new CreateApiKeyCredentialProviderCommand({ name, apiKey: key }));
      ledger.providers.get(name)!.acked = true;
      mine.push(name);

      const roleName = `r-${round}-${w}-${k}`;
      ledger.roles.set(roleName, { acked: false, deleted: "no" });
      await c.iam.send(new CreateRoleCommand({ RoleName: roleName, AssumeRolePolicyDocument: trust }));
      ledger.roles.get(roleName)!.acked = true;
      myRoles.push(roleName);

      if (k % 2 === 0) {
        const rtName = `rt_${round}_${w}_${k}`;
        ledger.runtimeAttempts.add(rtName);
        const out = await c.control.send(
          new CreateAgentRuntimeCommand({
            agentRuntimeName: rtName,
            roleArn: `arn:aws:iam::${accountId}:role/${roleName}`,
            networkConfiguration: { networkMode: "PUBLIC" },
            agentRuntimeArtifact: { containerConfiguration: { containerUri: `${accountId}.dkr.ecr.${REGION}.amazonaws.com/agents:latest` } },
          }),
        );
        ledger.runtimes.set(rtName, { id: out.agentRuntimeId!, deleted: "no" });
        myRuntimes.push(rtName);
      }
      if (k % 3 === 2) {
        const victim = mine.shift()!;
        ledger.providers.get(victim)!.deleted = "attempted";
        await c.control.send(new DeleteApiKeyCredentialProviderCommand({ name: victim }));
        ledger.providers.get(victim)!.deleted = "acked";
        const role = myRoles.shift()!;
        ledger.roles.get(role)!.deleted = "attempted";
        await c.iam.send(new DeleteRoleCommand({ RoleName: role }));
        ledger.roles.get(role)!.deleted = "acked";
      }
      if (k % 4 === 3 && myRuntimes.length) {
        const rt = ledger.runtimes.get(myRuntimes.shift()!)!;
        rt.deleted = "attempted";
        await c.control.send(new DeleteAgentRuntimeCommand({ agentRuntimeId: rt.id! }));
        rt.deleted = "acked";
      }
    } catch (e) {
      if (stop()) return; // the server was killed under this request: its outcome is unknown
      throw e;
    }
  }
}

const notFound = async (p: Promise<unknown>, name: string) => assert.rejects(p, (e: Error) => e.name === name);

describe("crash safety: SIGKILL under 8 writing clients", { timeout: 120_000 }, () => {
  const stateDir = mkdtempSync(join(tmpdir(), "agentcore-reliability-crash-"));
  let child: ChildLocal | undefined;
  after(async () => {
    await child?.kill("SIGKILL");
    rmSync(stateDir, { recursive: true, force: true });
  });

  it("after each restart every acknowledged write is present, nothing half-written is, and every secret decrypts", async () => {
    const port = await freePort();
    const ledger: Ledger = { providers: new Map(), roles: new Map(), runtimes: new Map(), runtimeAttempts: new Set() };

    for (let round = 0; round < 2; round++) {
      child = await startChild(stateDir, port);
      const running = child;
      let killed = false;
      const clients = Array.from({ length: WORKERS }, () => makeClients(running.endpoint, REGION, running.admin));
      const work = clients.map((c, w) => worker(w, round, c, running.accountId, ledger, () => killed));
      // Kill once the clients have had a good number of writes acknowledged, mid-stream.
      const before = [...ledger.providers.values()].filter((p) => p.acked).length;
      while ([...ledger.providers.values()].filter((p) => p.acked).length < before + 60) await new Promise((r) => setTimeout(r, 20));
      killed = true;
      await running.kill("SIGKILL");
      await Promise.all(work);
      clients.forEach((c) => Object.values(c).forEach((x) => x.destroy()));
    }

    child = await startChild(stateDir, port);
    const admin = makeClients(child.endpoint, REGION, child.admin);
    try {
      // Providers: acknowledged ones are there (unless their delete was acknowledged), with their own key.
      const listed = new Set<string>();
      for (let token: string | undefined; ; ) {
        const page = await admin.control.send(new ListApiKeyCredentialProvidersCommand({ nextToken: token, maxResults: 20 }));
        for (const p of page.credentialProviders ?? []) listed.add(p.name!);
        if (!(token = page.nextToken)) break;
      }
      await admin.control.send(new CreateWorkloadIdentityCommand({ name: "crash-verifier" }));
      const { workloadAccessToken } = await admin.data.send(new GetWorkloadAccessTokenCommand({ workloadName: "crash-verifier" }));
      for (const name of listed) {
        const sent = ledger.providers.get(name);
        assert.ok(sent, `provider ${name} was never requested`);
        const { apiKey } = await admin.data.send(new GetResourceApiKeyCommand({ workloadIdentityToken: workloadAccessToken!, resourceCredentialProviderName: name }));
        assert.equal(apiKey, sent.key, `provider ${name} decrypts to the key it was created with`);
      }
      let acked = 0;
      for (const [name, p] of ledger.providers) {
        if (p.acked && p.deleted === "no") assert.ok(listed.has(name), `acknowledged provider ${name} is missing`), acked++;
        if (p.deleted === "acked") assert.ok(!listed.has(name), `provider ${name} was deleted (acknowledged) but is back`);
      }
      assert.ok(acked >= 60, `only ${acked} providers were acknowledged`);

      // Roles.
      const roles = new Set(((await admin.iam.send(new ListRolesCommand({ MaxItems: 1000 }))).Roles ?? []).map((r) => r.RoleName!));
      for (const name of roles) {
        assert.ok(ledger.roles.has(name), `role ${name} was never requested`);
        const role = await admin.iam.send(new GetRoleCommand({ RoleName: name }));
        assert.deepEqual(JSON.parse(decodeURIComponent(role.Role!.AssumeRolePolicyDocument!)), JSON.parse(trust));
      }
      for (const [name, r] of ledger.roles) {
        if (r.acked && r.deleted === "no") assert.ok(roles.has(name), `acknowledged role ${name} is missing`);
        if (r.deleted === "acked") await notFound(admin.iam.send(new GetRoleCommand({ RoleName: name })), "NoSuchEntityException");
      }

      // Runtimes: whole records with their workload identity; deleted ones gone or deleting.
      const runtimes = (await admin.control.send(new ListAgentRuntimesCommand({ maxResults: 100 }))).agentRuntimes ?? [];
      for (const r of runtimes) {
        assert.ok(ledger.runtimeAttempts.has(r.agentRuntimeName!), `runtime ${r.agentRuntimeName} was never requested`);
        const got = await admin.control.send(new GetAgentRuntimeCommand({ agentRuntimeId: r.agentRuntimeId! }));
        if (got.status !== "DELETING") await admin.control.send(new GetWorkloadIdentityCommand({ name: got.workloadIdentityDetails!.workloadIdentityArn!.split("/").pop()! }));
      }
      const present = new Set(runtimes.map((r) => r.agentRuntimeName!));
      for (const [name, r] of ledger.runtimes) {
        if (r.deleted === "no") assert.ok(present.has(name), `acknowledged runtime ${name} is missing`);
        if (r.deleted === "acked" && present.has(name)) {
          const got = await admin.control.send(new GetAgentRuntimeCommand({ agentRuntimeId: r.id! }));
          assert.equal(got.status, "DELETING", `runtime ${name} was deleted (acknowledged) but is ${got.status}`);
        }
      }
    } finally {
      Object.values(admin).forEach((x) => x.destroy());
    }
  });
});
