/**
 * The tutorial's lifecycle through the library against a Local AgentCore of its own (code deploy):
 * provider → configure → launch → add policy → wait → invoke → cleanup, then nothing left; a re-run
 * without cleanup (idempotent); a runtime deleted out of band is recreated; a failed version reports
 * its reason; destroy() removes one agent's resources only.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { ListAgentRuntimesCommand, ListApiKeyCredentialProvidersCommand, DeleteAgentRuntimeCommand, GetAgentRuntimeCommand } from "@aws-sdk/client-bedrock-agentcore-control";
import { ListRolesCommand, ListRolePoliciesCommand } from "@aws-sdk/client-iam";
import { ListBucketsCommand } from "@aws-sdk/client-s3";
import { DescribeRepositoriesCommand } from "@aws-sdk/client-ecr";
import { startTestLocal, type TestLocal } from "../helpers/local.js";
import { session, type Session } from "../../lib/session.js";
import { Ledger } from "../../lib/agentcore/ledger.js";
import { createApiKeyCredentialProvider } from "../../lib/agentcore/identity.js";
import { OUTBOUND_POLICY_NAME, putRolePolicy, tutorialOutboundPolicy, listRolePolicies } from "../../lib/agentcore/iam.js";
import { Runtime, RuntimeFailedError } from "../../lib/agentcore/runtime.js";
import { cleanup } from "../../lib/agentcore/cleanup.js";
import { readConfig } from "../../lib/agentcore/runtime-config.js";

const PROJECT = resolve(import.meta.dirname, "..", "..");
const FIXTURE = join(PROJECT, "test", "lib", "fixtures", "echo_agent.ts");
/** InvokeAgentRuntime lives in the runtime host, built by another engineer; the invoke steps run once it exists. */
const HOST_PRESENT = existsSync(join(PROJECT, "lib", "local", "services", "runtime-data", "index.ts"));

let local: TestLocal;
let s: Session;
let dir: string;
let ledger: Ledger;
const lines: string[] = [];
const log = (l: string) => lines.push(l);

function freshAgent(name: string): string {
  const d = mkdtempSync(join(dir, `${name}-`));
  const entry = join(d, `${name}.ts`);
  copyFileSync(FIXTURE, entry);
  return entry;
}

async function nothingLeft() {
  const c = s.clients;
  const runtimes = await c.control.send(new ListAgentRuntimesCommand({}));
  assert.deepEqual(runtimes.agentRuntimes ?? [], [], "no runtime left");
  const providers = await c.control.send(new ListApiKeyCredentialProvidersCommand({}));
  assert.deepEqual(providers.credentialProviders ?? [], [], "no provider left");
  const roles = await c.iam.send(new ListRolesCommand({}));
  assert.deepEqual((roles.Roles ?? []).map((r) => r.RoleName), [], "no role left");
  const repos = await c.ecr.send(new DescribeRepositoriesCommand({}));
  assert.deepEqual(repos.repositories ?? [], [], "no repository left");
  const buckets = await c.s3.send(new ListBucketsCommand({}));
  assert.deepEqual((buckets.Buckets ?? []).map((b) => b.Name), [], "no bucket (and so no object) left");
}

before(async () => {
  process.env.AGENTCORE_LOCAL_RUNTIME_SETTLE_MS = "50";
  process.env.AGENTCORE_LOCAL_AGENT_START_TIMEOUT_MS ??= "20000";
  local = await startTestLocal();
  s = await session({ target: "local", endpoint: local.endpoint, credentials: local.admin, region: local.region, maxAttempts: 1 });
  dir = mkdtempSync(join(tmpdir(), "agentcore-lib-test-"));
  ledger = new Ledger(dir);
});

