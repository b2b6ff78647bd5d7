/**
 * The benches' lean load generator sends what the AWS SDK v3 client sends: for the same input,
 * signing date and invocation id its request is byte for byte the SDK's (method, path, query,
 * every header including the signature, body), Local AgentCore answers it as it answers the SDK,
 * and refuses it once the signature or the body is altered — so a bench cannot silently measure
 * an error path.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { benchAgentBundle, createRole, deploy, invoke, sessionId } from "../../scripts/bench/agents.js";
import { leanGetResourceApiKey, setUpIdentity, type IdentitySetup } from "../../scripts/bench/identity-throughput.js";
import { leanInvoke } from "../../scripts/bench/invoke-overhead.js";
import { captureSdkRequest, leanAgent, leanSigner, send, template, type WireRequest } from "../../scripts/bench/lean-client.js";
import { startOwnLocal, type OwnLocal } from "../../scripts/bench/own-local.js";

let local: OwnLocal;
let identity: IdentitySetup;
const agent = leanAgent(4);

before(async () => {
  local = await startOwnLocal("lean-test");
  identity = await setUpIdentity(local);
});
after(async () => {
  agent.destroy();
  await local?.stop();
});

/** x-amz-date (20261207T045150Z) as a Date. */
const amzDate = (s: string) => new Date(s.replace(/^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z$/, "$1-$2-$3T$4:$5:$6Z"));

/** Signs the captured request's template again, with its date and invocation id: must be the SDK's request. */
async function resign(captured: WireRequest, credentials: IdentitySetup["credentials"]): Promise<WireRequest> {
  const signer = leanSigner({ credentials, region: local.region, service: "bedrock-agentcore" });
  return signer.sign(template(captured), { signingDate: amzDate(captured.headers["x-amz-date"]!), invocationId: captured.headers["amz-sdk-invocation-id"]! });
}

function assertSameWire(lean: WireRequest, sdk: WireRequest) {
  assert.equal(lean.method, sdk.method);
  assert.equal(lean.hostname, sdk.hostname);
  assert.equal(lean.port, sdk.port);
  assert.equal(lean.path, sdk.path);
  assert.deepEqual(lean.query, sdk.query);
  assert.deepEqual(Object.keys(lean.headers).sort(), Object.keys(sdk.headers).sort());
  for (const k of Object.keys(sdk.headers)) assert.equal(lean.headers[k], sdk.headers[k], `header ${k}`);
  assert.ok(lean.body.equals(sdk.body), "body");
}

/** The same request with the signature's last hex digit changed. */
function badSignature(r: WireRequest): WireRequest {
  const auth = r.headers.authorization!;
  const last = auth.at(-1) === "0" ? "1" : "0";
  return { ...r, headers: { ...r.headers, authorization: auth.slice(0, -1) + last } };
}

test("GetResourceApiKey: the lean request is the SDK's, byte for byte, and the server answers it with the key", async () => {
  const { request: sdk } = await captureSdkRequest(identity.agent.data, identity.command);
  assert.match(sdk.headers.authorization ?? "", /^AWS4-HMAC-SHA256 Credential=/);
  assert.ok(sdk.headers["x-amz-security-token"], "a role session's request carries its session token");
  const lean = await resign(sdk, identity.credentials);
  assertSameWire(lean, sdk);

  const ok = await send(agent, lean);
  assert.equal(ok.status, 200);
  assert.equal((JSON.parse(ok.body.toString("utf8")) as { apiKey?: string }).apiKey === identity.apiKey, true, "the stored key came back");

  // What the bench runs: a fresh signature per call, the key checked.
  const bench = await leanGetResourceApiKey(local, identity);
  try {
    await bench.call();
    await bench.call();
  } finally {
    bench.destroy();
  }
});

test("GetResourceApiKey: an altered signature or body is refused, so the bench cannot measure an error path unnoticed", async () => {
  const { request: sdk } = await captureSdkRequest(identity.agent.data, identity.command);
  const lean = await resign(sdk, identity.credentials);
  const forged = await send(agent, badSignature(lean));
  assert.equal(forged.status, 403);
  assert.match(forged.body.toString("utf8"), /signature we calculated does not match/);
  const body = Buffer.from(lean.body.toString("utf8").replace("openai-key", "openai-kez"));
  const tampered = await send(agent, { ...lean, body });
  assert.equal(tampered.status, 403);
  // A lean call that gets anything but 200 and the key throws.
  const wrongKey = await leanGetResourceApiKey(local, { ...identity, apiKey: "not-the-key" });
  try {
    await assert.rejects(wrongKey.call(), /returned another key/);
  } finally {
    wrongKey.destroy();
  }
});

test("InvokeAgentRuntime: the lean request is the SDK's, byte for byte, and reaches the agent", async () => {
  const roleArn = await createRole(local, "lean-test-echo-role");
  const rt = await deploy(local, { name: "lean_test_echo", roleArn, zip: benchAgentBundle() });
  const session = sessionId("lean-test");
  const payload = { prompt: "ping" };
  await invoke(local.clients.data, { arn: rt.arn, session, payload });
  const inv = await leanInvoke(local, { arn: rt.arn, session, payload });
  try {
    const lean = await resign(inv.captured, local.admin);
    assertSameWire(lean, inv.captured);
    const ok = await send(agent, lean);
    assert.equal(ok.status, 200, ok.body.toString("utf8"));
    assert.equal(typeof (JSON.parse(ok.body.toString("utf8")) as { port?: number }).port, "number");
    await inv.call();
    const forged = await send(agent, badSignature(lean));
    assert.equal(forged.status, 403);
  } finally {
    inv.destroy();
  }
});
