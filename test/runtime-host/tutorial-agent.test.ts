/**
 * The tutorial's TypeScript agent (BedrockAgentCoreApp, withApiKey, a
 * Strands agent on OpenAIModel({ api: 'chat' }) with a mathjs calculator tool) compiled with esbuild,
 * deployed as a code bundle with its dependencies and invoked through InvokeAgentRuntimeCommand. Without the tutorial's
 * extra policy the key fetch is denied and the invoke names the missing permission; after
 * PutRolePolicy the answer comes back computed by the tool, also streamed. Afterwards no plaintext
 * key is in Local AgentCore's log lines or anywhere in its state folder. The stand-in model is the
 * one the server mounts at /_local/openai/v1; its key is issued with issueModelKey.
 */
import assert from "node:assert/strict";
import { lstatSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { InvokeAgentRuntimeCommand } from "@aws-sdk/client-bedrock-agentcore";
import { CreateApiKeyCredentialProviderCommand } from "@aws-sdk/client-bedrock-agentcore-control";
import { PutRolePolicyCommand } from "@aws-sdk/client-iam";
import { startTestLocal, type TestLocal } from "../helpers/local.js";
import { rejection } from "../runtime-control/setup.js";
import { issueModelKey } from "../../lib/local/standin-model/keys.js";
import { buildCodeBundle } from "../../lib/agentcore/build/code-bundle.js";
import { createRole, deployBundle, FIXTURES, invokeJson, PROJECT_DIR, sessionId } from "./setup.js";

let local: TestLocal;
let runtime: { id: string; arn: string };
let roleName: string;
let apiKey: string;
const lines: string[] = [];

const TUTORIAL_POLICY = {
  Version: "2012-10-17",
  Statement: [
    { Sid: "GetResourceAPIKey", Effect: "Allow", Action: ["bedrock-agentcore:GetResourceApiKey"], Resource: "*" },
    { Sid: "SecretManager", Effect: "Allow", Action: ["secretsmanager:GetSecretValue"], Resource: "arn:aws:secretsmanager:*:*:secret:bedrock-agentcore*" },
  ],
};

/**
 * Built as notebook 01 builds it: the compiled agent, package.json, a lockfile and the production
 * dependency closure copied from the project's installed packages (the zip is cached under out/).
 */
async function tutorialBundle(): Promise<{ zip: Uint8Array; entryPoint: string[] }> {
  const built = await buildCodeBundle({
    entrypoint: join(FIXTURES, "strands-agent.ts"),
    agentName: "tutorial_agent",
    projectDir: PROJECT_DIR,
    cacheDir: join(PROJECT_DIR, "out", "test-bundles"),
  });
  return { zip: built.zip, entryPoint: [built.entryFile] };
}

before(async () => {
  local = await startTestLocal();
  local.server.services.log = (line) => lines.push(line);
  apiKey = issueModelKey(local.server.services.store, "tutorial-test");
  await local.clients.control.send(new CreateApiKeyCredentialProviderCommand({ name: "openai-key", apiKey }));
  roleName = "tutorial-agent-role";
  const roleArn = await createRole(local, roleName);
  runtime = await deployBundle(local, {
    name: "tutorial_agent",
    roleArn,
    key: "tutorial/agent.zip",
    ...(await tutorialBundle()),
    environmentVariables: { OPENAI_BASE_URL: `${local.endpoint}/_local/openai/v1` },
  });
});
after(() => local?.stop());

const ask = (session: string, extra: Partial<{ runtimeUserId: string }> = { runtimeUserId: "learner-1" }) =>
  invokeJson(local, { agentRuntimeArn: runtime.arn, runtimeSessionId: sessionId(session), contentType: "application/json", payload: { prompt: "How much is 2X2?" }, ...extra });

test("without the GetResourceApiKey policy the key fetch is denied and the invoke names the missing permission", async () => {
  const e = await rejection(ask("denied"));
  assert.equal(e.name, "RuntimeClientError");
  assert.equal(e.$metadata?.httpStatusCode, 424);
  assert.match(e.message, /not authorized to perform: bedrock-agentcore:GetResourceApiKey/);
  assert.match(e.message, new RegExp(`assumed-role/${roleName}/`));
  assert.ok(lines.some((l) => /GetResourceApiKey denied: provider openai-key/.test(l)), "the request path log shows the denial");
});

test("without a runtimeUserId the agent gets no workload access token and withApiKey says so", async () => {
  const e = await rejection(ask("no-user", {}));
  assert.equal(e.name, "RuntimeClientError");
  assert.match(e.message, /workloadIdentityToken not provided/);
});

test("after PutRolePolicy with the tutorial's policy, the answer comes back computed by the calculator tool", async () => {
  await local.clients.iam.send(new PutRolePolicyCommand({ RoleName: roleName, PolicyName: "outbound_policies", PolicyDocument: JSON.stringify(TUTORIAL_POLICY) }));
  const seen = lines.length;
  const out = await ask("allowed");
  assert.equal(out.status, 200);
  assert.match(out.body.result, /\b4\b/);
  const since = lines.slice(seen).join("\n");
  assert.match(since, /GetResourceApiKey allowed: provider openai-key/);
  assert.deepEqual(out.body.toolsUsed, ["calculator"], "the model asked for the calculator tool");
  assert.match(out.body.toolResults.join(" "), /\b4\b/, "the tool computed 4");
});

test("with Accept: text/event-stream the agent's answer streams back as SSE frames", async () => {
  const out = await local.clients.data.send(
    new InvokeAgentRuntimeCommand({
      agentRuntimeArn: runtime.arn,
      runtimeSessionId: sessionId("allowed"), // the same session: its instance is reused
      runtimeUserId: "learner-1",
      contentType: "application/json",
      accept: "text/event-stream",
      payload: Buffer.from(JSON.stringify({ prompt: "How much is 2X2?", stream: true })),
    }),
  );
  assert.equal(out.contentType, "text/event-stream");
  const chunks: string[] = [];
  for await (const c of out.response as AsyncIterable<Uint8Array>) chunks.push(Buffer.from(c).toString("utf8"));
  // How frames group into reads depends on timing (the echo agent test pins chunk-by-chunk delivery).
  const frames = chunks
    .join("")
    .split("\n\n")
    .filter((f) => f.startsWith("data: "));
  const text = frames.map((f) => (JSON.parse(f.slice(6)) as { text: string }).text).join("");
  assert.ok(frames.length > 1, `expected several SSE frames, got ${frames.length}`);
  assert.match(text, /\b4\b/);
});

test("no plaintext API key in Local AgentCore's log lines or state folder", () => {
  assert.ok(lines.length > 10);
  for (const l of lines) assert.ok(!l.includes(apiKey), `log line holds the key: ${l.slice(0, 80)}`);
  const needle = Buffer.from(apiKey);
  const scanned: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      const st = lstatSync(p);
      if (st.isSymbolicLink()) continue; // node_modules → the project's packages
      if (st.isDirectory()) walk(p);
      else if (st.isFile()) {
        scanned.push(p);
        assert.ok(!readFileSync(p).includes(needle), `${p} holds the plaintext key`);
      }
    }
  };
  walk(local.stateDir);
  assert.ok(scanned.some((p) => p.endsWith(".log") && p.includes(join("logs", "runtimes"))), "agent logs were scanned");
  assert.ok(scanned.some((p) => /\.(db|sqlite)/.test(p)), "the database was scanned");
});
