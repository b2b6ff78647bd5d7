/**
 * Agent instances, the local analog of AgentCore Runtime's per-session microVMs: one per
 * (runtime, `runtimeSessionId`), started on the session's first invoke on its own port,
 * health-checked on `GET /ping` before any request reaches it, and stopped after
 * `idleRuntimeSessionTimeout` without requests (unless `/ping` answers `HealthyBusy`), after
 * `maxLifetime`, on `StopRuntimeSession`, when it failed, and with the server.
 * At most `AGENTCORE_LOCAL_MAX_INSTANCES` (default 64) run at once.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { fileURLToPath, pathToFileURL } from "node:url";
import { AwsError } from "../errors.js";
import { agentEnvironment } from "./agent-env.js";
import { AgentLog } from "./agent-logs.js";
import { CodeBundleError, prepareCodeBundle } from "./code-bundle.js";
import { ContainerError, removeLeftoverContainers, runContainer, type RunningContainer } from "./container.js";
import { ping } from "./http-probe.js";
import { agentStartTimeoutMs, agentStopGraceMs } from "./limits.js";
import type { HostedRuntime, HostedVersion, RuntimeHostDeps } from "./ports.js";
import { Redactor } from "./redact.js";
import { RoleCredentials } from "./role-credentials.js";
import { chooseNode } from "../node-runtime.js";
import { freePort } from "../free-port.js";

const PARENT_WATCH = pathToFileURL(fileURLToPath(new URL("./parent-watch.mjs", import.meta.url))).href;
const LOOPBACK_ONLY = pathToFileURL(fileURLToPath(new URL("./loopback-only.mjs", import.meta.url))).href;

export const DEFAULT_MAX_INSTANCES = 64;

const nodeWarnings = new Set<string>();

export function maxInstances(env: NodeJS.ProcessEnv = process.env): number {
  const n = Number(env.AGENTCORE_LOCAL_MAX_INSTANCES);
  return Number.isInteger(n) && n > 0 ? n : DEFAULT_MAX_INSTANCES;
}

/**
 * Signals an agent's whole process group (it runs as a group leader), so helpers it started —
 * an MCP server, a shell tool — end with it instead of outliving it as orphans.
 */
function signalGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (!pid) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // the group is already gone
  }
}

/** The agent failed (exited, never became healthy, answered with an error): AWS's 424. */
export const runtimeClientError = (message: string) => new AwsError("RuntimeClientError", message, 424);

export type InstanceState = "starting" | "ready" | "stopped";

export class AgentInstance {
  readonly id = `inst-${randomBytes(6).toString("hex")}`;
  state: InstanceState = "starting";
  readonly startedAt: number;
  lastActivity: number;
  /** Invocations in flight (a streaming response counts until it ends). */
  active = 0;
  /** Why it stopped (for logs and the error of a request that was using it). */
  stopReason?: string;
  port = 0;
  readonly redactor = new Redactor();
  readonly log: AgentLog;
  readonly credentials: RoleCredentials;
  private process?: ChildProcess;
  private container?: RunningContainer;
  private exitedPromise?: Promise<void>;

  constructor(
    private readonly deps: RuntimeHostDeps,
    readonly runtime: HostedRuntime,
    readonly version: HostedVersion,
    readonly sessionId: string,
  ) {
    this.startedAt = this.lastActivity = deps.now().getTime();
    this.log = new AgentLog(deps.stateDir, runtime.agentRuntimeId, sessionId, this.redactor);
    this.credentials = new RoleCredentials(
      deps.assumeExecutionRole,
      {
        roleArn: version.roleArn,
        sessionName: `BedrockAgentCore-${this.id.slice(5)}`,
        sourceAccount: runtime.accountId,
        sourceArn: version.agentRuntimeArn,
      },
      () => deps.now(),
      this.redactor,
    );
    this.redactor.add(...deps.vaultedSecrets());
  }

  get versionNumber(): string {
    return this.version.agentRuntimeVersion;
  }

