/**
 * `issueLocalModelKey` issues, in the notebook's process, a key the running Local AgentCore's
 * stand-in model accepts (its state folder is the one the session uses), and nothing else passes.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import OpenAI from "openai";
import { issueLocalModelKey } from "../../lib/notebook/model-key.js";
import { startTestLocal, type TestLocal } from "../helpers/local.js";

let local: TestLocal;

before(async () => {
  local = await startTestLocal();
});

after(async () => {
  await local.stop();
});

const modelClient = (apiKey: string) => new OpenAI({ apiKey, baseURL: `${local.endpoint}/_local/openai/v1`, maxRetries: 0 });

test("a key issued in this process is accepted by the running Local AgentCore's stand-in model", async () => {
  const key = await issueLocalModelKey("model-key-test", { AGENTCORE_LOCAL_DIR: local.stateDir });
  assert.match(key, /^sk-local-[A-Za-z0-9]{40}$/);
  const models = await modelClient(key).models.list();
  assert.ok(models.data.length > 0);
});

test("a key of the same shape it did not issue is refused", async () => {
  const forged = "sk-local-" + "A".repeat(40);
  await assert.rejects(modelClient(forged).models.list(), (e: unknown) => e instanceof OpenAI.AuthenticationError && e.status === 401);
});

test("a key issued for another state folder is refused", async () => {
  const { mkdtempSync, rmSync } = await import("node:fs");
  const { tmpdir } = await import("node:os");
  const { join } = await import("node:path");
  const other = mkdtempSync(join(tmpdir(), "model-key-other-"));
  try {
    const key = await issueLocalModelKey("elsewhere", { AGENTCORE_LOCAL_DIR: other });
    await assert.rejects(modelClient(key).models.list(), (e: unknown) => e instanceof OpenAI.AuthenticationError && e.status === 401);
  } finally {
    rmSync(other, { recursive: true, force: true });
  }
});
