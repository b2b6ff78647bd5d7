/**
 * The runtime host of one Local AgentCore: its agent instances, the reaper that stops idle and
 * expired ones, the role-credentials route the instances call, and the guarantee that no agent
 * outlives the server (stopped in `stop()`, killed on process exit, and each agent also watches
 * its stdin pipe to the server — see parent-watch.mjs — for hard kills).
 */
import type { LocalServices } from "../service.js";
import type { LocalRouteHandler } from "../http/router.js";
import { InstancePool } from "./instances.js";
import { SessionGate } from "./session-gate.js";
import { ROLE_CREDENTIALS_PATH, roleCredentialsRoute } from "./role-credentials.js";

export interface RuntimeHost {
  readonly pool: InstancePool;
  /** One invocation at a time per (runtime, session). */
  readonly gate: SessionGate;
  /** Runs the reaper once now (it also runs on a timer). Returns the ids of stopped instances. */
  reap(): Promise<string[]>;
  registerRoutes(add: (method: string, path: string, handler: LocalRouteHandler) => void): void;
  /** Stops every agent instance; the host serves no more invocations. */
  stop(): Promise<void>;
}

const hosts = new WeakMap<LocalServices, RuntimeHost>();

/** How often the reaper looks for idle instances (`AGENTCORE_LOCAL_REAP_INTERVAL_MS`, default 10 s). */
function reapIntervalMs(): number {
  const n = Number(process.env.AGENTCORE_LOCAL_REAP_INTERVAL_MS);
  return Number.isFinite(n) && n >= 100 ? n : 10_000;
}

export function createRuntimeHost(local: LocalServices): RuntimeHost {
  const pool = new InstancePool(local);
  let reaping: Promise<string[]> | undefined;
  const reap = () => {
    reaping ??= pool.reap().finally(() => (reaping = undefined));
    return reaping;
  };
  const timer = setInterval(() => {
    reap().catch((e: Error) => local.log(`runtime host: reaper failed: ${e.message}`));
  }, reapIntervalMs());
  timer.unref();
  const onExit = () => pool.killAllNow();
  process.on("exit", onExit);

  let stopped: Promise<void> | undefined;
  const host: RuntimeHost = {
    pool,
    gate: new SessionGate(),
    reap,
    registerRoutes(add) {
      add("GET", `${ROLE_CREDENTIALS_PATH}/*`, roleCredentialsRoute((id) => pool.byInstanceId(id)?.credentials, (line) => local.log(line)));
    },
    stop() {
      stopped ??= (async () => {
        clearInterval(timer);
        const n = pool.instances().length;
        await pool.stopAll("Local AgentCore is stopping");
        process.off("exit", onExit);
        if (n) local.log(`runtime host: stopped ${n} agent instance${n === 1 ? "" : "s"}`);
      })();
      return stopped;
    },
  };
  hosts.set(local, host);
  return host;
}

/** The host created with this Local AgentCore (the data plane's way to reach it). */
export function runtimeHostFor(local: LocalServices): RuntimeHost | undefined {
  return hosts.get(local);
}
