/**
 * Container images (`containerConfiguration`) run with the container engine the project uses on
 * this machine (lib/container-engine.ts: docker or podman, whichever works,
 * `AGENTCORE_CONTAINER_ENGINE` first). The image is the one tagged with its Local ECR URI in that
 * engine.
 *
 * Networking: the container gets a network namespace of its own and its agent's port (AgentCore's
 * container contract: 8080) is published on 127.0.0.1 only, so an agent that binds 0.0.0.0 is
 * still reachable from this machine only. The agent calls back to Local AgentCore (endpoints,
 * container credentials), which listens on 127.0.0.1 only; how it gets there depends on the engine:
 * - podman (rootless, 4.4+): pasta's `-T <port>` forwards the container's own 127.0.0.1:<port> to
 *   the host's, so the endpoints stay loopback URLs, which the AWS SDKs require for a plain-http
 *   credentials URI. Nothing listens anywhere new.
 * - docker: the endpoints name `host.docker.internal` (`--add-host …:host-gateway`). Docker Desktop
 *   forwards that name to the host's loopback; Docker Engine on Linux maps it to the bridge
 *   address, where Local AgentCore does not listen (listening there would open it to anyone who can
 *   route to that address). And the SDKs refuse a plain-http credentials URI that is not loopback,
 *   so a docker container's agent has no role credentials: use podman for container runtimes, or
 *   a code deploy.
 *
 * The engine CLI runs without a shell and with a fixed environment (engine-cli.ts). The agent's
 * environment goes to the container through `--env-file`: a 0600 file in the state folder,
 * deleted as soon as the engine has started the container, so no value appears in a process list
 * or in the engine CLI's own environment, and none stays on disk.
 */
import { randomBytes } from "node:crypto";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import type { ChildProcess } from "node:child_process";
import { join } from "node:path";
import { findContainerEngine, type ContainerEngine } from "../../container-engine.js";
import { runEngine, spawnEngine } from "./engine-cli.js";

let detected: Promise<ContainerEngine | undefined> | undefined;

/**
 * The engine to run containers with, or undefined when none works. A found engine is kept for the
 * life of the process (each probe spawns processes); without one, the next container asks again,
 * so starting Docker does not need a restart of Local AgentCore.
 */
function detectContainerEngine(): Promise<ContainerEngine | undefined> {
  detected ??= findContainerEngine().catch(() => undefined).then((engine) => {
    if (!engine) detected = undefined;
    return engine;
  });
  return detected;
}

export class ContainerError extends Error {}

export interface RunningContainer {
  name: string;
  /** `<engine> logs -f`: its stdout/stderr carry the container's output; it ends when the container does. */
  logs: ChildProcess;
  /** Resolves with the container's exit code once it is gone. */
  exited: Promise<number | null>;
  /** What this engine's networking cannot give the agent, for its log. */
  warning?: string;
  stop(): Promise<void>;
}

/** Where env files live while an engine reads them. */
export const envFilesDir = (stateDir: string) => join(stateDir, "container-env");

/**
 * Writes the variables as an env file (`NAME=value` lines), readable by this user only. A value
 * with a line break cannot be written (it would add a variable), so it is refused.
 */
function writeEnvFile(stateDir: string, env: Record<string, string>): string {
  const lines: string[] = [];
  for (const [k, v] of Object.entries(env)) {
    if (/[\r\n]/.test(k) || /[\r\n]/.test(v)) {
      throw new ContainerError(
        `The variable ${/[\r\n]/.test(k) ? "(a name with a line break)" : k} has a line break in its value, which a container's environment file cannot carry. Remove the line break (encode it, e.g. as base64) with UpdateAgentRuntime.`,
      );
    }
    lines.push(`${k}=${v}`);
  }
  const dir = envFilesDir(stateDir);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = join(dir, `${randomBytes(8).toString("hex")}.env`);
  writeFileSync(file, lines.join("\n") + "\n", { mode: 0o600, flag: "wx" });
  return file;
}

/** The port an AgentCore container's agent listens on (AgentCore's container contract). */
export const CONTAINER_PORT = 8080;

/** The name docker gives the host inside a container (with `--add-host …:host-gateway`). */
export const DOCKER_HOST_ALIAS = "host.docker.internal";

const DOCKER_WARNING =
  "under docker the agent reaches Local AgentCore at host.docker.internal, which forwards to this machine's loopback on Docker Desktop only, and the AWS SDKs refuse its plain-http credentials URI (loopback only), so the agent has no role credentials; run container runtimes with rootless podman 4.4+ (AGENTCORE_CONTAINER_ENGINE=podman) or deploy code";

export interface ContainerRun {
  engine: ContainerEngine;
  image: string;
  name: string;
  envFile: string;
  labels: Record<string, string>;
  /** The host port the agent's 8080 is published on (127.0.0.1 only). */
  hostPort: number;
  /** Local AgentCore's port on 127.0.0.1, which the agent must reach. */
  localPort: number;
}

