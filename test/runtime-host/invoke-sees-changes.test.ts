/**
 * InvokeAgentRuntime keeps its read of the runtime, endpoint and version between invokes while
 * nothing changed (live-target.ts). These tests change them between two invokes of the same
 * session, in every way a change can arrive, and check the very next invoke sees it: an update of
 * the runtime and of an endpoint, a delete of an endpoint and of the runtime, a write by another
 * connection to the database (another process), and a status transition that comes due with no
 * write at all (only the clock moved).
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import {
  CreateAgentRuntimeEndpointCommand,
  DeleteAgentRuntimeCommand,
  DeleteAgentRuntimeEndpointCommand,
  UpdateAgentRuntimeCommand,
  UpdateAgentRuntimeEndpointCommand,
} from "@aws-sdk/client-bedrock-agentcore-control";
import { Store } from "../../lib/local/state/store.js";
import { endpointKey, RUNTIME_KINDS, type RuntimeEndpointRecord } from "../../lib/local/services/runtime-control/index.js";
import { startTestLocal, type TestLocal } from "../helpers/local.js";
import { rejection, settledEndpoint } from "../runtime-control/setup.js";
import { createRole, deployBundle, echoBundle, invokeJson, sessionId, settledRuntime } from "./setup.js";

let local: TestLocal;
let roleArn: string;

before(async () => {
  local = await startTestLocal();
  local.server.services.log = () => {};
  roleArn = await createRole(local, "changes-agent-role");
});
after(() => local?.stop());

const greeting = async (arn: string, session: string, qualifier?: string) =>
  (await invokeJson(local, { agentRuntimeArn: arn, runtimeSessionId: session, qualifier, payload: { hi: 1 } })).body.env.GREETING as string;

/** UpdateAgentRuntime with the same bundle and a new GREETING: a new version. */
async function update(id: string, key: string, value: string): Promise<void> {
  await local.clients.control.send(
    new UpdateAgentRuntimeCommand({
      agentRuntimeId: id,
      agentRuntimeArtifact: { codeConfiguration: { code: { s3: { bucket: "agent-bundles", prefix: key } }, runtime: "NODE_22", entryPoint: ["agent.mjs"] } },
      roleArn,
      networkConfiguration: { networkMode: "PUBLIC" },
      environmentVariables: { GREETING: value },
    }),
  );
}

test("an update of the runtime or of an endpoint reaches the next invoke of the same session", async () => {
  const rt = await deployBundle(local, { name: "changes_update", roleArn, key: "changes/update.zip", zip: echoBundle(), environmentVariables: { GREETING: "hello" } });
  const { control } = local.clients;
  await control.send(new CreateAgentRuntimeEndpointCommand({ agentRuntimeId: rt.id, name: "prod", agentRuntimeVersion: "1" }));
  await settledEndpoint(control, rt.id, "prod");
  const s = sessionId("update");
  assert.equal(await greeting(rt.arn, s), "hello");
  assert.equal(await greeting(rt.arn, s), "hello");
  assert.equal(await greeting(rt.arn, sessionId("prod"), "prod"), "hello");

  await update(rt.id, "changes/update.zip", "bonjour");
  await settledRuntime(control, rt.id);
  await settledEndpoint(control, rt.id, "DEFAULT");
  assert.equal(await greeting(rt.arn, s), "bonjour", "DEFAULT serves version 2 on the next invoke");
  assert.equal(await greeting(rt.arn, sessionId("prod"), "prod"), "hello", "prod stays on version 1");

  await control.send(new UpdateAgentRuntimeEndpointCommand({ agentRuntimeId: rt.id, endpointName: "prod", agentRuntimeVersion: "2" }));
  await settledEndpoint(control, rt.id, "prod");
  assert.equal(await greeting(rt.arn, sessionId("prod"), "prod"), "bonjour", "prod serves version 2 on the next invoke");
});

