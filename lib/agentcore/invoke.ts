/**
 * InvokeAgentRuntime and its answers: JSON, plain text, or SSE (parsed with eventsource-parser),
 * whole or as a stream of chunks, and errors turned into messages that say what to do next.
 */
import { randomUUID } from "node:crypto";
import { Agent as HttpAgent } from "node:http";
import { Agent as HttpsAgent } from "node:https";
import { BedrockAgentCoreClient, InvokeAgentRuntimeCommand } from "@aws-sdk/client-bedrock-agentcore";
import { createParser, type EventSourceMessage } from "eventsource-parser";
import type { Session } from "../session.js";
import { errorName, httpStatus } from "./aws-errors.js";
import { useBearerToken } from "./bearer.js";

/** Session ids must be at least 33 characters; the toolkit uses a UUID (36). */
export function newSessionId(): string {
  return randomUUID();
}

/** The decoded value of a whole body. */
export function decodeBody(contentType: string | undefined, text: string): unknown {
  const type = (contentType ?? "").toLowerCase();
  if (type.includes("text/event-stream")) return joinSseData(text);
  if (type.includes("json")) {
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  }
  return text;
}

/** All events of an SSE text. */
export function parseSse(text: string): EventSourceMessage[] {
  const events: EventSourceMessage[] = [];
  const parser = createParser({ onEvent: (e) => events.push(e) });
  parser.feed(text);
  parser.feed("\n\n"); // a last event without its blank line still counts
  return events;
}

/** The SSE `data:` payloads joined with newlines (what the tutorial's boto3 cell prints); an `error` event throws. */
export function joinSseData(text: string): string {
  const events = parseSse(text);
  const failed = events.find((e) => e.event === "error");
  if (failed) throw agentStreamError(failed.data);
  return events.map((e) => e.data).join("\n");
}

/** An SSE data payload as a value: JSON when it parses, else the string. */
export function chunkValue(data: string): unknown {
  try {
    return JSON.parse(data);
  } catch {
    return data;
  }
}

function agentStreamError(data: string): InvokeError {
  const value = chunkValue(data) as { error?: string } | string;
  const message = typeof value === "string" ? value : (value.error ?? data);
  return new InvokeError("AgentStreamError", `The agent failed while streaming: ${message}`, undefined, hintFor(message));
}

/** Chunks of an SSE byte stream as they arrive (each event's data, JSON-decoded when it is JSON). */
export async function* sseChunks(body: AsyncIterable<Uint8Array | string>): AsyncGenerator<unknown> {
  const pending: EventSourceMessage[] = [];
  const parser = createParser({ onEvent: (e) => pending.push(e) });
  const decoder = new TextDecoder();
  const drain = function* () {
    while (pending.length) {
      const e = pending.shift()!;
      if (e.event === "error") throw agentStreamError(e.data);
      yield chunkValue(e.data);
    }
  };
  for await (const part of body) {
    parser.feed(typeof part === "string" ? part : decoder.decode(part, { stream: true }));
    yield* drain();
  }
  parser.feed(decoder.decode() + "\n\n");
  yield* drain();
}

export class InvokeError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status?: number,
    readonly hint?: string,
  ) {
    super(hint ? `${message}\n→ ${hint}` : message);
    this.name = "InvokeError";
  }
}

const OUTBOUND_HINT =
  "The execution role may not read API keys yet: run the tutorial's \"Add extra required policies\" cell " +
  "(putRolePolicy(roleArn, \"outbound_policies\", tutorialOutboundPolicy())) and invoke again.";

function hintFor(message: string): string | undefined {
  if (/workloadIdentityToken not provided|Workload access token has not been set/i.test(message)) {
    return "The agent got no workload access token: invoke with a user id (invoke(payload, { userId: \"...\" })), as AgentCore issues one only for a user with SigV4 callers.";
  }
  if (/GetResourceApiKey|secretsmanager:GetSecretValue/i.test(message) && /not authorized|AccessDenied|denied/i.test(message)) return OUTBOUND_HINT;
  if (/HTTP 500 with an empty body/.test(message)) {
    return "The agent failed before it started streaming, and in SSE mode its app drops the message: invoke without { stream: true } to read it.";
  }
  if (/credential provider .*not found/i.test(message)) return "Create the API key credential provider first (createApiKeyCredentialProvider), with the name the agent uses.";
  return undefined;
}

