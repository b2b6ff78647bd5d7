/**
 * The tutorial's agents, end to end against a test Local AgentCore's stand-in model:
 * - the local-experimentation agent through runAgentLocally (tsx child process);
 * - the runtime agent as BedrockAgentCoreApp, its key fetched from the vault by withApiKey with a
 *   workload access token from the data plane.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { CreateApiKeyCredentialProviderCommand, CreateWorkloadIdentityCommand } from "@aws-sdk/client-bedrock-agentcore-control";
import { GetWorkloadAccessTokenCommand } from "@aws-sdk/client-bedrock-agentcore";
import { startTestLocal, type TestLocal } from "../helpers/local.js";
import { issueModelKey, isIssuedModelKey } from "../../lib/local/standin-model/keys.js";
import { handleStandinModel } from "../../lib/local/standin-model/openai-route.js";
import { agentTemplate, writeAgentFile } from "../../lib/notebook/agent-file.js";
import { AgentRunError, runAgentLocally } from "../../lib/notebook/run-agent.js";
import { freePort } from "../../lib/local/free-port.js";

const PROJECT = join(import.meta.dirname, "..", "..");
const require = createRequire(import.meta.url);

let local: TestLocal;
let dir: string;
let modelKey: string;
let modelBaseUrl: string;

/** Mounts the stand-in model unless the server already serves it (the lead is wiring it in). */
async function ensureStandinModel(l: TestLocal): Promise<void> {
  const probe = await fetch(`${l.endpoint}/_local/openai/v1/models`);
  if (probe.status === 401) return;
  const store = l.server.services.store;
  l.server.addLocalRoute("POST", "/_local/openai/v1/*", async (req, res, url) => {
    const handled = await handleStandinModel(req, res, url.subpath, { isIssuedKey: (k) => isIssuedModelKey(store, k) });
    if (!handled) res.writeHead(404).end();
  });
}

before(async () => {
  local = await startTestLocal();
  await ensureStandinModel(local);
  modelKey = issueModelKey(local.server.services.store, "agents test");
  modelBaseUrl = `${local.endpoint}/_local/openai/v1`;
  mkdirSync(join(PROJECT, "out"), { recursive: true });
  dir = mkdtempSync(join(PROJECT, "out", "test-agents-"));
});

