/**
 * Forwarding one invocation to an agent instance (`POST /invocations`) and streaming its answer
 * back as it is produced: the agent's response body is read only as fast as the caller takes it
 * (backpressure), nothing is buffered beyond a stream's chunk, and SSE frames pass one by one.
 * The one exception is a small answer whose length the agent announced (`wholeAnswer`): it is
 * complete already, and goes back whole in one write.
 */
import { Agent, request, type IncomingHttpHeaders, type IncomingMessage } from "node:http";
import { Readable } from "node:stream";
import { AwsError } from "../errors.js";

export interface ForwardRequest {
  port: number;
  headers: Record<string, string>;
  body: Buffer;
  /** Aborted when the caller goes away: the agent's request is abandoned too. */
  signal: AbortSignal;
  /** The agent must start answering (send its response head) within this many milliseconds. */
  timeoutMs: number;
}

/** The agent did not start answering in time (it hangs). */
export class AgentTimeoutError extends Error {
  constructor(readonly timeoutMs: number) {
    super(`the agent did not start answering within ${timeoutMs / 1000} s (AGENTCORE_LOCAL_INVOKE_TIMEOUT_MS)`);
  }
}

/** Why an agent's answer ended early (the failure of a StreamOutcome). */
export const CALLER_WENT_AWAY = "the caller went away";
const CUT_SHORT = "the agent's connection closed before its response was complete (did the agent crash?)";
const silenceMessage = (ms: number) => `the agent sent nothing for ${ms / 1000} s in the middle of its response (AGENTCORE_LOCAL_STREAM_IDLE_TIMEOUT_MS)`;

/**
 * Connections to agent instances are kept open between invocations (a session's invokes go to the
 * same instance), which saves a TCP handshake per invoke on the hot path. Sockets of an instance
 * that stopped are closed by its exit and dropped from the pool.
 */
const toAgents = new Agent({ keepAlive: true, keepAliveMsecs: 1000, maxFreeSockets: 256 });

/** The agent's response head; the body is still unread. Rejects when the agent cannot be reached. */
export function forwardInvocation(fwd: ForwardRequest): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: "127.0.0.1",
        port: fwd.port,
        method: "POST",
        path: "/invocations",
        headers: { ...fwd.headers, "content-length": String(fwd.body.length) },
        agent: toAgents,
      },
      (res) => {
        clearTimeout(timer);
        resolve(res);
      },
    );
    const timer = setTimeout(() => req.destroy(new AgentTimeoutError(fwd.timeoutMs)), fwd.timeoutMs);
    const onAbort = () => req.destroy(new Error(CALLER_WENT_AWAY));
    fwd.signal.addEventListener("abort", onAbort, { once: true });
    req.once("close", () => {
      clearTimeout(timer);
      fwd.signal.removeEventListener("abort", onAbort);
    });
    req.once("error", reject);
    req.end(fwd.body);
  });
}

/** The largest answer of announced length that is read whole before it is passed on. */
export const WHOLE_ANSWER_MAX = 1024 * 1024;

/**
 * Whether the agent's answer is one to read whole: not an event stream, and a Content-Length of
 * at most WHOLE_ANSWER_MAX. Streamed, such an answer reaches the caller as its head, its body and
 * the chunked end in separate writes (and separate wake-ups of the caller); whole, in one.
 */
export function wholeAnswer(headers: IncomingHttpHeaders): boolean {
  const length = headers["content-length"];
  return length !== undefined && !isEventStream(headers) && Number(length) <= WHOLE_ANSWER_MAX;
}

/**
 * Reads a whole answer (see `wholeAnswer`) straight from the agent's response into one Buffer,
 * with the guarantees of AgentResponseStream: if the agent goes silent for longer than
 * `idleTimeoutMs` or its connection closes before the answer is complete, `onEnd` gets the failure
 * and the promise rejects with RuntimeClientError (nothing was sent to the caller yet, so it gets
 * a proper error rather than a cut body). When the caller went away (`signal`), the failure says so.
 */
export function readWholeAnswer(upstream: IncomingMessage, o: { idleTimeoutMs: number; signal: AbortSignal; onEnd: (outcome: StreamOutcome) => void }): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let bytes = 0;
    let done = false;
    let silent = false;
    let idle: NodeJS.Timeout | undefined;
    const arm = () => {
      if (o.idleTimeoutMs <= 0) return;
      clearTimeout(idle);
      idle = setTimeout(() => {
        silent = true;
        upstream.destroy();
      }, o.idleTimeoutMs);
    };
    arm();
    upstream.on("data", (c: Buffer) => {
      chunks.push(c);
      bytes += c.length;
      arm();
    });
    upstream.once("end", () => {
      clearTimeout(idle);
      if (done) return;
      done = true;
      o.onEnd({ bytes });
      resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, bytes));
    });
    const failed = () => {
      clearTimeout(idle);
      if (done || upstream.complete) return;
      done = true;
      const why = o.signal.aborted ? CALLER_WENT_AWAY : silent ? silenceMessage(o.idleTimeoutMs) : CUT_SHORT;
      o.onEnd({ bytes, failure: why });
      reject(new AwsError("RuntimeClientError", `The agent failed while responding: ${why}`, 424));
    };
    upstream.once("error", failed);
    upstream.once("close", failed);
  });
}

