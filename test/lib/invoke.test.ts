/** Invoke decoding: JSON, text, SSE joined and streamed (split anywhere), agent errors made readable; masking; sessions. */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { decodeBody, joinSseData, readableInvokeError, sseChunks, newSessionId, InvokeError } from "../../lib/agentcore/invoke.js";
import { maskSecret } from "../../lib/agentcore/identity.js";
import { targetFromEnv } from "../../lib/session.js";

const SSE = 'data: {"text":"It is "}\n\ndata: {"text":"sunny in Seattle."}\n\n: heartbeat\n\ndata: line one\ndata: line two\n\n';

async function* split(text: string, size: number): AsyncGenerator<Uint8Array> {
  const bytes = new TextEncoder().encode(text);
  for (let i = 0; i < bytes.length; i += size) yield bytes.slice(i, i + size);
}

describe("decoding", () => {
  test("JSON, text and SSE bodies", () => {
    assert.deepEqual(decodeBody("application/json; charset=utf-8", '{"a":1}'), { a: 1 });
    assert.equal(decodeBody("text/plain; charset=utf-8", "Hello"), "Hello");
    assert.equal(decodeBody("application/json", "not json"), "not json");
    assert.equal(decodeBody("text/event-stream", SSE), '{"text":"It is "}\n{"text":"sunny in Seattle."}\nline one\nline two');
  });

  test("streamed chunks are the same whatever the byte boundaries (multi-byte characters too)", async () => {
    const text = 'data: {"word":"héllo ☀"}\n\ndata: plain\n\n';
    for (const size of [1, 2, 3, 7, 1000]) {
      const chunks: unknown[] = [];
      for await (const c of sseChunks(split(text, size))) chunks.push(c);
      assert.deepEqual(chunks, [{ word: "héllo ☀" }, "plain"], `size ${size}`);
    }
  });

  test("an error event fails the stream and the join with the agent's message", async () => {
    const text = 'data: {"a":1}\n\nevent: error\ndata: {"error":"boom"}\n\n';
    assert.throws(() => joinSseData(text), /The agent failed while streaming: boom/);
    const seen: unknown[] = [];
    await assert.rejects(
      (async () => {
        for await (const c of sseChunks(split(text, 5))) seen.push(c);
      })(),
      /boom/,
    );
    assert.deepEqual(seen, [{ a: 1 }]);
  });
});

describe("errors", () => {
  const sdkError = (name: string, message: string, status: number) => Object.assign(new Error(message), { name, $metadata: { httpStatusCode: status } });

  test("a denied key fetch names the tutorial's policy step", () => {
    const e = readableInvokeError(sdkError("RuntimeClientError", "Received error (500) from the agent: User: arn:aws:sts::1:assumed-role/r/s is not authorized to perform: bedrock-agentcore:GetResourceApiKey", 424), "arn");
    assert.ok(e instanceof InvokeError);
    assert.match(e.message, /outbound_policies/);
    assert.match(e.message, /tutorialOutboundPolicy/);
  });

  test("not found, validation, a missing token", () => {
    assert.match(readableInvokeError(sdkError("ResourceNotFoundException", "nope", 404), "arn:x").message, /launch\(\) it first/);
    assert.match(readableInvokeError(sdkError("ValidationException", "runtimeSessionId too short", 400), "a").message, /at least 33/);
    assert.match(readableInvokeError(sdkError("RuntimeClientError", "workloadIdentityToken not provided and no context available", 424), "a").message, /userId/);
    const other = new Error("x");
    assert.equal(readableInvokeError(other, "a"), other);
  });
});

test("session ids are at least 33 characters and differ", () => {
  const a = newSessionId();
  assert.ok(a.length >= 33);
  assert.notEqual(a, newSessionId());
});

test("secrets are masked", () => {
  assert.equal(maskSecret("sk-proj-abcdefghijklmnopa1b2"), "sk-…a1b2");
  assert.equal(maskSecret("AKIA" + "ABCDEFGHIJKLMNOP"), "AKI…MNOP");
  assert.equal(maskSecret("short"), "****");
  assert.equal(maskSecret(""), "(empty)");
});

test("the target comes from AGENTCORE_TARGET", () => {
  assert.equal(targetFromEnv({}), "local");
  assert.equal(targetFromEnv({ AGENTCORE_TARGET: "AWS" }), "aws");
  assert.throws(() => targetFromEnv({ AGENTCORE_TARGET: "prod" }), /must be "local" or "aws"/);
});
