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
 * The price: an image whose agent binds 0.0.0.0 is reachable from the network, where code-bundle
 * agents are pinned to loopback (loopback-only.mjs). Publishing on 127.0.0.1 instead needs a way
 * for the container to reach this machine's loopback (podman's pasta `-T`, or a relay inside the
 * image), which neither engine offers everywhere.
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

export async function runContainer(opts: {
  image: string;
  name: string;
  env: Record<string, string>;
  labels: Record<string, string>;
  /** The state folder: the env file is written there while the engine reads it. */
  stateDir: string;
}): Promise<RunningContainer> {
  const engine = await detectContainerEngine();
  if (!engine) {
    throw new ContainerError(
      `This runtime runs the container image ${opts.image}, and neither docker nor podman is available on this machine. Install and start one (or deploy a code bundle instead).`,
    );
  }
  const envFile = writeEnvFile(opts.stateDir, opts.env);
  let run;
  try {
    const args = ["run", "-d", "--rm", "--name", opts.name, "--network", "host", "--env-file", envFile];
    for (const [k, v] of Object.entries(opts.labels)) args.push("--label", `${k}=${v}`);
    args.push(opts.image);
    run = await runEngine(engine, args);
  } finally {
    rmSync(envFile, { force: true });
  }
  if (run.exitCode !== 0) {
    const why = run.stderr.trim().split("\n").slice(-3).join(" ");
    throw new ContainerError(`${engine} could not start the image ${opts.image}: ${why}. Is the image built and tagged with its ECR URI (docker tag … ${opts.image})?`);
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
