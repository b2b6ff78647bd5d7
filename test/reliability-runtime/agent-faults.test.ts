/**
 * Agent faults: an agent that exits at start, never becomes healthy, hangs
 * before answering, goes silent mid-stream, or crashes mid-stream. Each time the caller gets a
 * clear RuntimeClientError (or an SSE `event: error` frame once streaming began) within the
 * configured timeout, Local AgentCore stays healthy, the session's next invoke gets a fresh
 * instance, and the process table holds nothing of the failed agent — not even a helper process
 * it spawned, nor an agent that ignores SIGTERM.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { InvokeAgentRuntimeCommand } from "@aws-sdk/client-bedrock-agentcore";
import { startTestLocal, type TestLocal } from "../helpers/local.js";
import { rejection } from "../runtime-control/setup.js";
import { createRole, invokeJson, isAlive, sessionId, until } from "../runtime-host/setup.js";
import { deployFaultAgent, processesInRuntimes, processesOf } from "./setup.js";

let local: TestLocal;
let faulty: { id: string; arn: string };
let exitsAtStart: { id: string; arn: string };
let neverHealthy: { id: string; arn: string };
const TEST = { timeout: 60_000 };

/** Sets AGENTCORE_LOCAL_* variables for the duration of `fn` (the host reads them per call). */
async function withEnv<T>(vars: Record<string, string>, fn: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  Object.assign(process.env, vars);
  try {
    return await fn();
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

const helpers = () => processesInRuntimes(local.stateDir).filter((p) => p.cmd.includes("fault-agent-helper"));

async function assertHealthy(): Promise<void> {
  const res = await fetch(`${local.endpoint}/_local/health`);
  assert.equal(res.status, 200);
  assert.equal(((await res.json()) as { status: string }).status, "ok");
  const other = await invokeJson(local, { agentRuntimeArn: faulty.arn, runtimeSessionId: sessionId(`ok-${Math.random()}`), payload: {}, contentType: "application/json" });
  assert.equal(other.status, 200, "another session still works");
}

/** The failed instance and everything it started are gone, and the session gets a new instance. */
async function assertReplaced(session: string, oldPid: number): Promise<void> {
  await until(() => !isAlive(oldPid), `the failed agent ${oldPid} to be gone`);
  await until(() => helpers().length === 0, "the agent's helper process to be gone");
  const next = await invokeJson(local, { agentRuntimeArn: faulty.arn, runtimeSessionId: session, payload: {}, contentType: "application/json" });
  assert.notEqual(next.body.pid, oldPid, "the next invoke runs on a fresh instance");
}

async function startSession(label: string): Promise<{ session: string; pid: number }> {
  const session = sessionId(label);
  const first = await invokeJson(local, { agentRuntimeArn: faulty.arn, runtimeSessionId: session, payload: {}, contentType: "application/json" });
  return { session, pid: first.body.pid };
}

function sse(session: string, payload: unknown) {
  return local.clients.data.send(
    new InvokeAgentRuntimeCommand({
      agentRuntimeArn: faulty.arn,
      runtimeSessionId: session,
      contentType: "application/json",
      accept: "text/event-stream",
      payload: Buffer.from(JSON.stringify(payload)),
    }),
  );
}

before(async () => {
  local = await startTestLocal();
  local.server.services.log = () => {};
  process.env.AGENTCORE_LOCAL_AGENT_STOP_GRACE_MS = "300";
  const roleArn = await createRole(local, "fault-agent-role");
  // FAULT_IGNORE_TERM: stopping these agents needs the SIGKILL escalation.
  faulty = await deployFaultAgent(local, "faulty_agent", roleArn, { FAULT_IGNORE_TERM: "1" });
  exitsAtStart = await deployFaultAgent(local, "exits_at_start", roleArn, { FAULT_START: "exit" });
  neverHealthy = await deployFaultAgent(local, "never_healthy", roleArn, { FAULT_START: "never-healthy", FAULT_IGNORE_TERM: "1" });
});

after(async () => {
  delete process.env.AGENTCORE_LOCAL_AGENT_STOP_GRACE_MS;
  await local?.stop();
});

test("an agent that exits at start: RuntimeClientError with its last log line, no instance kept, no process left", TEST, async () => {
  const s = sessionId("exits");
  for (let attempt = 0; attempt < 2; attempt++) {
    const e = await rejection(invokeJson(local, { agentRuntimeArn: exitsAtStart.arn, runtimeSessionId: s, payload: {}, contentType: "application/json" }));
    assert.equal(e.name, "RuntimeClientError");
    assert.equal(e.$metadata?.httpStatusCode, 424);
    assert.match(e.message, /exited with code 5 before it answered GET \/ping/);
    assert.match(e.message, /exiting at start on purpose/, "the agent's own last words are in the error");
  }
  assert.equal(local.server.runtimeHost.sessionInstance(exitsAtStart.id, s), undefined);
  assert.deepEqual(processesOf(local.stateDir, exitsAtStart.id), []);
  await assertHealthy();
});

test("an agent that never becomes healthy: RuntimeClientError after AGENTCORE_LOCAL_AGENT_START_TIMEOUT_MS; the agent is killed although it ignores SIGTERM", TEST, async () => {
  const e = await withEnv({ AGENTCORE_LOCAL_AGENT_START_TIMEOUT_MS: "1500" }, () =>
    rejection(invokeJson(local, { agentRuntimeArn: neverHealthy.arn, runtimeSessionId: sessionId("unhealthy"), payload: {}, contentType: "application/json" })),
  );
  assert.equal(e.name, "RuntimeClientError");
  assert.equal(e.$metadata?.httpStatusCode, 424);
  assert.match(e.message, /did not answer GET \/ping on port \d+ within 1\.5 s \(AGENTCORE_LOCAL_AGENT_START_TIMEOUT_MS/);
  await until(() => processesOf(local.stateDir, neverHealthy.id).length === 0, "the unhealthy agent (which ignores SIGTERM) to be gone");
  await assertHealthy();
});

test("an agent that hangs before answering: RuntimeClientError after AGENTCORE_LOCAL_INVOKE_TIMEOUT_MS; agent and its helper are gone; a fresh instance next", TEST, async () => {
  const { session, pid } = await startSession("hang");
  const e = await withEnv({ AGENTCORE_LOCAL_INVOKE_TIMEOUT_MS: "1500" }, () =>
    rejection(invokeJson(local, { agentRuntimeArn: faulty.arn, runtimeSessionId: session, payload: { spawnHelper: true, hang: true }, contentType: "application/json" })),
  );
  assert.equal(e.name, "RuntimeClientError");
  assert.equal(e.$metadata?.httpStatusCode, 424);
  assert.match(e.message, /did not start answering within 1\.5 s \(AGENTCORE_LOCAL_INVOKE_TIMEOUT_MS\)/);
  await assertReplaced(session, pid);
  await assertHealthy();
});

test("an agent that goes silent mid-stream: an SSE error frame after AGENTCORE_LOCAL_STREAM_IDLE_TIMEOUT_MS; a fresh instance next", TEST, async () => {
  const { session, pid } = await startSession("silent");
  const text = await withEnv({ AGENTCORE_LOCAL_STREAM_IDLE_TIMEOUT_MS: "1500" }, async () => {
    const out = await sse(session, { spawnHelper: true, streamThenHang: true });
    assert.equal(out.contentType, "text/event-stream");
    return out.response!.transformToString();
  });
  assert.match(text, /^data: \{"part":1\}\n\n/);
  assert.match(text, /event: error\ndata: \{"error":"Local AgentCore: the agent sent nothing for 1\.5 s in the middle of its response \(AGENTCORE_LOCAL_STREAM_IDLE_TIMEOUT_MS\)"\}\n\n$/);
  await assertReplaced(session, pid);
  await assertHealthy();
});

test("an agent that crashes mid-stream: an SSE error frame; its helper process dies with it; a fresh instance next", TEST, async () => {
  const { session, pid } = await startSession("crash-sse");
  const out = await sse(session, { spawnHelper: true, crashMidStream: true });
  const text = await out.response!.transformToString();
  assert.match(text, /^data: \{"part":1\}\n\n/);
  assert.match(text, /event: error\ndata: \{"error":"Local AgentCore: the agent's connection closed before its response was complete/);
  await assertReplaced(session, pid);
  await assertHealthy();
});

test("an agent that crashes in the middle of a JSON body: the read fails instead of returning a cut body; a fresh instance next", TEST, async () => {
  const { session, pid } = await startSession("crash-json");
  const out = await local.clients.data.send(
    new InvokeAgentRuntimeCommand({ agentRuntimeArn: faulty.arn, runtimeSessionId: session, contentType: "application/json", payload: Buffer.from(JSON.stringify({ crashMidJson: true })) }),
  );
  await assert.rejects(out.response!.transformToString());
  await assertReplaced(session, pid);
  await assertHealthy();
});

test("an agent that answers HTTP 500 keeps its instance: the session's memory survives the error", TEST, async () => {
  const session = sessionId("error-keeps");
  const call = (failOnCall?: number) => invokeJson(local, { agentRuntimeArn: faulty.arn, runtimeSessionId: session, payload: { failOnCall }, contentType: "application/json" });
  const first = await call(2);
  assert.equal(first.body.calls, 1);
  const e = await rejection(call(2));
  assert.equal(e.name, "RuntimeClientError");
  assert.equal(e.$metadata?.httpStatusCode, 424);
  assert.match(e.message, /Received error \(500\) from the agent: failing call 2 on purpose/);
  const third = await call(2);
  assert.equal(third.body.pid, first.body.pid, "the same instance answers after the error");
  assert.equal(third.body.calls, 3, "the agent still remembers the session's earlier calls");
  assert.ok(isAlive(first.body.pid));
});

test("after all those faults, closing Local AgentCore leaves no process in its runtime folders", TEST, async () => {
  assert.ok(processesInRuntimes(local.stateDir).length > 0, "healthy instances are running");
  await local.server.close();
  assert.deepEqual(processesInRuntimes(local.stateDir), []);
});
