/**
 * The runtime host of one Local AgentCore: its agent instances, the one way to invoke them
 * (`invoke`: session turn, instance, forward, response stream), the reaper that stops idle and
 * expired ones, the role-credentials route the instances call, and the guarantee that no agent
 * outlives the server (stopped in `stop()`, killed on process exit, and each agent also watches
 * its stdin pipe to the server — see parent-watch.mjs — for hard kills).
 *
 * Everything it needs from the rest of Local AgentCore comes in `RuntimeHostDeps` (ports.ts);
 * the data plane gets the host when it is created.
 */
import type { LocalRouteHandler } from "../http/router.js";
import { InstancePool, type AgentInstance } from "./instances.js";
import { runInvocation, sessionKey, type Invocation, type InvocationResponse } from "./invocation.js";
import type { RuntimeHostDeps } from "./ports.js";
import { SessionGate } from "./session-gate.js";
import { ROLE_CREDENTIALS_PATH } from "../local-routes.js";
import { roleCredentialsRoute } from "./role-credentials.js";

export type { Invocation, InvocationResponse };

export interface RuntimeHost {
  /** Runs one invocation in the session's agent instance (see invocation.ts for its errors). */
  invoke(invocation: Invocation): Promise<InvocationResponse>;
  /** Stops a session's instance (waiting for one that is starting); false when it has none. */
  stopSession(runtimeId: string, sessionId: string, reason: string): Promise<boolean>;
  /** Runs the reaper once now (it also runs on a timer). Returns the ids of stopped instances. */
  reap(): Promise<string[]>;
  /** The running instances (diagnostics, tests). */
  instances(): AgentInstance[];
  /** The session's running instance, if any. */
  sessionInstance(runtimeId: string, sessionId: string): AgentInstance | undefined;
  /** Invocations running or waiting for the session's turn. */
  sessionLoad(runtimeId: string, sessionId: string): number;
  registerRoutes(add: (method: string, path: string, handler: LocalRouteHandler) => void): void;
  /** Stops every agent instance; the host serves no more invocations. */
  stop(): Promise<void>;
}

/** How often the reaper looks for idle instances (`AGENTCORE_LOCAL_REAP_INTERVAL_MS`, default 10 s). */
function reapIntervalMs(): number {
  const n = Number(process.env.AGENTCORE_LOCAL_REAP_INTERVAL_MS);
  return Number.isFinite(n) && n >= 100 ? n : 10_000;
}

export function createRuntimeHost(deps: RuntimeHostDeps): RuntimeHost {
  const pool = new InstancePool(deps);
  const gate = new SessionGate();
  let reaping: Promise<string[]> | undefined;
  const reap = () => {
    reaping ??= pool.reap().finally(() => (reaping = undefined));
    return reaping;
  };
  const timer = setInterval(() => {
    reap().catch((e: Error) => deps.log(`runtime host: reaper failed: ${e.message}`));
  }, reapIntervalMs());
  timer.unref();
  const onExit = () => pool.killAllNow();
  process.on("exit", onExit);

  let stopped: Promise<void> | undefined;
  return {
    invoke: (invocation) => runInvocation(pool, gate, invocation),
    stopSession: (runtimeId, sessionId, reason) => pool.stopSession(runtimeId, sessionId, reason),
    reap,
    instances: () => pool.instances(),
    sessionInstance: (runtimeId, sessionId) => pool.find(runtimeId, sessionId),
    sessionLoad: (runtimeId, sessionId) => gate.load(sessionKey(runtimeId, sessionId)),
    registerRoutes(add) {
      add("GET", `${ROLE_CREDENTIALS_PATH}/*`, roleCredentialsRoute((id) => pool.byInstanceId(id)?.credentials, (line) => deps.log(line)));
    },
    stop() {
      stopped ??= (async () => {
        clearInterval(timer);
        const n = pool.instances().length;
        await pool.stopAll("Local AgentCore is stopping");
        process.off("exit", onExit);
        if (n) deps.log(`runtime host: stopped ${n} agent instance${n === 1 ? "" : "s"}`);
      })();
      return stopped;
    },
  };
}
