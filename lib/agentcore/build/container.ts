/**
 * Container builds with docker or podman, via zx. The command lines are built by pure functions
 * (argument arrays; zx quotes each element, nothing is string-built) so tests can check them exactly.
 */
import { enginesOnPath, probeContainerEngines, type ContainerEngine } from "../../container-engine.js";

export type Engine = ContainerEngine;
// Cleanup removes the images it built with every engine on PATH.
export { enginesOnPath };

export interface Command {
  cmd: Engine;
  args: string[];
}

/** The engine that works on this machine (lib/container-engine.ts decides); throws saying what to do when none does. */
export async function findEngine(env: NodeJS.ProcessEnv = process.env): Promise<Engine> {
  const probes = await probeContainerEngines(env);
  const working = probes.find((p) => p.works);
  if (working) return working.engine;
  const tried = probes.map((p) => p.engine);
  throw new Error(
    tried.length === 0
      ? "No container engine: neither docker nor podman is on PATH. Install one, or use deploymentType: 'code'."
      : `${tried.join(" and ")} found on PATH but not working (\`${tried[0]} info\` failed). Start the Docker daemon (or podman machine), or use deploymentType: 'code'.`,
  );
}

export interface BuildSpec {
  engine: Engine;
  /** Image reference to tag the result with. */
  tag: string;
  dockerfile: string;
  context: string;
  platform: string;
}

/** `<engine> buildx build --platform <p> -f <Dockerfile> -t <tag> [--load] <context>`. */
export function buildCommand(b: BuildSpec): Command {
  // docker's buildx keeps the result in the builder unless --load; podman's buildx is `podman build`.
  const load = b.engine === "docker" ? ["--load"] : [];
  return { cmd: b.engine, args: ["buildx", "build", "--platform", b.platform, "-f", b.dockerfile, "-t", b.tag, ...load, b.context] };
}

/** The password goes to stdin, never onto the command line. */
export function loginCommand(engine: Engine, registry: string, username: string): Command {
  return { cmd: engine, args: ["login", "--username", username, "--password-stdin", registry] };
}

export function pushCommand(engine: Engine, tag: string): Command {
  return { cmd: engine, args: ["push", tag] };
}

export function tagCommand(engine: Engine, source: string, target: string): Command {
  return { cmd: engine, args: ["tag", source, target] };
}

export function inspectCommand(engine: Engine, tag: string): Command {
  return { cmd: engine, args: ["image", "inspect", tag] };
}

export function runCommand(engine: Engine, p: { image: string; name: string; hostPort: number; env?: Record<string, string> }): Command {
  const env = Object.entries(p.env ?? {})
    .sort(([a], [b]) => a.localeCompare(b))
    .flatMap(([k, v]) => ["-e", `${k}=${v}`]);
  return { cmd: engine, args: ["run", "--rm", "-d", "--name", p.name, "-p", `127.0.0.1:${p.hostPort}:8080`, ...env, p.image] };
}

/** Runs a command through zx (each argument quoted by zx), optionally feeding stdin. Throws with its output on failure. */
export async function runEngine(c: Command, o: { input?: string; quiet?: boolean; timeout?: string } = {}): Promise<string> {
  const { $ } = await import("zx");
  const r = await $({ nothrow: true, quiet: o.quiet ?? true, input: o.input, timeout: (o.timeout ?? "20m") as `${number}m` })`${c.cmd} ${c.args}`;
  if (r.exitCode !== 0) {
    const tail = (r.stderr || r.stdout).trim().split("\n").slice(-15).join("\n");
    throw new Error(`\`${c.cmd} ${c.args[0]}\` failed (exit ${r.exitCode}):\n${tail}`);
  }
  return r.stdout;
}

export interface ImageInfo {
  /** `sha256:<config digest>` (the image id). */
  id: string;
  sizeBytes: number;
  architecture: string;
  os: string;
  /** Layer diff ids. */
  layers: string[];
}

export async function inspectImage(engine: Engine, tag: string): Promise<ImageInfo> {
  const out = JSON.parse(await runEngine(inspectCommand(engine, tag))) as {
    Id: string;
    Size: number;
    Architecture: string;
    Os: string;
    RootFS?: { Layers?: string[] };
  }[];
  const i = out[0]!;
  return { id: i.Id.startsWith("sha256:") ? i.Id : `sha256:${i.Id}`, sizeBytes: i.Size, architecture: i.Architecture, os: i.Os, layers: i.RootFS?.Layers ?? [] };
}

/**
 * A Docker v2 schema 2 manifest describing a local image (config = image id, layers = diff ids):
 * enough for Local ECR's PutImage to record an image that stays in the local engine.
 */
export function localImageManifest(info: ImageInfo): string {
  return JSON.stringify({
    schemaVersion: 2,
    mediaType: "application/vnd.docker.distribution.manifest.v2+json",
    config: { mediaType: "application/vnd.docker.container.image.v1+json", size: 0, digest: info.id },
    layers: info.layers.map((digest) => ({ mediaType: "application/vnd.docker.image.rootfs.diff.tar", size: 0, digest })),
  });
}