/** The `<engine> run` argument list: no host network, the agent's port on loopback, env from a file. */
export function containerRunArgs(run: ContainerRun): string[] {
  const args = ["run", "-d", "--rm", "--name", run.name];
  if (run.engine === "podman") args.push("--network", `pasta:-T,${run.localPort}`);
  else args.push(`--add-host=${DOCKER_HOST_ALIAS}:host-gateway`);
  args.push("-p", `127.0.0.1:${run.hostPort}:${CONTAINER_PORT}`, "--env-file", run.envFile);
  for (const [k, v] of Object.entries(run.labels)) args.push("--label", `${k}=${v}`);
  args.push(run.image);
  return args;
}

/**
 * The agent's environment as the container sees it: `PORT` is the container port, and under docker
 * every URL pointing at Local AgentCore's loopback address names the host alias instead.
 */
export function containerEnvironment(engine: ContainerEngine, env: Record<string, string>, endpoint: string): Record<string, string> {
  const local = new URL(endpoint);
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) {
    let value = v;
    if (engine === "docker" && v.startsWith(local.origin)) value = `${local.protocol}//${DOCKER_HOST_ALIAS}:${local.port}${v.slice(local.origin.length)}`;
    out[k] = value;
  }
  out.PORT = String(CONTAINER_PORT);
  return out;
}

export async function runContainer(opts: {
  image: string;
  name: string;
  /** The agent's environment as a host process would get it (endpoints on 127.0.0.1). */
  env: Record<string, string>;
  labels: Record<string, string>;
  /** The state folder: the env file is written there while the engine reads it. */
  stateDir: string;
  /** Where the agent's port is published on 127.0.0.1 (health checks and invocations go there). */
  hostPort: number;
  /** Local AgentCore, `http://127.0.0.1:<port>`. */
  endpoint: string;
}): Promise<RunningContainer> {
  const engine = await detectContainerEngine();
  if (!engine) {
    throw new ContainerError(
      `This runtime runs the container image ${opts.image}, and neither docker nor podman is available on this machine. Install and start one (or deploy a code bundle instead).`,
    );
  }
  const envFile = writeEnvFile(opts.stateDir, containerEnvironment(engine, opts.env, opts.endpoint));
  let run;
  try {
    const localPort = Number(new URL(opts.endpoint).port);
    run = await runEngine(engine, containerRunArgs({ engine, image: opts.image, name: opts.name, envFile, labels: opts.labels, hostPort: opts.hostPort, localPort }));
  } finally {
    rmSync(envFile, { force: true });
  }
  if (run.exitCode !== 0) {
    const why = run.stderr.trim().split("\n").slice(-3).join(" ");
    throw new ContainerError(`${engine} could not start the image ${opts.image}: ${why}. Is the image built and tagged with its ECR URI (docker tag … ${opts.image})?${engine === "podman" ? " Container runtimes need rootless podman 4.4 or later (pasta networking)." : ""}`);
  }
  const logs = spawnEngine(engine, ["logs", "-f", opts.name]);
  logs.on("error", () => {});
  const exited = (async () => {
    const r = await runEngine(engine, ["wait", opts.name]);
    const code = Number(r.stdout.trim());
    return Number.isFinite(code) && r.stdout.trim() !== "" ? code : null;
  })();
  return {
    name: opts.name,
    logs,
    exited,
    warning: engine === "docker" ? DOCKER_WARNING : undefined,
    async stop() {
      await runEngine(engine, ["rm", "-f", opts.name]);
      logs.kill();
    },
  };
}

const cleaned = new Map<string, Promise<void>>();

/**
 * Removes containers a previous Local AgentCore with this state folder left behind after a hard
 * kill (containers cannot watch the server's pipe as code-bundle agents do), and env files it was
 * killed before deleting. Runs once per state folder, before this server's first container starts.
 */
export function removeLeftoverContainers(stateLabel: string): Promise<void> {
  let p = cleaned.get(stateLabel);
  if (!p) cleaned.set(stateLabel, (p = removeLeftovers(stateLabel)));
  return p;
}

async function removeLeftovers(stateLabel: string): Promise<void> {
  // Env files a hard kill left between writing and starting: they hold the agent's token.
  rmSync(envFilesDir(stateLabel), { recursive: true, force: true });
  const engine = await detectContainerEngine();
  if (!engine) return;
  const r = await runEngine(engine, ["ps", "-aq", "--filter", `label=agentcore-local.state=${stateLabel}`]);
  const ids = r.stdout.split("\n").map((s) => s.trim()).filter(Boolean);
  if (ids.length) await runEngine(engine, ["rm", "-f", ...ids]);
}