after(async () => {
  await local?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function captureOutput<T>(fn: () => Promise<T>): Promise<{ value: T; out: string }> {
  const original = process.stdout.write;
  let out = "";
  process.stdout.write = ((chunk: string | Uint8Array) => {
    out += typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8");
    return true;
  }) as typeof process.stdout.write;
  return fn().then(
    (value) => ((process.stdout.write = original), { value, out }),
    (e: unknown) => {
      process.stdout.write = original;
      throw e;
    },
  );
}

test("the local agent answers the tutorial's questions through runAgentLocally", async () => {
  const file = join(dir, "strands_agents_openai.ts");
  writeAgentFile(file, agentTemplate("strands_agents_openai"), { log: null });
  const env = { OPENAI_API_KEY: modelKey, OPENAI_BASE_URL: modelBaseUrl };

  const { value: weather, out } = await captureOutput(() => runAgentLocally(file, { prompt: "What is the weather now?" }, { env }));
  assert.match(weather, /sunny/i);
  assert.equal(out.trim(), weather, "the agent's output is streamed as it runs");

  const math = await runAgentLocally(file, '{"prompt": "How much is 2X2?"}', { env, quiet: true });
  assert.match(math, /(^|\D)4(\D|$)/);
});

test("a failing agent is reported with its exit code and last words, its key masked", async () => {
  const file = join(dir, "strands_agents_openai.ts");
  writeAgentFile(file, agentTemplate("strands_agents_openai"), { log: null });
  const wrongKey = "sk-local-notIssuedByThisServer0123456789ABCD";
  await assert.rejects(
    runAgentLocally(file, { prompt: "What is the weather now?" }, { env: { OPENAI_API_KEY: wrongKey, OPENAI_BASE_URL: modelBaseUrl }, quiet: true }),
    (e: unknown) => {
      assert.ok(e instanceof AgentRunError);
      assert.equal(e.exitCode, 1);
      assert.match(e.message, /^Agent strands_agents_openai\.ts exited with code 1:/);
      assert.match(e.message, /401|Incorrect API key/);
      assert.ok(!e.message.includes(wrongKey) && !e.stderr.includes(wrongKey) && !e.stdout.includes(wrongKey));
      return true;
    },
  );
  await assert.rejects(
    runAgentLocally(file, { prompt: "hi" }, { env: { OPENAI_API_KEY: undefined }, quiet: true }),
    /exited with code 1:\nSet OPENAI_API_KEY/,
  );
  await assert.rejects(runAgentLocally(join(dir, "missing.ts"), {}), /No agent file at .*missing\.ts: write it first with writeAgentFile/);
});

async function waitForPing(url: string, child: ChildProcess, log: () => string): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (child.exitCode !== null) throw new Error(`agent exited early (${child.exitCode}):\n${log()}`);
    try {
      const res = await fetch(`${url}/ping`);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`agent did not answer /ping:\n${log()}`);
}

test("the runtime agent fetches its key from the vault with withApiKey and answers", async () => {
  const file = join(dir, "strands_agents_openai_identity.ts");
  writeAgentFile(file, agentTemplate("strands_agents_openai_identity"), { log: null });
  const { control, data } = local.clients;
  await control.send(new CreateApiKeyCredentialProviderCommand({ name: "openai-apikey-provider", apiKey: modelKey }));
  await control.send(new CreateWorkloadIdentityCommand({ name: "agents-test-workload" }));
  const { workloadAccessToken } = await data.send(new GetWorkloadAccessTokenCommand({ workloadName: "agents-test-workload" }));
  assert.ok(workloadAccessToken);

  const port = await freePort();
  let log = "";
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: String(port),
    AWS_REGION: local.region,
    AWS_ENDPOINT_URL: local.endpoint,
    AWS_ACCESS_KEY_ID: local.admin.accessKeyId,
    AWS_SECRET_ACCESS_KEY: local.admin.secretAccessKey,
    OPENAI_PROVIDER: "local",
  };
  delete env.OPENAI_API_KEY;
  delete env.OPENAI_BASE_URL; // derived from AWS_ENDPOINT_URL
  delete env.AWS_PROFILE;
  const child = spawn(process.execPath, [require.resolve("tsx/cli"), file], { cwd: dir, env, stdio: ["ignore", "pipe", "pipe"] });
  child.stdout.on("data", (c: Buffer) => (log += c.toString()));
  child.stderr.on("data", (c: Buffer) => (log += c.toString()));
  try {
    const url = `http://127.0.0.1:${port}`;
    await waitForPing(url, child, () => log);
    const invoke = async (prompt: string) => {
      const res = await fetch(`${url}/invocations`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "x-amzn-bedrock-agentcore-runtime-session-id": "agents-test-session-0123456789abcdef0123",
          WorkloadAccessToken: workloadAccessToken,
        },
        body: JSON.stringify({ prompt }),
      });
      const text = await res.text();
      assert.equal(res.status, 200, `${text}\n${log}`);
      return text;
    };
    assert.match(await invoke("What is the weather now?"), /sunny/i);
    assert.match(await invoke("How much is 2X2?"), /(^|\D)4(\D|$)/);
    assert.equal(log.match(/API key retrieved from the token vault/g)?.length, 1, "the key is fetched once");
    assert.ok(!log.includes(modelKey), "the agent never prints the key");

    const noToken = await fetch(`${url}/invocations`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-amzn-bedrock-agentcore-runtime-session-id": "agents-test-session-0123456789abcdef0123" },
      body: JSON.stringify({ wrong: "shape" }),
    });
    assert.equal(noToken.status, 400);
  } finally {
    child.kill();
  }
});