const MAX_ERROR_BODY = 64 * 1024;

/** The message of an agent's error response (`{"error": …}`, `{"message": …}` or its text), size-capped. */
export async function readAgentError(res: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const c of res as AsyncIterable<Buffer>) {
      if (size < MAX_ERROR_BODY) chunks.push(c);
      size += c.length;
    }
  } catch {
    // A body cut short still says what it said.
  }
  const text = Buffer.concat(chunks).toString("utf8").slice(0, MAX_ERROR_BODY).trim();
  try {
    const json = JSON.parse(text) as Record<string, unknown>;
    const m = json.error ?? json.message ?? json.Message;
    if (typeof m === "string") return m;
    if (m && typeof m === "object" && typeof (m as { message?: unknown }).message === "string") return (m as { message: string }).message;
  } catch {
    // not JSON
  }
  return text || `the agent answered HTTP ${res.statusCode} with an empty body`;
}

export const isEventStream = (headers: IncomingHttpHeaders) => /^text\/event-stream\b/i.test(String(headers["content-type"] ?? ""));

export interface StreamOutcome {
  bytes: number;
  /** Why the agent's response ended early, when it did. */
  failure?: string;
}

/**
 * The agent's response body as a stream for the caller. If the agent dies mid-response, or goes
 * silent for longer than `idleTimeoutMs` while the caller is reading, an SSE stream gets a final
 * `event: error` frame (as `BedrockAgentCoreApp` itself sends on a handler error) and ends
 * cleanly; any other stream fails with RuntimeClientError (the caller sees a cut body, as headers
 * were already sent).
 */
export class AgentResponseStream extends Readable {
  private bytes = 0;
  private done = false;
  private idle?: NodeJS.Timeout;

  constructor(
    private readonly upstream: IncomingMessage,
    private readonly onEnd: (outcome: StreamOutcome) => void,
    private readonly idleTimeoutMs = 0,
  ) {
    super();
    const sse = isEventStream(upstream.headers);
    upstream.on("data", (chunk: Buffer) => {
      this.bytes += chunk.length;
      if (this.push(chunk)) this.armIdle();
      else {
        // The caller is slow, not the agent: no idle clock while we hold the agent back.
        this.disarmIdle();
        upstream.pause();
      }
    });
    upstream.once("end", () => this.finish());
    let silentFor: number | undefined;
    this.onIdle = () => {
      silentFor = this.idleTimeoutMs;
      upstream.destroy();
    };
    this.armIdle();
    const failed = () => {
      if (this.done || upstream.complete) return;
      const why = silentFor !== undefined ? silenceMessage(silentFor) : CUT_SHORT;
      if (sse) {
        const frame = `event: error\ndata: ${JSON.stringify({ error: `Local AgentCore: ${why}` })}\n\n`;
        this.push(frame);
        this.finish(why);
      } else {
        this.disarmIdle();
        this.done = true;
        this.onEnd({ bytes: this.bytes, failure: why });
        this.destroy(new AwsError("RuntimeClientError", `The agent failed while responding: ${why}`, 424));
      }
    };
    upstream.once("error", failed);
    upstream.once("close", failed);
  }

  private onIdle = () => {};

  private armIdle(): void {
    this.disarmIdle();
    if (this.idleTimeoutMs > 0 && !this.done) this.idle = setTimeout(() => this.onIdle(), this.idleTimeoutMs);
  }

  private disarmIdle(): void {
    if (this.idle) clearTimeout(this.idle);
    this.idle = undefined;
  }

  private finish(failure?: string) {
    this.disarmIdle();
    if (this.done) return;
    this.done = true;
    this.push(null);
    this.onEnd({ bytes: this.bytes, failure });
  }

  override _read(): void {
    if (this.done) return;
    if (this.upstream.isPaused()) this.armIdle();
    this.upstream.resume();
  }

  override _destroy(err: Error | null, cb: (error?: Error | null) => void): void {
    this.disarmIdle();
    if (!this.done) {
      this.done = true;
      this.onEnd({ bytes: this.bytes, failure: CALLER_WENT_AWAY });
    }
    this.upstream.destroy();
    cb(err);
  }
}
