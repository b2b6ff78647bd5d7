/**
 * Which container engine to use, decided in one place for the library's image builds, Local
 * AgentCore's container runtimes and the doctor: docker or podman, whichever is on PATH and
 * actually works, meaning it answers `<engine> info` (a docker CLI whose daemon is not running
 * does not). `AGENTCORE_CONTAINER_ENGINE=docker|podman` tries that one first; the other is still
 * tried when it does not work. `AGENTCORE_LOCAL_CONTAINER_ENGINE` is accepted as an older name.
 *
 * zx is loaded inside the functions: the library is imported from tslab cells, which cannot
 * load ESM-only packages at the top of a module.
 */
import { accessSync, constants } from "node:fs";
import { delimiter, join } from "node:path";

export type ContainerEngine = "docker" | "podman";

export const ENGINE_ENV = "AGENTCORE_CONTAINER_ENGINE";
/** The name Local AgentCore read before there was one decision for everything. */
export const ENGINE_ENV_ALIAS = "AGENTCORE_LOCAL_CONTAINER_ENGINE";

const PROBE_TIMEOUT = "15s";

/** The engine the environment asks for first, if it names one. */
export function preferredEngine(env: NodeJS.ProcessEnv = process.env): ContainerEngine | undefined {
  const wanted = (env[ENGINE_ENV] || env[ENGINE_ENV_ALIAS])?.trim().toLowerCase();
  return wanted === "docker" || wanted === "podman" ? wanted : undefined;
}

function onPath(name: string, env: NodeJS.ProcessEnv): string | undefined {
  for (const dir of (env.PATH ?? "").split(delimiter).filter(Boolean)) {
    const file = join(dir, name);
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** Executables named docker/podman on PATH, in preference order (`AGENTCORE_CONTAINER_ENGINE` first). */
export function enginesOnPath(env: NodeJS.ProcessEnv = process.env): ContainerEngine[] {
  const order: ContainerEngine[] = preferredEngine(env) === "podman" ? ["podman", "docker"] : ["docker", "podman"];
  return order.filter((engine) => onPath(engine, env) !== undefined);
}

export interface EngineProbe {
  engine: ContainerEngine;
  /** Whether `<engine> info` answered. */
  works: boolean;
  /** First line of `<engine> --version`, when asked for. */
  version?: string;
  /** Why it does not work: the first line of what `info` said. */
  problem?: string;
}

const firstLine = (text: string) => text.trim().split("\n")[0]?.trim() ?? "";

/**
 * Probes the engines on PATH in preference order until one works; every engine tried is reported,
 * the working one last. Empty when neither is on PATH.
 */
export async function probeContainerEngines(env: NodeJS.ProcessEnv = process.env, opts: { version?: boolean } = {}): Promise<EngineProbe[]> {
  const { $ } = await import("zx");
  const run = $({ nothrow: true, quiet: true, verbose: false, timeout: PROBE_TIMEOUT, env });
  const probes: EngineProbe[] = [];
  for (const engine of enginesOnPath(env)) {
    const probe: EngineProbe = { engine, works: false };
    if (opts.version) {
      const version = await run`${engine} --version`;
      if (version.exitCode !== 0) continue; // not a usable executable at all
      probe.version = firstLine(version.stdout);
    }
    const info = await run`${engine} info`;
    probe.works = info.exitCode === 0;
    if (!probe.works) probe.problem = firstLine(info.stderr) || `exit ${info.exitCode}`;
    probes.push(probe);
    if (probe.works) break;
  }
  return probes;
}

/** The engine to use, or undefined when none on PATH works. */
export async function findContainerEngine(env: NodeJS.ProcessEnv = process.env): Promise<ContainerEngine | undefined> {
  return (await probeContainerEngines(env)).find((p) => p.works)?.engine;
}
