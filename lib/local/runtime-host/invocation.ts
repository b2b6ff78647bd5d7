/**
 * One invocation through the runtime host, from the session's turn to the end of the response
 * stream: wait for the session (one invocation per session at a time), get or start its agent
 * instance, forward the request, and hand back the agent's answer as a stream. The bookkeeping
 * that follows the answer lives here too: the instance counts as busy until the stream ends, and
 * an instance that crashed, hung or broke off its response is replaced on the next invoke; one
 * that answered with an error status (4xx or 5xx) is kept, with the session's memory.
 */
import type { IncomingHttpHeaders, IncomingMessage } from "node:http";
import type { Readable } from "node:stream";
import { AgentResponseStream, AgentTimeoutError, CALLER_WENT_AWAY, forwardInvocation, readAgentError, readWholeAnswer, wholeAnswer, type StreamOutcome } from "./forward.js";
import { invokeTimeoutMs, streamIdleTimeoutMs } from "./limits.js";
import { runtimeClientError, type AgentInstance, type InstancePool } from "./instances.js";
import type { HostedRuntime, HostedVersion } from "./ports.js";
import type { SessionGate } from "./session-gate.js";

export interface Invocation {
  runtime: HostedRuntime;
  version: HostedVersion;
  sessionId: string;
  /** The request headers the agent receives (its `POST /invocations`). */
  headers: Record<string, string>;
  body: Buffer;
  /** Aborted when the caller goes away: the wait, the start and the agent's request end with it. */
  signal: AbortSignal;
  /** A secret the request carries (the workload access token): never shown in the agent's log. */
  token?: string;
  /** The caller's JWT, when the agent receives it (an allowlisted Authorization): never shown either. */
  callerToken?: string;
  /** One line to Local AgentCore's log, tagged by the caller with its request id. */
  log(line: string): void;
}

/** The agent's answer: its head, and its body as it streams (read it to the end or destroy it). */
export interface InvocationResponse {
  status: number;
  contentType: string;
  /** The agent's response headers (the caller picks the ones its operation echoes). */
  headers: IncomingHttpHeaders;
  /** The body as it streams, or whole when it was small and of announced length (forward.ts `wholeAnswer`). */
  body: Readable | Buffer;
}

/**
 * Runs the invocation. Rejects with AwsError: RuntimeClientError (424) when the agent failed,
 * did not start, hung or answered with an error; RetryableConflictException (409) when the session
 * stayed busy; ServiceQuotaExceededException (402) at the instance limit; AccessDeniedException
 * (403) when the execution role cannot be assumed. Rejects with a plain Error when the caller went away.
 */
export async function runInvocation(pool: InstancePool, gate: SessionGate, inv: Invocation): Promise<InvocationResponse> {
  const started = Date.now();
  const { runtime, version, sessionId, log } = inv;
  const runtimeId = runtime.agentRuntimeId;
  // One invocation per session at a time (see session-gate.ts): never two inside one agent instance.
  const leave = await gate.enter(sessionKey(runtimeId, sessionId), inv.signal);
  let acquired: Awaited<ReturnType<InstancePool["acquire"]>>;
  try {
    acquired = await pool.acquire(runtime, version, sessionId);
  } catch (e) {
    leave();
    throw e;
  }
  const { instance, started: isNew } = acquired;
  log(
    isNew
      ? `instance ${instance.id} started for session ${sessionId} (port ${instance.port}, ${Date.now() - started} ms)`
      : `instance ${instance.id} reused for session ${sessionId} (port ${instance.port})`,
  );
  instance.redactor.add(inv.token, inv.callerToken);

  instance.active++;
  instance.touch();
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    instance.active--;
    instance.touch();
    leave();
  };
  const replace = (why: string) => {
    log(`instance ${instance.id} will be replaced on the next invoke: ${why}`);
    void pool.remove(instance, why);
  };
  const logHint = `Agent log: npm run local -- logs ${runtimeId} --session ${sessionId}`;

  let res: IncomingMessage;
  try {
    res = await forwardInvocation({ port: instance.port, headers: inv.headers, body: inv.body, signal: inv.signal, timeoutMs: invokeTimeoutMs() });
  } catch (e) {
    release();
    if (inv.signal.aborted) throw e; // the caller went away: nobody to answer, the agent is not at fault
    const why = instance.state === "stopped" ? `the agent ${instance.stopReason ?? "stopped"}` : (e as Error).message;
    // A hung agent is replaced too: its next caller should not wait for the same hang.
    replace(e instanceof AgentTimeoutError ? `it hung (${why})` : `it failed before answering (${why})`);
    throw runtimeClientError(failureMessage(instance, `The agent failed before answering: ${why}.`, logHint));
  }

  const status = res.statusCode ?? 500;
  if (status >= 400) {
    const message = instance.redactor.redact(await readAgentError(res));
    release();
    log(`agent answered HTTP ${status}: ${message.split("\n")[0]!.slice(0, 300)}`);
    // An error answer, even a 5xx, keeps the instance: on AWS a session's microVM lives until
    // StopRuntimeSession, its idle timeout, its maximum lifetime or a crash, so its memory survives.
    throw runtimeClientError(`Received error (${status}) from the agent: ${message}\n${logHint}`);
  }

  const whole = wholeAnswer(res.headers);
  const onEnd = ({ bytes, failure }: StreamOutcome) => {
    release();
    log(`response ${whole ? "read whole" : "streamed"}: HTTP ${status}, ${bytes} bytes, ${Date.now() - started} ms${failure ? ` (cut short: ${failure})` : ""}`);
    if (failure && failure !== CALLER_WENT_AWAY) replace(failure);
  };
  const contentType = res.headers["content-type"] ?? "application/octet-stream";
  const idleTimeoutMs = streamIdleTimeoutMs();
  const body = whole ? await readWholeAnswer(res, { idleTimeoutMs, signal: inv.signal, onEnd }) : new AgentResponseStream(res, onEnd, idleTimeoutMs);
  return { status, contentType, headers: res.headers, body };
}

/** The session gate's key for a runtime session. */
export const sessionKey = (runtimeId: string, sessionId: string) => `${runtimeId}\n${sessionId}`;

function failureMessage(instance: AgentInstance, what: string, hint: string): string {
  const tail = instance.log.tail(6).join("\n");
  return `${what}${tail ? ` Last lines of its log:\n${tail}` : ""}\n${hint}`;
}