/** An SDK error from InvokeAgentRuntime, as something a notebook user can act on. */
export function readableInvokeError(e: unknown, arn: string, withBearer = false): Error {
  const name = errorName(e);
  const status = httpStatus(e);
  const message = (e as Error).message ?? String(e);
  switch (name) {
    case "ResourceNotFoundException":
      return new InvokeError(name, `No agent runtime ${arn} (or its DEFAULT endpoint): ${message}`, status, "launch() it first, or check the target (AGENTCORE_TARGET) and region.");
    case "RuntimeClientError":
      return new InvokeError(name, `The agent answered with an error: ${message}`, status, hintFor(message) ?? "See the agent's log; run the agent file locally to debug it.");
    case "AccessDeniedException":
      if (/Authorization method mismatch/.test(message)) {
        return new InvokeError(
          name,
          `${arn} refused the request: ${message}`,
          status,
          withBearer
            ? "This runtime takes SigV4 (it has no JWT authorizer): invoke without bearerToken."
            : "This runtime has a JWT authorizer: invoke with the caller's JWT (invoke(payload, { bearerToken })).",
        );
      }
      return new InvokeError(name, `Access denied invoking ${arn}: ${message}`, status, hintFor(message) ?? "Your credentials need bedrock-agentcore:InvokeAgentRuntime on this runtime.");
    case "UnauthorizedException":
      return new InvokeError(name, `The runtime's JWT authorizer refused the token: ${message}`, status, "Get a new token from the issuer the runtime trusts, for an allowed client and audience.");
    case "ValidationException":
      return new InvokeError(name, `The invoke request was rejected: ${message}`, status, /session/i.test(message) ? "runtimeSessionId must be at least 33 characters (a UUID is fine)." : undefined);
    case "ConflictException":
    case "RetryableConflictException":
      return new InvokeError(name, `The runtime is busy: ${message}`, status, "Wait until it is READY (waitUntilReady()) and invoke again.");
    default:
      return e instanceof Error ? e : new Error(String(e));
  }
}

export interface InvokeRequest {
  agentRuntimeArn: string;
  payload: unknown;
  sessionId: string;
  userId?: string;
  qualifier?: string;
  /**
   * For a runtime with a JWT authorizer: the caller's JWT, sent as `Authorization: Bearer` instead
   * of a SigV4 signature (such a runtime refuses SigV4). Not with `userId`: the user is the token's.
   */
  bearerToken?: string;
}

export interface InvokeResult {
  /** The decoded answer: parsed JSON, the text, or the SSE data lines joined with newlines. */
  response: unknown;
  contentType: string;
  sessionId: string;
  statusCode?: number;
}

export interface InvokeStream extends AsyncIterable<unknown> {
  contentType: string;
  sessionId: string;
}

/**
 * What to accept. A streamed invoke asks for SSE. A whole answer asks for JSON only: in SSE mode the
 * TS agent app loses a handler's error message (an empty 500), and a readable error matters more.
 * A handler that streams anyway answers 406, and the invoke is retried with SSE accepted.
 */
const ACCEPT_JSON = "application/json";
const ACCEPT_ANY = "text/event-stream, application/json";

function command(r: InvokeRequest, accept: string): InvokeAgentRuntimeCommand {
  const body = typeof r.payload === "string" ? r.payload : JSON.stringify(r.payload);
  return new InvokeAgentRuntimeCommand({
    agentRuntimeArn: r.agentRuntimeArn,
    qualifier: r.qualifier ?? "DEFAULT",
    runtimeSessionId: r.sessionId,
    ...(r.userId ? { runtimeUserId: r.userId } : {}),
    // Without contentType the SDK sends application/octet-stream, which the agent app refuses (415).
    contentType: "application/json",
    accept,
    payload: new TextEncoder().encode(body),
  });
}

/**
 * A data-plane client that sends the bearer token instead of signing (same region and endpoint as
 * the session's), one per call; without keep-alive, so it leaves no socket open behind it.
 */
function bearerClient(s: Session, token: string): BedrockAgentCoreClient {
  const client = new BedrockAgentCoreClient({
    region: s.region,
    ...(s.endpoint ? { endpoint: s.endpoint } : {}),
    requestHandler: { httpAgent: new HttpAgent({ keepAlive: false }), httpsAgent: new HttpsAgent({ keepAlive: false }) },
  });
  useBearerToken(client, token);
  return client;
}

async function send(s: Session, r: InvokeRequest, accept: string) {
  const client = r.bearerToken === undefined ? s.clients.data : bearerClient(s, r.bearerToken);
  try {
    return await client.send(command(r, accept));
  } catch (e) {
    if (accept === ACCEPT_JSON && errorName(e) === "RuntimeClientError" && /requires Accept: text\/event-stream/.test((e as Error).message)) {
      return send(s, r, ACCEPT_ANY);
    }
    throw readableInvokeError(e, r.agentRuntimeArn, r.bearerToken !== undefined);
  }
}

export async function invokeRuntime(s: Session, r: InvokeRequest): Promise<InvokeResult> {
  const out = await send(s, r, ACCEPT_JSON);
  const contentType = out.contentType ?? "application/octet-stream";
  const text = out.response ? await out.response.transformToString("utf-8") : "";
  return { response: decodeBody(contentType, text), contentType, sessionId: out.runtimeSessionId ?? r.sessionId, statusCode: out.statusCode };
}

/** Chunks as they arrive: SSE events one by one; a JSON or text answer as a single chunk. */
export async function invokeRuntimeStream(s: Session, r: InvokeRequest): Promise<InvokeStream> {
  const out = await send(s, r, ACCEPT_ANY);
  const contentType = out.contentType ?? "application/octet-stream";
  const body = out.response as unknown as AsyncIterable<Uint8Array> | undefined;
  const sessionId = out.runtimeSessionId ?? r.sessionId;
  async function* chunks(): AsyncGenerator<unknown> {
    if (!body) return;
    if (contentType.toLowerCase().includes("text/event-stream")) {
      yield* sseChunks(body);
      return;
    }
    const parts: Uint8Array[] = [];
    for await (const p of body) parts.push(p);
    yield decodeBody(contentType, Buffer.concat(parts).toString("utf8"));
  }
  return { contentType, sessionId, [Symbol.asyncIterator]: () => chunks() };
}