test("a deleted endpoint, then a deleted runtime, refuse the very next invoke", async () => {
  const rt = await deployBundle(local, { name: "changes_delete", roleArn, key: "changes/delete.zip", zip: echoBundle(), environmentVariables: { GREETING: "hello" } });
  const { control } = local.clients;
  await control.send(new CreateAgentRuntimeEndpointCommand({ agentRuntimeId: rt.id, name: "prod", agentRuntimeVersion: "1" }));
  await settledEndpoint(control, rt.id, "prod");
  const s = sessionId("delete");
  assert.equal(await greeting(rt.arn, s, "prod"), "hello");
  assert.equal(await greeting(rt.arn, s), "hello");

  await control.send(new DeleteAgentRuntimeEndpointCommand({ agentRuntimeId: rt.id, endpointName: "prod" }));
  const endpointGone = await rejection(greeting(rt.arn, s, "prod"));
  assert.equal(endpointGone.name, "ResourceNotFoundException", endpointGone.message);
  assert.equal(await greeting(rt.arn, s), "hello", "DEFAULT still answers");

  await control.send(new DeleteAgentRuntimeCommand({ agentRuntimeId: rt.id }));
  const runtimeGone = await rejection(greeting(rt.arn, s));
  assert.equal(runtimeGone.name, "ResourceNotFoundException", runtimeGone.message);
});

test("a change written by another process (another connection to the database) reaches the next invoke", async () => {
  const rt = await deployBundle(local, { name: "changes_other", roleArn, key: "changes/other.zip", zip: echoBundle(), environmentVariables: { GREETING: "hello" } });
  const s = sessionId("other");
  assert.equal(await greeting(rt.arn, s), "hello");
  assert.equal(await greeting(rt.arn, s), "hello");

  // As another process would (its own connection): the DEFAULT endpoint is being deleted.
  const other = new Store(local.stateDir);
  try {
    const key = endpointKey(rt.id, "DEFAULT");
    const endpoint = other.get<RuntimeEndpointRecord>(RUNTIME_KINDS.endpoint, key)!;
    other.put<RuntimeEndpointRecord>(RUNTIME_KINDS.endpoint, key, { ...endpoint, status: "DELETING", settleAt: new Date(Date.now() + 3_600_000).toISOString() });
  } finally {
    other.close();
  }
  const refused = await rejection(greeting(rt.arn, s));
  assert.equal(refused.name, "ResourceNotFoundException", refused.message);
});

test("a transition that comes due with no write (only the clock moved) reaches the next invoke", async () => {
  const rt = await deployBundle(local, { name: "changes_clock", roleArn, key: "changes/clock.zip", zip: echoBundle(), environmentVariables: { GREETING: "hello" } });
  const s = sessionId("clock");
  assert.equal(await greeting(rt.arn, s), "hello");

  // A transition due in 60 s: its timer does not fire during the test, so only a read settles it.
  const saved = process.env.AGENTCORE_LOCAL_RUNTIME_SETTLE_MS;
  process.env.AGENTCORE_LOCAL_RUNTIME_SETTLE_MS = "60000";
  try {
    await update(rt.id, "changes/clock.zip", "bonjour");
  } finally {
    if (saved === undefined) delete process.env.AGENTCORE_LOCAL_RUNTIME_SETTLE_MS;
    else process.env.AGENTCORE_LOCAL_RUNTIME_SETTLE_MS = saved;
  }
  assert.equal(await greeting(rt.arn, s), "hello", "version 2 is still UPDATING: DEFAULT serves version 1");
  assert.equal(await greeting(rt.arn, s), "hello");

  const services = local.server.services;
  const realNow = services.now;
  services.now = () => new Date(Date.now() + 61_000); // within SigV4's 15-minute skew
  try {
    assert.equal(await greeting(rt.arn, s), "bonjour", "the transition came due: DEFAULT serves version 2");
  } finally {
    services.now = realNow;
  }
});
