/**
 * The stand-in model over HTTP, OpenAI-compatible: `POST <base>/chat/completions` (streaming SSE
 * `chat.completion.chunk` frames ending `[DONE]`, or one JSON `chat.completion`) and
 * `GET <base>/models`. Mounted by the server at `/_local/openai/v1`.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { randomUUID } from "node:crypto";
import { maskKey } from "./keys.js";
import { respond, STANDIN_MODEL_ID, type ChatRequest, type Reply } from "./respond.js";

export interface StandinRouteOptions {
  isIssuedKey(key: string): boolean;
  log?(line: string): void;
}

const MAX_BODY = 4 * 1024 * 1024;

function openAiError(res: ServerResponse, status: number, message: string, type: string, code: string | null) {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify({ error: { message, type, param: null, code } }));
}

async function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** Handles a request whose path (below the mount point) is `subpath`. Returns false when not ours. */
export async function handleStandinModel(
  req: IncomingMessage,
  res: ServerResponse,
  subpath: string,
  opts: StandinRouteOptions,
): Promise<boolean> {
  const route = `${req.method} ${subpath.replace(/\/+$/, "")}`;
  if (route !== "POST /chat/completions" && route !== "GET /models") return false;

  const auth = String(req.headers.authorization ?? "");
  const key = /^Bearer\s+(.+)$/i.exec(auth)?.[1]?.trim() ?? "";
  if (!key || !opts.isIssuedKey(key)) {
    opts.log?.(`stand-in model: refused a request with ${key ? `key ${maskKey(key)}` : "no key"}`);
    openAiError(
      res,
      401,
      key
        ? `Incorrect API key provided: ${maskKey(key)}. The Local AgentCore stand-in model only accepts keys it issued (npm run local -- issue-key openai).`
        : "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth.",
      "invalid_request_error",
      "invalid_api_key",
    );
    return true;
  }

  if (route === "GET /models") {
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ object: "list", data: [{ id: STANDIN_MODEL_ID, object: "model", created: 0, owned_by: "agentcore-local" }] }));
    return true;
  }

  const body = await readBody(req);
  if (!body) return openAiError(res, 413, "Request body too large.", "invalid_request_error", null), true;
  let chat: ChatRequest;
  try {
    chat = JSON.parse(body.toString("utf8")) as ChatRequest;
    if (!Array.isArray(chat.messages)) throw new Error("messages must be an array");
  } catch (e) {
    openAiError(res, 400, `Invalid request: ${(e as Error).message}`, "invalid_request_error", null);
    return true;
  }

  const reply = respond(chat);
  opts.log?.(`stand-in model: ${reply.kind === "tool_call" ? `calls tool ${reply.name}` : "answers with text"}`);
  const id = `chatcmpl-${randomUUID()}`;
  const created = Math.floor(Date.now() / 1000);
  const usage = { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 };
  const finish = reply.kind === "tool_call" ? "tool_calls" : "stop";

  if (!chat.stream) {
    const message =
      reply.kind === "tool_call"
        ? { role: "assistant", content: null, tool_calls: [{ id: reply.id, type: "function", function: { name: reply.name, arguments: reply.arguments } }] }
        : { role: "assistant", content: reply.text };
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ id, object: "chat.completion", created, model: STANDIN_MODEL_ID, choices: [{ index: 0, message, finish_reason: finish }], usage }));
    return true;
  }

  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", connection: "keep-alive" });
  const send = (choices: unknown[], extra: Record<string, unknown> = {}) =>
    res.write(`data: ${JSON.stringify({ id, object: "chat.completion.chunk", created, model: STANDIN_MODEL_ID, choices, ...extra })}\n\n`);
  for (const delta of deltas(reply)) send([{ index: 0, delta, finish_reason: null }]);
  send([{ index: 0, delta: {}, finish_reason: finish }]);
  const wantsUsage = (chat as { stream_options?: { include_usage?: boolean } }).stream_options?.include_usage;
  if (wantsUsage) send([], { usage });
  res.end("data: [DONE]\n\n");
  return true;
}

/** The streamed pieces of a reply: a role delta, then words (text) or one tool call. */
function* deltas(reply: Reply): Generator<Record<string, unknown>> {
  yield { role: "assistant", content: "" };
  if (reply.kind === "tool_call") {
    yield { tool_calls: [{ index: 0, id: reply.id, type: "function", function: { name: reply.name, arguments: "" } }] };
    yield { tool_calls: [{ index: 0, function: { arguments: reply.arguments } }] };
    return;
  }
  for (const word of reply.text.match(/\S+\s*/g) ?? [reply.text]) yield { content: word };
}
