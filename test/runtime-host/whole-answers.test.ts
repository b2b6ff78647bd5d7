/**
 * An agent's small answer of announced length (Content-Length, not an event stream) is read whole
 * and goes back to the caller in one write with its length; a larger one, or one without a length,
 * still streams. Reading whole must keep what streaming guarantees: an agent that breaks off or
 * goes silent mid-answer is a 424 RuntimeClientError (and is replaced), and a caller that goes
 * away lets go of the session's turn at once (the instance, not at fault, stays).
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { InvokeAgentRuntimeCommand } from "@aws-sdk/client-bedrock-agentcore";
import { WHOLE_ANSWER_MAX } from "../../lib/local/runtime-host/forward.js";
import { startTestLocal, type TestLocal } from "../helpers/local.js";
import { rejection } from "../runtime-control/setup.js";
import { createRole, deployBundle, echoBundle, sessionId } from "./setup.js";

let local: TestLocal;
let runtime: { id: string; arn: string };
/** Response headers of the client's last call, as they came over the wire. */
let lastHeaders: Record<string, string> = {};

before(async () => {
  local = await startTestLocal();
  local.server.services.log = () => {};
  const roleArn = await createRole(local, "whole-agent-role");
  runtime = await deployBundle(local, { name: "whole_agent", roleArn, key: "whole/v1.zip", zip: echoBundle() });
  local.clients.data.middlewareStack.add(
    (next) => async (args) => {
      const out = await next(args);
      lastHeaders = (out.response as { headers: Record<string, string> }).headers;
      return out;
    },
    { step: "deserialize", name: "responseHeaders", priority: "low" },
  );
});
after(() => local?.stop());

async function invoke(session: string, payload: unknown, abortSignal?: AbortSignal): Promise<{ body: any }> {
  const command = new InvokeAgentRuntimeCommand({ agentRuntimeArn: runtime.arn, runtimeSessionId: session, payload: Buffer.from(JSON.stringify(payload)) });
  const out = await local.clients.data.send(command, { abortSignal });
  return { body: JSON.parse(await out.response!.transformToString()) };
}

test("a small answer of announced length comes back whole with its length; a larger one, or one without a length, streams", async () => {
  const s = sessionId("whole");
  const small = await invoke(s, { whole: 100 });
  assert.equal(small.body.pad, "x".repeat(100));
  assert.equal(lastHeaders["content-length"], String(JSON.stringify({ pad: "x".repeat(100) }).length));
  assert.equal(lastHeaders["transfer-encoding"], undefined);

  const large = await invoke(s, { whole: WHOLE_ANSWER_MAX + 10 });
  assert.equal(large.body.pad.length, WHOLE_ANSWER_MAX + 10);
  assert.equal(lastHeaders["content-length"], undefined, "streamed");
  assert.equal(lastHeaders["transfer-encoding"], "chunked");

  const unannounced = await invoke(s, { hi: 1 }); // the echo answers without Content-Length
  assert.deepEqual(unannounced.body.echo, { hi: 1 });
  assert.equal(lastHeaders["transfer-encoding"], "chunked");
});

test("an agent that crashes in the middle of an answer of announced length: 424 RuntimeClientError, and a fresh instance next", async () => {
  const s = sessionId("crash");
  const { body: before } = await invoke(s, { hi: 1 });
  const e = await rejection(invoke(s, { partial: "crash" }));
  assert.equal(e.name, "RuntimeClientError", e.message);
  assert.match(e.message, /closed before its response was complete/);
  const { body: after } = await invoke(s, { hi: 1 });
  assert.notEqual(after.pid, before.pid, "the broken instance was replaced");
});

test("an agent silent in the middle of an answer of announced length: 424 after the stream idle timeout", async () => {
  process.env.AGENTCORE_LOCAL_STREAM_IDLE_TIMEOUT_MS = "300";
  try {
    const e = await rejection(invoke(sessionId("silent"), { partial: "hang" }));
    assert.equal(e.name, "RuntimeClientError", e.message);
    assert.match(e.message, /sent nothing for 0.3 s/);
  } finally {
    delete process.env.AGENTCORE_LOCAL_STREAM_IDLE_TIMEOUT_MS;
  }
});

test("a caller that goes away while an answer of announced length is read lets go of the session's turn, and the instance stays", async () => {
  const s = sessionId("away");
  const { body: first } = await invoke(s, { hi: 1 });
  const abort = new AbortController();
  const gone = invoke(s, { partial: "hang" }, abort.signal).catch((err: Error) => err);
  await new Promise((r) => setTimeout(r, 300));
  abort.abort();
  assert.ok((await gone) instanceof Error);
  // Held, the turn would make this wait the session wait (1 s here) and fail with a conflict.
  process.env.AGENTCORE_LOCAL_SESSION_WAIT_MS = "1000";
  try {
    const { body } = await invoke(s, { hi: 2 });
    assert.deepEqual(body.echo, { hi: 2 });
    assert.equal(body.pid, first.pid, "the agent was not at fault: its instance (and the session's memory) stays");
  } finally {
    delete process.env.AGENTCORE_LOCAL_SESSION_WAIT_MS;
  }
});