  /** Starts the agent and waits for `/ping`. Throws AwsError (424, 403) saying what went wrong. */
  async start(onExit: (instance: AgentInstance) => void): Promise<void> {
    try {
      this.credentials.get(); // a role the service cannot assume fails here, clearly, not inside the agent
    } catch (e) {
      const why = (e as Error).message;
      throw new AwsError("AccessDeniedException", `Local AgentCore could not assume the execution role ${this.version.roleArn} for the agent: ${why}`, 403);
    }
    this.port = await freePort();
    const artifact = this.version.artifact;
    try {
      if (artifact.codeConfiguration) await this.startCode();
      else if (artifact.containerConfiguration) await this.startContainer(artifact.containerConfiguration.containerUri);
      else throw runtimeClientError("The runtime version has no artifact to run.");
    } catch (e) {
      if (e instanceof CodeBundleError || e instanceof ContainerError) throw runtimeClientError(e.message);
      throw e;
    }
    void this.exitedPromise!.then(() => {
      const was = this.state;
      this.state = "stopped";
      if (was !== "stopped") onExit(this);
    });
    await this.waitHealthy();
    this.state = "ready";
  }

  /** The agent's environment; `fromHost` passes this machine's PATH, locale and TMPDIR (a process needs them, an image has its own). */
  private env(workDir: string, fromHost: boolean): Record<string, string> {
    return agentEnvironment(
      {
        region: this.runtime.region,
        endpoint: this.deps.endpoint(),
        instanceId: this.id,
        authorizationToken: this.credentials.authorizationToken,
        port: this.port,
        environmentVariables: this.version.environmentVariables ?? {},
        workDir,
      },
      fromHost ? process.env : {},
    );
  }

  private async startCode(): Promise<void> {
    const bundle = await prepareCodeBundle(this.deps.stateDir, this.deps.openBundle, this.version);
    const node = await chooseNode({ stateDir: this.deps.stateDir, runtime: this.version.artifact.codeConfiguration?.runtime });
    if (node.warning) {
      this.log.note(`warning: ${node.warning}`);
      // The server log says it once; each session's agent log says it for the agent it concerns.
      if (!nodeWarnings.has(node.warning)) {
        nodeWarnings.add(node.warning);
        this.deps.log(`runtime host: ${node.warning}`);
      }
    }
    this.log.note(`starting node ${node.version} (${node.source}) ${bundle.entryPoint.join(" ")} in ${bundle.dir} on port ${this.port} (dependencies: ${bundle.dependencies})`);
    // Reachable from this machine only: the agent's servers (and those of node processes it starts,
    // through NODE_OPTIONS, a name runtimes may not set) listen on loopback (loopback-only.mjs).
    const env = { ...this.env(bundle.dir, true), NODE_OPTIONS: `--import=${LOOPBACK_ONLY}` };
    const child = spawn(node.path, ["--import", PARENT_WATCH, "--import", LOOPBACK_ONLY, ...bundle.entryPoint], {
      cwd: bundle.dir,
      env,
      // stdin stays an open pipe: when Local AgentCore dies, it closes and parent-watch ends the agent.
      stdio: ["pipe", "pipe", "pipe"],
      // Its own process group, so stopping the instance also stops whatever the agent spawned.
      detached: true,
    });
    this.process = child;
    child.stdin!.on("error", () => {});
    this.log.capture(child.stdout!, "stdout");
    this.log.capture(child.stderr!, "stderr");
    this.exitedPromise = new Promise((resolve) => {
      child.once("exit", (code, signal) => {
        signalGroup(child.pid, "SIGKILL"); // the microVM is gone: so is everything that ran in it
        this.stopReason ??= signal ? `killed by ${signal}` : `exited with code ${code}`;
        this.log.note(`agent process ${this.stopReason}`);
        resolve();
      });
      child.once("error", (e) => {
        this.stopReason ??= `could not start: ${e.message}`;
        this.log.note(this.stopReason);
        resolve();
      });
    });
  }

