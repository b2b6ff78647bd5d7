/**
 * Load: 5,000 invokes spread over 16 sessions and 10,000 GetResourceApiKey
 * calls, each at concurrency 32, through the real SDK clients: zero errors, every answer the
 * right one, one instance per session, never two invocations inside one instance. Bounded in
 * count (and by the test timeout); how long it takes belongs to the bench, not here.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { GetResourceApiKeyCommand, GetWorkloadAccessTokenCommand } from "@aws-sdk/client-bedrock-agentcore";
import { CreateApiKeyCredentialProviderCommand, CreateWorkloadIdentityCommand } from "@aws-sdk/client-bedrock-agentcore-control";
import { startTestLocal, type TestLocal } from "../helpers/local.js";
import { createRole, invokeJson, sessionId } from "../runtime-host/setup.js";
import { deployFaultAgent } from "./setup.js";

const CONCURRENCY = 32;
let local: TestLocal;

before(async () => {
  local = await startTestLocal();
  local.server.services.log = () => {};
});
after(() => local?.stop());

/** Runs `count` calls, `concurrency` at a time; returns the errors (never throws). */
async function pool(count: number, concurrency: number, call: (i: number) => Promise<void>): Promise<{ i: number; error: unknown }[]> {
  const errors: { i: number; error: unknown }[] = [];
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < count; i = next++) {
      try {
        await call(i);
      } catch (error) {
        errors.push({ i, error });
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return errors;
}

const describe = (errors: { i: number; error: unknown }[]) =>
  errors.slice(0, 3).map(({ i, error }) => `#${i}: ${(error as Error).name}: ${(error as Error).message}`).join("\n");

test("5,000 invokes over 16 sessions at concurrency 32: zero errors, the right answers, one instance per session", { timeout: 240_000 }, async () => {
  const agent = await deployFaultAgent(local, "load_agent", await createRole(local, "load-role"));
  const sessions = Array.from({ length: 16 }, (_, k) => sessionId(`load-${k}`));
  const pidOf = new Map<string, Set<number>>();
  let answered = 0;
  const errors = await pool(5000, CONCURRENCY, async (i) => {
    const s = sessions[i % sessions.length]!;
    const r = await invokeJson(local, { agentRuntimeArn: agent.arn, runtimeSessionId: s, payload: { seq: i, work: 1 }, contentType: "application/json" });
    assert.equal(r.status, 200);
    assert.equal(r.body.seq, i, "the answer to this invoke");
    assert.equal(r.body.inFlight, 1, "never two invocations inside one instance");
    const pids = pidOf.get(s) ?? new Set();
    pids.add(r.body.pid);
    pidOf.set(s, pids);
    answered++;
  });
  assert.equal(errors.length, 0, `${errors.length} invokes failed:\n${describe(errors)}`);
  assert.equal(answered, 5000);
  assert.equal(pidOf.size, 16);
  for (const [s, pids] of pidOf) assert.equal(pids.size, 1, `session ${s} ran on ${pids.size} instances`);
  assert.equal(new Set([...pidOf.values()].map((p) => [...p][0])).size, 16, "16 sessions, 16 instances");
});

test("10,000 GetResourceApiKey calls at concurrency 32: zero errors, every answer the vaulted key", { timeout: 240_000 }, async () => {
  const apiKey = `load-test-key-${"k".repeat(24)}`;
  await local.clients.control.send(new CreateApiKeyCredentialProviderCommand({ name: "load-provider", apiKey }));
  await local.clients.control.send(new CreateWorkloadIdentityCommand({ name: "load-workload" }));
  const { workloadAccessToken } = await local.clients.data.send(new GetWorkloadAccessTokenCommand({ workloadName: "load-workload" }));
  let answered = 0;
  const errors = await pool(10_000, CONCURRENCY, async () => {
    const out = await local.clients.data.send(new GetResourceApiKeyCommand({ workloadIdentityToken: workloadAccessToken!, resourceCredentialProviderName: "load-provider" }));
    assert.equal(out.apiKey, apiKey);
    answered++;
  });
  assert.equal(errors.length, 0, `${errors.length} calls failed:\n${describe(errors)}`);
  assert.equal(answered, 10_000);
});
