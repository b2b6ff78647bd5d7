/**
 * Cleanup and the create helpers touch only what this library created. Each test is an exploit
 * against Local AgentCore: someone else's role, provider or runtime under the name the library
 * would use must come out unchanged.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  CreateAgentRuntimeCommand,
  CreateApiKeyCredentialProviderCommand,
  CreateWorkloadIdentityCommand,
  GetAgentRuntimeCommand,
} from "@aws-sdk/client-bedrock-agentcore-control";
import { GetResourceApiKeyCommand, GetWorkloadAccessTokenCommand } from "@aws-sdk/client-bedrock-agentcore";
import { CreateRoleCommand, GetRoleCommand, GetRolePolicyCommand, ListRolePoliciesCommand, PutRolePolicyCommand } from "@aws-sdk/client-iam";
import { CreateBucketCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { startTestLocal, type TestLocal } from "../helpers/local.js";
import { session, type Session } from "../../lib/session.js";
import { Ledger, type LedgerScope } from "../../lib/agentcore/ledger.js";
import { cleanup } from "../../lib/agentcore/cleanup.js";
import { agentCoreTrustPolicy, createExecutionRole, executionRoleName, putRolePolicy, tutorialOutboundPolicy } from "../../lib/agentcore/iam.js";
import { createApiKeyCredentialProvider } from "../../lib/agentcore/identity.js";

let local: TestLocal;
let s: Session;
let scope: LedgerScope;
const quiet = () => {};
const dirs: string[] = [];
const tempLedger = () => {
  const dir = mkdtempSync(join(tmpdir(), "agentcore-ownership-"));
  dirs.push(dir);
  return new Ledger(dir);
};

before(async () => {
  local = await startTestLocal();
  s = await session({ target: "local", endpoint: local.endpoint, credentials: local.admin, region: local.region, maxAttempts: 1 });
  scope = { target: "local", region: local.region, accountId: local.accountId };
});
after(async () => {
  s?.close();
  await local?.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const trust = () => JSON.stringify(agentCoreTrustPolicy(local.accountId, local.region));
const theirPolicy = JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::theirs/*" }] });

async function inlinePolicies(roleName: string): Promise<Record<string, string>> {
  const names = (await s.clients.iam.send(new ListRolePoliciesCommand({ RoleName: roleName }))).PolicyNames ?? [];
  const out: Record<string, string> = {};
  for (const n of names) {
    out[n] = decodeURIComponent((await s.clients.iam.send(new GetRolePolicyCommand({ RoleName: roleName, PolicyName: n }))).PolicyDocument!);
  }
  return out;
}

async function keyOf(providerName: string): Promise<string> {
  await s.clients.control.send(new CreateWorkloadIdentityCommand({ name: `reader-${providerName}` })).catch(() => {});
  const { workloadAccessToken } = await s.clients.data.send(new GetWorkloadAccessTokenCommand({ workloadName: `reader-${providerName}` }));
  const { apiKey } = await s.clients.data.send(new GetResourceApiKeyCommand({ workloadIdentityToken: workloadAccessToken!, resourceCredentialProviderName: providerName }));
  return apiKey!;
}

describe("the execution role", () => {
  test("a role the Python tutorial left (the toolkit's name) is neither reused, changed nor deleted", async () => {
    const agentName = "python_twin";
    const pythonRole = `AmazonBedrockAgentCoreSDKRuntime-${local.region}-${createHash("sha256").update(agentName).digest("hex").slice(0, 10)}`;
    await s.clients.iam.send(new CreateRoleCommand({ RoleName: pythonRole, AssumeRolePolicyDocument: trust() }));
    await s.clients.iam.send(new PutRolePolicyCommand({ RoleName: pythonRole, PolicyName: "outbound_policies", PolicyDocument: theirPolicy }));
    const before = await inlinePolicies(pythonRole);

    const ledger = tempLedger();
    const role = await createExecutionRole({ agentName }, { session: s, ledger, log: quiet });
    assert.notEqual(role.roleName, pythonRole, "our role has a name of its own");
    assert.equal(role.roleName, executionRoleName(local.region, agentName));
    assert.equal(role.action, "created");
    await putRolePolicy(role.roleArn, "outbound_policies", tutorialOutboundPolicy(), { session: s, ledger, log: quiet });
    const report = await cleanup({ session: s, ledger, log: quiet });
    assert.ok(report.ok, JSON.stringify(report.steps));

    assert.deepEqual(await inlinePolicies(pythonRole), before, "the Python tutorial's role keeps its policies");
    await assert.rejects(s.clients.iam.send(new GetRoleCommand({ RoleName: role.roleName })), /NoSuchEntity|cannot be found/, "ours is gone");
  });

  test("someone else's role under our default name is refused with the fix, and left untouched", async () => {
    const agentName = "squatted";
    const roleName = executionRoleName(local.region, agentName);
    await s.clients.iam.send(new CreateRoleCommand({ RoleName: roleName, AssumeRolePolicyDocument: trust() }));
    const ledger = tempLedger();
    await assert.rejects(createExecutionRole({ agentName }, { session: s, ledger, log: quiet }), (e: Error) => {
      assert.equal(e.name, "ForeignResourceError");
      assert.match(e.message, /not created by this notebook/);
      assert.match(e.message, /configure\(\{ executionRole:/);
      return true;
    });
    assert.deepEqual(await inlinePolicies(roleName), {}, "no policy was put on it");
    assert.deepEqual(ledger.entries(), []);
  });

  test("a foreign role's policy is not overwritten unless asked, and a replaced one is not deleted by cleanup", async () => {
    const roleName = "their-role";
    await s.clients.iam.send(new CreateRoleCommand({ RoleName: roleName, AssumeRolePolicyDocument: trust() }));
    await s.clients.iam.send(new PutRolePolicyCommand({ RoleName: roleName, PolicyName: "outbound_policies", PolicyDocument: theirPolicy }));
    const ledger = tempLedger();
    await assert.rejects(putRolePolicy(roleName, "outbound_policies", tutorialOutboundPolicy(), { session: s, ledger, log: quiet }), /replaceExisting: true/);
    assert.equal((await inlinePolicies(roleName)).outbound_policies, theirPolicy);

    await putRolePolicy(roleName, "outbound_policies", tutorialOutboundPolicy(), { session: s, ledger, log: quiet, replaceExisting: true });
    assert.deepEqual(JSON.parse((await inlinePolicies(roleName)).outbound_policies!), tutorialOutboundPolicy());
    // A policy we add under a new name is ours: cleanup removes that one and nothing else.
    await putRolePolicy(roleName, "kit_extra", tutorialOutboundPolicy(), { session: s, ledger, log: quiet });
    const report = await cleanup({ session: s, ledger, log: quiet });
    assert.deepEqual(report.steps.map((x) => [x.resource, x.outcome]), [[`${roleName}/kit_extra`, "deleted"]]);
    assert.deepEqual(Object.keys(await inlinePolicies(roleName)), ["outbound_policies"], "the role and its replaced policy stay");
  });

  test("cleanup keeps a role whose tag names another ledger entry (an intent someone else's create answered)", async () => {
    const ledger = tempLedger();
    ledger.intend(scope, { kind: "iam-role", roleName: "raced-role" });
    await s.clients.iam.send(new CreateRoleCommand({ RoleName: "raced-role", AssumeRolePolicyDocument: trust() }));
    const report = await cleanup({ session: s, ledger, log: quiet });
    assert.equal(report.steps[0]!.outcome, "kept");
    await s.clients.iam.send(new GetRoleCommand({ RoleName: "raced-role" }));
  });
});

describe("the credential provider", () => {
  test("a provider of the same name that someone else made keeps its key", async () => {
    await s.clients.control.send(new CreateApiKeyCredentialProviderCommand({ name: "team-openai", apiKey: "sk-theirs-00001111" }));
    const ledger = tempLedger();
    await assert.rejects(createApiKeyCredentialProvider({ name: "team-openai", apiKey: "sk-mine-22223333" }, { session: s, ledger, log: quiet }), (e: Error) => {
      assert.equal(e.name, "ForeignResourceError");
      assert.match(e.message, /replaceExisting: true/);
      assert.match(e.message, /Choose another name/);
      return true;
    });
    assert.equal(await keyOf("team-openai"), "sk-theirs-00001111");
    assert.deepEqual(ledger.entries(), []);
    const report = await cleanup({ session: s, ledger, log: quiet });
    assert.deepEqual(report.steps, []);
    assert.equal(await keyOf("team-openai"), "sk-theirs-00001111", "cleanup did not delete it");
  });

  test("replaceExisting replaces the key but does not make the provider ours; a re-run of ours updates it", async () => {
    await s.clients.control.send(new CreateApiKeyCredentialProviderCommand({ name: "shared-key", apiKey: "sk-theirs-44445555" }));
    const ledger = tempLedger();
    const replaced = await createApiKeyCredentialProvider({ name: "shared-key", apiKey: "sk-mine-66667777", replaceExisting: true }, { session: s, ledger, log: quiet });
    assert.equal(replaced.action, "updated");
    assert.equal(await keyOf("shared-key"), "sk-mine-66667777");
    assert.deepEqual(ledger.entries(), [], "not recorded: cleanup leaves it");

    const first = await createApiKeyCredentialProvider({ name: "kit-key", apiKey: "sk-mine-88889999" }, { session: s, ledger, log: quiet });
    assert.equal(first.action, "created");
    const again = await createApiKeyCredentialProvider({ name: "kit-key", apiKey: "sk-mine-aaaabbbb" }, { session: s, ledger, log: quiet });
    assert.equal(again.action, "updated");
    assert.equal(await keyOf("kit-key"), "sk-mine-aaaabbbb");
  });
});

describe("the agent runtime", () => {
  test("cleanup of an intent without an id deletes no runtime of that name it cannot show is ours", async () => {
    await s.clients.s3.send(new CreateBucketCommand({ Bucket: "their-code" }));
    await s.clients.s3.send(new PutObjectCommand({ Bucket: "their-code", Key: "a.zip", Body: "zip!" }));
    const roleArn = (await s.clients.iam.send(new CreateRoleCommand({ RoleName: "their-runtime-role", AssumeRolePolicyDocument: trust() }))).Role!.Arn!;
    const theirs = await s.clients.control.send(
      new CreateAgentRuntimeCommand({
        agentRuntimeName: "shared_name",
        roleArn,
        networkConfiguration: { networkMode: "PUBLIC" },
        agentRuntimeArtifact: { codeConfiguration: { code: { s3: { bucket: "their-code", prefix: "a.zip" } }, runtime: "NODE_22", entryPoint: ["main.js"] } },
      }),
    );
    const ledger = tempLedger();
    ledger.intend(scope, { kind: "agent-runtime", agentRuntimeName: "shared_name" });
    const report = await cleanup({ session: s, ledger, log: quiet });
    assert.equal(report.steps[0]!.outcome, "kept", JSON.stringify(report.steps));
    assert.match(report.steps[0]!.detail!, /cannot be shown to be this one's/);
    const still = await s.clients.control.send(new GetAgentRuntimeCommand({ agentRuntimeId: theirs.agentRuntimeId! }));
    assert.notEqual(still.status, "DELETING");
  });
});