after(async () => {
  s?.close();
  await local?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe("tutorial lifecycle (code deploy)", () => {
  test("provider → configure → launch → policy → wait → invoke → re-run → cleanup leaves nothing", async () => {
    const opts = { session: s, ledger, log };
    const entry = freshAgent("echo_agent");
    const provider = await createApiKeyCredentialProvider({ name: "test-apikey-provider", apiKey: "sk-test-0123456789abcd" }, opts);
    assert.equal(provider.action, "created");
    assert.equal(provider.maskedApiKey, "sk-…abcd");
    assert.ok(!lines.join("\n").includes("sk-test-0123456789abcd"), "the key is never logged");

    const runtime = new Runtime({ ...opts, progress: "silent" });
    const configured = await runtime.configure({ entrypoint: entry, autoCreateExecutionRole: true, projectDir: PROJECT, envVars: { PROVIDER_NAME: "test-apikey-provider" } });
    assert.equal(configured.agentName, "echo_agent");
    assert.equal(configured.deploymentType, "code", "local defaults to code deploys");
    assert.match(readFileSync(configured.dockerfilePath, "utf8"), /CMD \["node", "echo_agent.mjs"\]/);
    assert.equal(readConfig(configured.configPath).agents.echo_agent!.deploymentType, "code");

    const launched = await runtime.launch();
    assert.equal(launched.action, "created");
    assert.equal(launched.agentRuntimeVersion, "1");
    assert.match(launched.agentArn, /^arn:aws:bedrock-agentcore:us-east-1:\d{12}:runtime\/echo_agent-/);
    assert.ok(launched.codeLocation!.key.startsWith("echo_agent/"));

    // The tutorial's "add extra policies" step, on the auto-created role.
    await putRolePolicy(launched.roleArn, OUTBOUND_POLICY_NAME, tutorialOutboundPolicy(), opts);
    assert.deepEqual((await listRolePolicies(launched.roleArn, opts)).sort(), ["BedrockAgentCoreRuntimeExecutionPolicy-echo_agent", "outbound_policies"]);

    const ready = await runtime.waitUntilReady();
    assert.equal(ready.agent?.status, "READY");
    assert.equal(ready.endpoint?.status, "READY");

    const kinds = ledger.entries().map((e) => `${e.kind}:${e.state}`).sort();
    assert.deepEqual(kinds, [
      "agent-runtime:created",
      "credential-provider:created",
      "iam-role-policy:created",
      "iam-role-policy:created",
      "iam-role:created",
      "s3-bucket:created",
      "s3-object:created",
    ]);

    if (HOST_PRESENT) {
      const answer = await runtime.invoke({ prompt: "Hello" }, { userId: "userid_1234567890" });
      assert.deepEqual(answer.response, { echo: "Hello", keyTail: "abcd" });
      assert.equal(answer.sessionId, runtime.sessionId);
      assert.ok(runtime.sessionId.length >= 33);
      const chunks: unknown[] = [];
      for await (const chunk of await runtime.invoke({ prompt: "two words", stream: true }, { stream: true, userId: "userid_1234567890" })) chunks.push(chunk);
      assert.deepEqual(chunks, [{ word: "two" }, { word: "words" }, { done: true, keyTail: "abcd" }]);
    }

    // Re-run without cleanup: provider updated, role reused, runtime updated to a new version.
    const again = await createApiKeyCredentialProvider({ name: "test-apikey-provider", apiKey: "sk-test-rotated-wxyz" }, opts);
    assert.equal(again.action, "updated");
    const runtime2 = new Runtime({ ...opts, progress: "silent" });
    await runtime2.configure({ entrypoint: entry, autoCreateExecutionRole: true, projectDir: PROJECT, envVars: { PROVIDER_NAME: "test-apikey-provider" } });
    const relaunched = await runtime2.launch();
    assert.equal(relaunched.action, "updated");
    assert.equal(relaunched.agentId, launched.agentId);
    assert.equal(relaunched.agentRuntimeVersion, "2");
    assert.equal(relaunched.roleArn, launched.roleArn);
    assert.ok(lines.some((l) => /already exists: reusing it/.test(l)), "the role is reported as reused");
    const ready2 = await runtime2.waitUntilReady();
    assert.equal(ready2.agent?.agentRuntimeVersion, "2");
    assert.equal(ledger.entries().length, 7, "a re-run records nothing twice");

    const report = await cleanup(opts);
    assert.ok(report.ok, JSON.stringify(report.steps));
    assert.deepEqual(
      report.steps.map((x) => x.kind),
      ["agent-runtime", "iam-role-policy", "iam-role-policy", "iam-role", "credential-provider", "s3-object", "s3-bucket"],
      "dependency order",
    );
    assert.ok(report.steps.every((x) => x.outcome === "deleted"));
    assert.deepEqual(ledger.entries(), []);
    await nothingLeft();

    // A second cleanup has nothing to do and is fine.
    const second = await cleanup(opts);
    assert.deepEqual(second.steps, []);
  });

  test("a runtime deleted out of band is recreated by launch()", async () => {
    const opts = { session: s, ledger, log };
    const entry = freshAgent("oob_agent");
    const runtime = new Runtime({ ...opts, progress: "silent" });
    await runtime.configure({ entrypoint: entry, autoCreateExecutionRole: true, projectDir: PROJECT });
    const first = await runtime.launch();
    await runtime.waitUntilReady();
    await s.clients.control.send(new DeleteAgentRuntimeCommand({ agentRuntimeId: first.agentId }));
    for (;;) {
      try {
        await s.clients.control.send(new GetAgentRuntimeCommand({ agentRuntimeId: first.agentId }));
        await new Promise((r) => setTimeout(r, 50));
      } catch {
        break;
      }
    }
    const second = await runtime.launch();
    assert.equal(second.action, "recreated");
    assert.notEqual(second.agentId, first.agentId);
    await runtime.waitUntilReady();
    const report = await runtime.destroy();
    assert.ok(report.ok, JSON.stringify(report.steps));
    assert.deepEqual((await s.clients.control.send(new ListAgentRuntimesCommand({}))).agentRuntimes ?? [], []);
    const cleaned = await cleanup(opts);
    assert.ok(cleaned.ok);
    await nothingLeft();
  });

  test("a launch after cleanup() creates afresh: a runtime our cleanup deleted was not deleted out of band", async () => {
    const opts = { session: s, ledger, log };
    const entry = freshAgent("rerun_agent");
    const runtime = new Runtime({ ...opts, progress: "silent" });
    await runtime.configure({ entrypoint: entry, autoCreateExecutionRole: true, projectDir: PROJECT });
    await runtime.launch();
    await runtime.waitUntilReady();
    assert.ok((await cleanup(opts)).ok);
    // The notebook run again from the top: the config next to the entrypoint still names the old runtime.
    lines.length = 0;
    const again = new Runtime({ ...opts, progress: "silent" });
    await again.configure({ entrypoint: entry, autoCreateExecutionRole: true, projectDir: PROJECT });
    const relaunched = await again.launch();
    assert.equal(relaunched.action, "created");
    assert.ok(!lines.some((l) => /deleted outside this notebook/.test(l)), lines.join("\n"));
    await again.waitUntilReady();
    assert.ok((await cleanup(opts)).ok);
    await nothingLeft();
  });

  test("a version that cannot start fails waitUntilReady with AgentCore's reason", async () => {
    const opts = { session: s, ledger, log };
    const entry = freshAgent("bad_role_agent");
    const runtime = new Runtime({ ...opts, progress: "silent" });
    const missingRole = `arn:aws:iam::${local.accountId}:role/does-not-exist`;
    await runtime.configure({ entrypoint: entry, executionRole: missingRole, projectDir: PROJECT });
    await runtime.launch();
    await assert.rejects(runtime.waitUntilReady(), (e: unknown) => {
      assert.ok(e instanceof RuntimeFailedError);
      assert.equal(e.status, "CREATE_FAILED");
      assert.match(e.message, /does-not-exist does not exist/);
      assert.match(e.message, /launch\(\) again/);
      return true;
    });
    // A role given by the user is not the notebook's: cleanup leaves it (and here it never existed).
    const report = await cleanup(opts);
    assert.ok(report.ok);
    assert.ok(!report.steps.some((x) => x.kind === "iam-role"));
    await nothingLeft();
  });

  test("invoke before launch and configure without a role say what to do", async () => {
    const runtime = new Runtime({ session: s, ledger, log, progress: "silent" });
    await assert.rejects(runtime.configure({ entrypoint: freshAgent("x_agent"), projectDir: PROJECT }), /executionRole .* or autoCreateExecutionRole/);
    await assert.rejects(runtime.configure({ entrypoint: freshAgent("x_agent"), agentName: "bad-name", autoCreateExecutionRole: true }), /no hyphens/);
    await runtime.configure({ entrypoint: freshAgent("y_agent"), autoCreateExecutionRole: true, projectDir: PROJECT });
    await assert.rejects(runtime.invoke({ prompt: "hi" }), /not launched on local yet: run launch\(\) first/);
  });

  test("the role's inline policies are listed after the tutorial's step", async () => {
    const opts = { session: s, ledger, log };
    const entry = freshAgent("policy_agent");
    const runtime = new Runtime({ ...opts, progress: "silent" });
    await runtime.configure({ entrypoint: entry, autoCreateExecutionRole: true, projectDir: PROJECT });
    const launched = await runtime.launch();
    const roleName = launched.roleArn.split("/").pop()!;
    const before = await s.clients.iam.send(new ListRolePoliciesCommand({ RoleName: roleName }));
    assert.deepEqual(before.PolicyNames, ["BedrockAgentCoreRuntimeExecutionPolicy-policy_agent"]);
    await runtime.waitUntilReady();
    assert.ok((await cleanup(opts)).ok);
    await nothingLeft();
  });
});
