/**
 * Container images (`containerConfiguration`) run with the container engine the project uses on
 * this machine (lib/container-engine.ts: docker or podman, whichever works,
 * `AGENTCORE_CONTAINER_ENGINE` first). The image is the one tagged with its Local ECR URI in that
 * engine.
 *
 * Networking: Local AgentCore listens on 127.0.0.1 only, and the AWS SDK accepts a plain-http
 * container-credentials URI only on a loopback address, so a container could reach neither through
 * a published port (`-p <port>:8080`). Containers therefore share the host's network and the
 * agent listens on the `PORT` it is given (the tutorial's agent reads `PORT`, 8080 by default).
 * Values of the environment are handed over as `-e NAME` with the value in the engine CLI's own
 * environment, so no secret appears in a process list or on disk.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { $ } from "zx";
import { findContainerEngine, type ContainerEngine } from "../../container-engine.js";

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
  stop(): Promise<void>;
}

export async function runContainer(opts: { image: string; name: string; env: Record<string, string>; labels: Record<string, string> }): Promise<RunningContainer> {
  const engine = await detectContainerEngine();
  if (!engine) {
    throw new ContainerError(
      `This runtime runs the container image ${opts.image}, and neither docker nor podman is available on this machine. Install and start one (or deploy a code bundle instead).`,
    );
  }
  const args = ["run", "-d", "--rm", "--name", opts.name, "--network", "host"];
  for (const [k, v] of Object.entries(opts.labels)) args.push("--label", `${k}=${v}`);
  for (const k of Object.keys(opts.env)) args.push("-e", k);
  args.push(opts.image);
  const run = await $({ nothrow: true, quiet: true, env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...opts.env } })`${engine} ${args}`;
  if (run.exitCode !== 0) {
    const why = run.stderr.trim().split("\n").slice(-3).join(" ");
    throw new ContainerError(`${engine} could not start the image ${opts.image}: ${why}. Is the image built and tagged with its ECR URI (docker tag … ${opts.image})?`);
  }
  const logs = spawn(engine, ["logs", "-f", opts.name], { stdio: ["ignore", "pipe", "pipe"] });
  const exited = (async () => {
    const r = await $({ nothrow: true, quiet: true })`${engine} wait ${opts.name}`;
    const code = Number(r.stdout.trim());
    return Number.isFinite(code) && r.stdout.trim() !== "" ? code : null;
  })();
  return {
    name: opts.name,
    logs,
    exited,
    async stop() {
      await $({ nothrow: true, quiet: true })`${engine} rm -f ${opts.name}`;
      logs.kill();
    },
  };
}

const cleaned = new Map<string, Promise<void>>();

/**
 * Removes containers a previous Local AgentCore with this state folder left behind after a hard
 * kill (containers cannot watch the server's pipe as code-bundle agents do). Runs once per state
 * folder, before this server's first container starts.
 */
export function removeLeftoverContainers(stateLabel: string): Promise<void> {
  let p = cleaned.get(stateLabel);
  if (!p) cleaned.set(stateLabel, (p = removeLeftovers(stateLabel)));
  return p;
}

async function removeLeftovers(stateLabel: string): Promise<void> {
  const engine = await detectContainerEngine();
  if (!engine) return;
  const r = await $({ nothrow: true, quiet: true })`${engine} ps -aq --filter ${`label=agentcore-local.state=${stateLabel}`}`;
  const ids = r.stdout.split("\n").map((s) => s.trim()).filter(Boolean);
  if (ids.length) await $({ nothrow: true, quiet: true })`${engine} rm -f ${ids}`;
}
