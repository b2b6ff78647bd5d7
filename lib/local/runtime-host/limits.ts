/**
 * The runtime host's timeouts and bounds, each overridable with an environment variable read at
 * the moment it is needed (so a test or a workshop machine can tighten one without a restart).
 * Defaults follow AgentCore Runtime where AWS documents a number (15 minutes for a request).
 */

function fromEnv(name: string, fallback: number, min = 1): number {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === "") return fallback;
  const n = Number(raw);
  return Number.isFinite(n) && n >= min ? n : fallback;
}

/** How long an instance may take to answer `GET /ping` after it starts. */
export const agentStartTimeoutMs = () => fromEnv("AGENTCORE_LOCAL_AGENT_START_TIMEOUT_MS", 60_000);

/** How long the agent may take to start answering an invocation (response headers). */
export const invokeTimeoutMs = () => fromEnv("AGENTCORE_LOCAL_INVOKE_TIMEOUT_MS", 15 * 60_000);

/** The longest silence allowed inside a response the agent has started (while the caller reads). */
export const streamIdleTimeoutMs = () => fromEnv("AGENTCORE_LOCAL_STREAM_IDLE_TIMEOUT_MS", 15 * 60_000);

/** Between SIGTERM and SIGKILL when an instance is stopped. */
export const agentStopGraceMs = () => fromEnv("AGENTCORE_LOCAL_AGENT_STOP_GRACE_MS", 3000, 0);

/** How long an invocation waits for the same session's previous one to finish. */
export const sessionWaitMs = () => fromEnv("AGENTCORE_LOCAL_SESSION_WAIT_MS", 120_000, 0);

/** How many invocations may wait for one session at once. */
export const sessionQueueMax = () => Math.floor(fromEnv("AGENTCORE_LOCAL_SESSION_QUEUE_MAX", 100, 0));