  private async startContainer(image: string): Promise<void> {
    await removeLeftoverContainers(this.deps.stateDir);
    this.log.note(`starting container ${image} on port ${this.port}`);
    const c = await runContainer({
      image,
      name: `agentcore-local-${this.id}`,
      env: this.env("/tmp", false),
      stateDir: this.deps.stateDir,
      hostPort: this.port,
      endpoint: this.deps.endpoint(),
      labels: { "agentcore-local.state": this.deps.stateDir, "agentcore-local.runtime": this.runtime.agentRuntimeId },
    });
    this.container = c;
    if (c.warning) this.log.note(`warning: ${c.warning}`);
    this.log.capture(c.logs.stdout!, "stdout");
    this.log.capture(c.logs.stderr!, "stderr");
    this.exitedPromise = c.exited.then((code) => {
      this.stopReason ??= `container exited with code ${code}`;
      this.log.note(this.stopReason);
    });
  }

  private async waitHealthy(): Promise<void> {
    const timeoutMs = agentStartTimeoutMs();
    const deadline = Date.now() + timeoutMs;
    let exited = false;
    void this.exitedPromise!.then(() => (exited = true));
    while (Date.now() < deadline) {
      if (exited) break;
      const status = await ping(this.port, Math.max(50, Math.min(1000, deadline - Date.now())));
      if (status) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    const tail = this.log.tail(8).join("\n");
    const why = exited
      ? `The agent ${this.stopReason ?? "stopped"} before it answered GET /ping on port ${this.port}.`
      : `The agent did not answer GET /ping on port ${this.port} within ${timeoutMs / 1000} s (AGENTCORE_LOCAL_AGENT_START_TIMEOUT_MS; does it listen on process.env.PORT?).`;
    await this.stop("it did not become healthy");
    throw runtimeClientError(`${why}${tail ? ` Last lines of its log:\n${tail}` : ""}`);
  }

  touch(): void {
    this.lastActivity = this.deps.now().getTime();
  }

  /** Stops the agent (SIGTERM, then SIGKILL after AGENTCORE_LOCAL_AGENT_STOP_GRACE_MS) and resolves once it is gone. */
  async stop(reason: string): Promise<void> {
    if (this.state !== "stopped") {
      this.stopReason = `stopped: ${reason}`;
      this.log.note(this.stopReason);
    }
    this.state = "stopped";
    if (this.container) await this.container.stop();
    const child = this.process;
    if (child && child.exitCode === null && child.signalCode === null) {
      signalGroup(child.pid, "SIGTERM");
      const killer = setTimeout(() => signalGroup(child.pid, "SIGKILL"), agentStopGraceMs());
      await this.exitedPromise;
      clearTimeout(killer);
    }
  }

  /** Last resort on process exit: no waiting possible. */
  killNow(): void {
    if (this.process && this.process.exitCode === null) signalGroup(this.process.pid, "SIGKILL");
  }

  get pid(): number | undefined {
    return this.process?.pid;
  }
}

export interface Acquired {
  instance: AgentInstance;
  /** false when an existing instance was reused. */
  started: boolean;
}

/** All instances of one Local AgentCore, by (runtime, session). */
export class InstancePool {
  private readonly sessions = new Map<string, AgentInstance>();
  private readonly starting = new Map<string, Promise<AgentInstance>>();
  private readonly byId = new Map<string, AgentInstance>();
  private closed = false;

  constructor(private readonly deps: RuntimeHostDeps) {}

  private key = (runtimeId: string, sessionId: string) => `${runtimeId}\n${sessionId}`;

  get size(): number {
    return this.sessions.size + this.starting.size;
  }

  instances(): AgentInstance[] {
    return [...this.byId.values()];
  }

  byInstanceId(id: string): AgentInstance | undefined {
    return this.byId.get(id);
  }

  find(runtimeId: string, sessionId: string): AgentInstance | undefined {
    return this.sessions.get(this.key(runtimeId, sessionId));
  }

