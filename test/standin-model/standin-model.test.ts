import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import OpenAI from "openai";
import { z } from "zod";
import { evaluate } from "mathjs";
import { Agent, tool } from "@strands-agents/sdk";
import { OpenAIModel } from "@strands-agents/sdk/models/openai";
import { Store } from "../../lib/local/state/store.js";
import { issueModelKey, isIssuedModelKey } from "../../lib/local/standin-model/keys.js";
import { handleStandinModel } from "../../lib/local/standin-model/openai-route.js";
import { findExpression, respond, type ChatTool } from "../../lib/local/standin-model/respond.js";

const calculatorTool: ChatTool = {
  type: "function",
  function: { name: "calculator", description: "Evaluate a math expression", parameters: { type: "object", properties: { expression: { type: "string" } } } },
};
const weatherTool: ChatTool = { type: "function", function: { name: "weather", description: "Get weather", parameters: { type: "object", properties: {} } } };

test("finds the arithmetic in a question", () => {
  assert.equal(findExpression("How much is 2X2?"), "2*2");
  assert.equal(findExpression("what is (3 + 4) x 5 please"), "(3 + 4)*5");
  assert.equal(findExpression("What is the weather now?"), undefined);
  assert.equal(findExpression("I have 2 cats"), undefined);
});

test("calls the calculator for arithmetic, the weather tool for weather, answers plainly otherwise", () => {
  const tools = [calculatorTool, weatherTool];
  const calc = respond({ messages: [{ role: "user", content: [{ type: "text", text: "How much is 2X2?" }] }], tools });
  assert.deepEqual({ ...calc, id: undefined }, { kind: "tool_call", id: undefined, name: "calculator", arguments: '{"expression":"2*2"}' });
  const weather = respond({ messages: [{ role: "user", content: "What is the weather now?" }], tools });
  assert.equal(weather.kind === "tool_call" && weather.name, "weather");
  const hello = respond({ messages: [{ role: "user", content: "Hello" }], tools });
  assert.equal(hello.kind, "text");
  assert.match(hello.kind === "text" ? hello.text : "", /^Hello! .*stand-in/);
});

test("calls the tool whose name the request spells out, with the quoted text as its argument", () => {
  const list: ChatTool = { type: "function", function: { name: "list_calendar_events", description: "List the events", parameters: { type: "object", properties: {} } } };
  const add: ChatTool = {
    type: "function",
    function: { name: "add_calendar_event", description: "Add an event", parameters: { type: "object", properties: { summary: { type: "string" } } } },
  };
  const tools = [calculatorTool, weatherTool, list, add];
  const listed = respond({ messages: [{ role: "user", content: "List my calendar events" }], tools });
  assert.deepEqual({ ...listed, id: undefined }, { kind: "tool_call", id: undefined, name: "list_calendar_events", arguments: "{}" });
  const added = respond({ messages: [{ role: "user", content: "Add an event 'Team lunch' to my calendar" }], tools });
  assert.deepEqual({ ...added, id: undefined }, { kind: "tool_call", id: undefined, name: "add_calendar_event", arguments: '{"summary":"Team lunch"}' });
  // One shared word is not enough to pick a tool: a plain answer instead.
  const vague = respond({ messages: [{ role: "user", content: "What is an event?" }], tools });
  assert.equal(vague.kind, "text");
  // Arithmetic and weather keep their own rules.
  const calc = respond({ messages: [{ role: "user", content: "How much is 2X2 events in my calendar?" }], tools });
  assert.equal(calc.kind === "tool_call" && calc.name, "calculator");
});

test("answers from tool results on the second turn", () => {
  const reply = respond({
    tools: [calculatorTool],
    messages: [
      { role: "user", content: "How much is 2X2?" },
      { role: "assistant", tool_calls: [{ id: "c1", type: "function", function: { name: "calculator", arguments: '{"expression":"2*2"}' } }] },
      { role: "tool", tool_call_id: "c1", content: "4" },
    ],
  });
  assert.deepEqual(reply, { kind: "text", text: "2*2 = 4" });
});

let dir: string;
let store: Store;
let server: Server;
let baseURL: string;
let key: string;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "standin-"));
  store = new Store(dir);
  key = issueModelKey(store);
  server = createServer((req, res) => {
    const path = (req.url ?? "").replace(/^\/v1/, "");
    void handleStandinModel(req, res, path, { isIssuedKey: (k) => isIssuedModelKey(store, k) }).then((handled) => {
      if (!handled) res.writeHead(404).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const addr = server.address();
  baseURL = `http://127.0.0.1:${typeof addr === "object" && addr ? addr.port : 0}/v1`;
});

after(() => {
  server.close();
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

test("refuses keys it did not issue, in OpenAI's error shape", async () => {
  const client = new OpenAI({ apiKey: "sk-not-issued-by-local-agentcore-0000", baseURL, maxRetries: 0 });
  await assert.rejects(client.models.list(), (e: unknown) => {
    assert.ok(e instanceof OpenAI.AuthenticationError);
    assert.equal(e.status, 401);
    assert.equal(e.code, "invalid_api_key");
    assert.ok(!String(e.message).includes("sk-not-issued-by-local-agentcore-0000"), "the key is masked");
    return true;
  });
});

test("speaks the OpenAI chat API, streaming and not", async () => {
  const client = new OpenAI({ apiKey: key, baseURL, maxRetries: 0 });
  const models = await client.models.list();
  assert.match(models.data[0]!.id, /stand-in/);
  const once = await client.chat.completions.create({ model: "any", messages: [{ role: "user", content: "How much is 2X2?" }], tools: [calculatorTool] as OpenAI.ChatCompletionTool[] });
  assert.equal(once.choices[0]!.finish_reason, "tool_calls");
  assert.equal(once.choices[0]!.message.tool_calls?.[0]?.type === "function" && once.choices[0]!.message.tool_calls[0].function.name, "calculator");
  const stream = await client.chat.completions.create({ model: "any", stream: true, messages: [{ role: "user", content: "Hello there" }] });
  let text = "";
  let chunks = 0;
  for await (const chunk of stream) {
    chunks++;
    text += chunk.choices[0]?.delta?.content ?? "";
  }
  assert.ok(chunks > 3, "the answer arrives in several chunks");
  assert.match(text, /^Hello! I am the Local AgentCore stand-in model/);
});

test("drives a real Strands agent through a tool round trip", async () => {
  const calculator = tool({
    name: "calculator",
    description: "Evaluate a math expression safely",
    inputSchema: z.object({ expression: z.string() }),
    callback: ({ expression }) => String(evaluate(expression)),
  });
  const weather = tool({ name: "weather", description: "Get weather", inputSchema: z.object({}), callback: () => "sunny" });
  const agent = new Agent({
    model: new OpenAIModel({ api: "chat", modelId: "gpt-4o-mini", apiKey: key, clientConfig: { baseURL, maxRetries: 0 } }),
    tools: [calculator, weather],
    printer: false,
  });
  const result = await agent.invoke("How much is 2X2?");
  assert.equal(result.toString().trim(), "2*2 = 4");
  const agent2 = new Agent({
    model: new OpenAIModel({ api: "chat", modelId: "gpt-4o-mini", apiKey: key, clientConfig: { baseURL, maxRetries: 0 } }),
    tools: [calculator, weather],
    printer: false,
  });
  assert.match((await agent2.invoke("What is the weather now?")).toString(), /sunny/);
});
