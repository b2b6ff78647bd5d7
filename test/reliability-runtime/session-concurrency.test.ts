/**
 * Parallel invokes on one runtime session. AgentCore Runtime routes a
 * session's requests to its one microVM, and agents cannot run two invocations at once (Strands:
 * ConcurrentInvocationError), so Local AgentCore runs them one after the other, first come first
 * served; an invoke that cannot get its turn within AGENTCORE_LOCAL_SESSION_WAIT_MS, or finds
 * AGENTCORE_LOCAL_SESSION_QUEUE_MAX others waiting, gets the data plane's modeled
 * RetryableConflictException (409, retryable: the SDK's default strategy retries it).
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { InvokeAgentRuntimeCommand } from "@aws-sdk/client-bedrock-agentcore";
import { startTestLocal, type TestLocal } from "../helpers/local.js";
import { rejection } from "../runtime-control/setup.js";
import { createRole, invokeJson, sessionId, until } from "../runtime-host/setup.js";
import { deployFaultAgent } from "./setup.js";

let local: TestLocal;
let agent: { id: string; arn: string };
const TEST = { timeout: 60_000 };

before(async () => {
  local = await startTestLocal();
  local.server.services.log = () => {};
  agent = await deployFaultAgent(local, "concurrency_agent", await createRole(local, "concurrency-role"));
});
after(() => local?.stop());

test("parallel invokes on one session all succeed, one at a time inside the one agent instance", TEST, async () => {
  const s = sessionId("parallel");
  const n = 12;
  const results = await Promise.all(
    Array.from({ length: n }, (_, seq) => invokeJson(local, { agentRuntimeArn: agent.arn, runtimeSessionId: s, payload: { seq, work: 40 }, contentType: "application/json" })),
  );
  assert.equal(new Set(results.map((r) => r.body.pid)).size, 1, "one session, one instance");
  for (const [seq, r] of results.entries()) {
    assert.equal(r.status, 200);
    assert.equal(r.body.seq, seq, "each caller gets its own answer");
    assert.equal(r.body.inFlight, 1, `invocation ${seq} overlapped another inside the agent`);
  }
  assert.equal(Math.max(...results.map((r) => r.body.maxInFlight)), 1, "never two invocations inside the agent at once");
  assert.deepEqual(results.map((r) => r.body.served).sort((a, b) => a - b), Array.from({ length: n }, (_, i) => i + 1));
  assert.equal(local.server.runtimeHost.sessionLoad(agent.id, s), 0, "the session's turn is released");
});

/** Opens a streamed answer the caller keeps open, which holds session `s`'s turn; returns its reader. */
async function holdSessionTurn(s: string): Promise<AsyncIterator<Uint8Array>> {
  const open = await local.clients.data.send(
    new InvokeAgentRuntimeCommand({
      agentRuntimeArn: agent.arn,
      runtimeSessionId: s,
      contentType: "application/json",
      accept: "text/event-stream",
      payload: Buffer.from(JSON.stringify({ streamThenHang: true })),
    }),
  );
  return (open.response as AsyncIterable<Uint8Array>)[Symbol.asyncIterator]();
}

test("an invoke that cannot get the session's turn in time gets RetryableConflictException; the session is free once the first ends", TEST, async () => {
  const s = sessionId("busy");
  const first = await invokeJson(local, { agentRuntimeArn: agent.arn, runtimeSessionId: s, payload: {}, contentType: "application/json" });
  // A streamed answer the caller keeps open holds the session's turn.
  const it = await holdSessionTurn(s);
  assert.equal(Buffer.from((await it.next()).value!).toString("utf8"), 'data: {"part":1}\n\n');

  process.env.AGENTCORE_LOCAL_SESSION_WAIT_MS = "300";
  try {
    const waited = await rejection(invokeJson(local, { agentRuntimeArn: agent.arn, runtimeSessionId: s, payload: {}, contentType: "application/json" }));
    assert.equal(waited.name, "RetryableConflictException");
    assert.equal(waited.$metadata?.httpStatusCode, 409);
    assert.ok((waited as { $retryable?: unknown }).$retryable, "modeled as retryable: default SDK clients retry it");
    assert.match(waited.message, /busy with another invocation for 0\.3 s \(AGENTCORE_LOCAL_SESSION_WAIT_MS\)/);

    process.env.AGENTCORE_LOCAL_SESSION_QUEUE_MAX = "0";
    const full = await rejection(invokeJson(local, { agentRuntimeArn: agent.arn, runtimeSessionId: s, payload: {}, contentType: "application/json" }));
    assert.equal(full.name, "RetryableConflictException");
    assert.match(full.message, /AGENTCORE_LOCAL_SESSION_QUEUE_MAX=0/);
  } finally {
    delete process.env.AGENTCORE_LOCAL_SESSION_WAIT_MS;
    delete process.env.AGENTCORE_LOCAL_SESSION_QUEUE_MAX;
  }

  const other = await invokeJson(local, { agentRuntimeArn: agent.arn, runtimeSessionId: sessionId("other"), payload: {}, contentType: "application/json" });
  assert.equal(other.status, 200, "other sessions are not held up");

  await it.return?.(); // the caller goes away: the session's turn ends
  await until(() => local.server.runtimeHost.sessionLoad(agent.id, s) === 0, "the session's turn to be released");
  const next = await invokeJson(local, { agentRuntimeArn: agent.arn, runtimeSessionId: s, payload: {}, contentType: "application/json" });
  assert.equal(next.body.pid, first.body.pid, "the same instance serves the session again");
});

test("a caller that gives up while waiting for the session's turn leaves the queue at once (its operation's signal aborts)", TEST, async () => {
  const s = sessionId("give-up");
  const it = await holdSessionTurn(s);
  await it.next();
  const giveUp = new AbortController();
  const waiting = rejection(
    local.clients.data.send(
      new InvokeAgentRuntimeCommand({ agentRuntimeArn: agent.arn, runtimeSessionId: s, contentType: "application/json", payload: Buffer.from("{}") }),
      { abortSignal: giveUp.signal },
    ),
  );
  await until(() => local.server.runtimeHost.sessionLoad(agent.id, s) === 2, "the second invoke to wait for the session");
  giveUp.abort();
  await waiting;
  await until(() => local.server.runtimeHost.sessionLoad(agent.id, s) === 1, "the waiter that gave up to leave the queue", 3000);
  await it.return?.();
  await until(() => local.server.runtimeHost.sessionLoad(agent.id, s) === 0, "the session's turn to be released");
});