  /** The session's running instance of this version, or a new one. */
  async acquire(runtime: HostedRuntime, version: HostedVersion, sessionId: string): Promise<Acquired> {
    if (this.closed) throw new AwsError("InternalServerException", "Local AgentCore is shutting down.", 500);
    const key = this.key(runtime.agentRuntimeId, sessionId);
    const pending = this.starting.get(key);
    if (pending) {
      const instance = await pending;
      return { instance, started: false };
    }
    const current = this.sessions.get(key);
    if (current && current.state === "ready" && current.versionNumber === version.agentRuntimeVersion) {
      current.redactor.add(...this.deps.vaultedSecrets());
      return { instance: current, started: false };
    }
    if (current) await this.remove(current, current.state === "ready" ? `the endpoint now runs version ${version.agentRuntimeVersion}` : "it had failed");

    const limit = maxInstances();
    if (this.size >= limit) {
      throw new AwsError(
        "ServiceQuotaExceededException",
        `Local AgentCore already runs ${limit} agent instances (one per runtime session). Stop sessions with StopRuntimeSession, wait for idle ones to be reaped, or raise AGENTCORE_LOCAL_MAX_INSTANCES.`,
        402,
      );
    }
    const instance = new AgentInstance(this.deps, runtime, version, sessionId);
    this.byId.set(instance.id, instance);
    const start = instance
      .start((gone) => this.forget(gone))
      .then(() => instance)
      .finally(() => this.starting.delete(key));
    this.starting.set(key, start);
    try {
      await start;
    } catch (e) {
      this.forget(instance);
      throw e;
    }
    if (this.closed) {
      await instance.stop("Local AgentCore is shutting down");
      throw new AwsError("InternalServerException", "Local AgentCore is shutting down.", 500);
    }
    this.sessions.set(key, instance);
    return { instance, started: true };
  }

  /** The instance is no longer served (it exited or was stopped). */
  private forget(instance: AgentInstance): void {
    this.byId.delete(instance.id);
    const key = this.key(instance.runtime.agentRuntimeId, instance.sessionId);
    if (this.sessions.get(key) === instance) this.sessions.delete(key);
  }

  async remove(instance: AgentInstance, reason: string): Promise<void> {
    this.forget(instance);
    await instance.stop(reason);
  }

  /** Stops a session's instance; false when it has none. */
  async stopSession(runtimeId: string, sessionId: string, reason: string): Promise<boolean> {
    const key = this.key(runtimeId, sessionId);
    const pending = this.starting.get(key);
    if (pending) await pending.catch(() => undefined);
    const instance = this.sessions.get(key);
    if (!instance) return false;
    await this.remove(instance, reason);
    return true;
  }

  /** Stops instances past their idle timeout (unless busy) or their maximum lifetime. */
  async reap(): Promise<string[]> {
    const now = this.deps.now().getTime();
    const reaped: string[] = [];
    for (const instance of [...this.sessions.values()]) {
      if (instance.state !== "ready") continue;
      const { idleRuntimeSessionTimeout, maxLifetime } = instance.version.lifecycleConfiguration;
      let reason: string | undefined;
      if (now - instance.startedAt >= maxLifetime * 1000) reason = `maximum lifetime of ${maxLifetime} s reached`;
      else if (instance.active === 0 && now - instance.lastActivity >= idleRuntimeSessionTimeout * 1000) {
        const status = await ping(instance.port);
        if (status === "HealthyBusy") continue; // background work in progress keeps the session
        reason = `idle for more than ${idleRuntimeSessionTimeout} s`;
      }
      if (!reason) continue;
      this.deps.log(`runtime ${instance.runtime.agentRuntimeId} session ${instance.sessionId}: instance ${instance.id} ${reason}, stopping it`);
      await this.remove(instance, reason);
      reaped.push(instance.id);
    }
    return reaped;
  }

  async stopAll(reason: string): Promise<void> {
    this.closed = true;
    // Starting instances are stopped too; their start then fails fast instead of timing out.
    await Promise.all(this.instances().map((i) => this.remove(i, reason)));
    await Promise.allSettled([...this.starting.values()]);
  }

  killAllNow(): void {
    for (const i of this.byId.values()) i.killNow();
  }
}
