/**
 * Runs the container engine's CLI (docker or podman) the one safe way: the executable is started
 * directly, never through a shell, with an environment built here from Local AgentCore's own
 * (the variables an engine needs to find its daemon, its configuration and its registry logins),
 * never with a runtime's `environmentVariables`. A runtime's variables reach its container only
 * through an env file (container.ts).
 */
import { execFile, spawn, type ChildProcess } from "node:child_process";
import type { ContainerEngine } from "../../container-engine.js";

/** What docker or podman reads from its environment to find its daemon, configuration and logins. */
const ENGINE_ENV = [
  "PATH",
  "HOME",
  "USER",
  "LOGNAME",
  "LANG",
  "LC_ALL",
  "TMPDIR",
  "SYSTEMROOT",
  "XDG_RUNTIME_DIR",
  "XDG_CONFIG_HOME",
  "XDG_DATA_HOME",
  "DOCKER_HOST",
  "DOCKER_CONTEXT",
  "DOCKER_CONFIG",
  "DOCKER_CERT_PATH",
  "DOCKER_TLS_VERIFY",
  "CONTAINER_HOST",
  "CONTAINER_CONNECTION",
  "CONTAINERS_CONF",
  "CONTAINERS_STORAGE_CONF",
  "CONTAINERS_REGISTRIES_CONF",
  "REGISTRY_AUTH_FILE",
];

/** The engine CLI's whole environment: the listed variables of `parent`, nothing else. */
export function engineEnvironment(parent: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const env: Record<string, string> = {};
  for (const k of ENGINE_ENV) if (parent[k] !== undefined) env[k] = parent[k]!;
  return env;
}

export interface EngineResult {
  /** null when the CLI could not be started or was killed. */
  exitCode: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `<engine> <args>` to the end; never rejects (a CLI that cannot start is exit code null). */
export function runEngine(engine: ContainerEngine, args: string[]): Promise<EngineResult> {
  return new Promise((resolve) => {
    execFile(engine, args, { env: engineEnvironment(), shell: false, maxBuffer: 4 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof (error as { code?: unknown }).code === "number" ? ((error as { code: number }).code) : null) : 0;
      resolve({ exitCode: code, stdout: String(stdout), stderr: String(stderr || (code === null ? (error as Error).message : "")) });
    });
  });
}

/** Starts a long-running `<engine> <args>` (e.g. `logs -f`) with piped output. */
export function spawnEngine(engine: ContainerEngine, args: string[]): ChildProcess {
  return spawn(engine, args, { env: engineEnvironment(), shell: false, stdio: ["ignore", "pipe", "pipe"] });
}
