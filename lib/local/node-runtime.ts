/**
 * Which Node runs a code-deploy agent. AgentCore Runtime runs a `codeConfiguration` on the Node its
 * `runtime` names (`NODE_22` → Node 22); the local host does the same when that Node is at hand:
 *   1. the executable named by `AGENTCORE_LOCAL_NODE22` (a path to a `node` binary);
 *   2. the copy `npm run local -- node install` fetched from the npm registry into
 *      `<state>/cache/node22/` (the `node` package of the registry ships the official binary);
 *   3. the host's own Node, when it is that major version.
 * Otherwise the agent runs on the host's Node, and the caller is told why (a warning for the invoke
 * log), so a behaviour difference between Node versions is never a silent surprise.
 * Nothing here touches the network; `installNode` does, and only when asked.
 */
import { execFile, spawn } from "node:child_process";
import { existsSync, mkdirSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";

const execFileP = promisify(execFile);

/** `codeConfiguration.runtime` → the Node major version AWS runs it on. */
export const NODE_RUNTIME_MAJOR: Readonly<Record<string, number>> = { NODE_22: 22 };

/** The runtime code deploys use when a record does not say (AWS requires it; older local records may lack it). */
export const DEFAULT_CODE_RUNTIME = "NODE_22";

export const nodePathEnv = (major: number) => `AGENTCORE_LOCAL_NODE${major}`;
export const nodeCacheDir = (stateDir: string, major: number) => join(stateDir, "cache", `node${major}`);
/** Where npm puts the binary of the registry's `node` package inside an install prefix. */
export const cachedNodeBinary = (stateDir: string, major: number) => join(nodeCacheDir(stateDir, major), "node_modules", ".bin", "node");

export interface NodeChoice {
  /** The executable to spawn. */
  path: string;
  /** Its `process.version`, e.g. `v22.23.3`. */
  version: string;
  /** Where it came from. */
  source: "configured" | "cache" | "host";
  /** Set when it is not the Node the runtime names: one line saying so and what to do. */
  warning?: string;
}

const majorOf = (version: string) => Number(version.replace(/^v/, "").split(".")[0]);

/** `<binary> --version`, or undefined when it does not run. */
async function versionOf(binary: string): Promise<string | undefined> {
  try {
    const { stdout } = await execFileP(binary, ["--version"], { timeout: 30_000 });
    const version = stdout.trim();
    return /^v\d+\.\d+\.\d+/.test(version) ? version : undefined;
  } catch {
    return undefined;
  }
}

export interface ChooseNodeOptions {
  stateDir: string;
  /** `codeConfiguration.runtime`, e.g. `NODE_22`. */
  runtime?: string;
  env?: NodeJS.ProcessEnv;
  /** The host's Node (tests); default this process's. */
  host?: { path: string; version: string };
}

/** The Node for one code-deploy runtime; never throws (the host's Node is the last resort). */
export async function chooseNode(opts: ChooseNodeOptions): Promise<NodeChoice> {
  const env = opts.env ?? process.env;
  const host = opts.host ?? { path: process.execPath, version: process.version };
  const runtime = opts.runtime ?? DEFAULT_CODE_RUNTIME;
  const major = NODE_RUNTIME_MAJOR[runtime];
  if (major === undefined) return { ...host, source: "host", warning: `runtime ${runtime} names no Node version Local AgentCore knows; the agent runs on the host's Node ${host.version}.` };

  const problems: string[] = [];
  const configured = env[nodePathEnv(major)]?.trim();
  if (configured) {
    const version = await versionOf(configured);
    if (version && majorOf(version) === major) return { path: configured, version, source: "configured" };
    problems.push(`${nodePathEnv(major)}=${configured} ${version ? `is Node ${version}, not ${major}` : "does not run"}`);
  }
  const cached = cachedNodeBinary(opts.stateDir, major);
  if (existsSync(cached)) {
    const version = await versionOf(cached);
    if (version && majorOf(version) === major) return { path: cached, version, source: "cache" };
    problems.push(`the cached copy ${cached} ${version ? `is Node ${version}` : "does not run"}`);
  }
  if (majorOf(host.version) === major) return { ...host, source: "host" };
  return {
    ...host,
    source: "host",
    warning:
      `runtime ${runtime} runs on Node ${major} in AWS, but no Node ${major} is at hand${problems.length ? ` (${problems.join("; ")})` : ""}: ` +
      `the agent runs on the host's Node ${host.version}. Fetch Node ${major} with: npm run local -- node install (or set ${nodePathEnv(major)} to a node ${major} binary).`,
  };
}

/**
 * Fetches Node `major` from the npm registry into the state folder's cache with the machine's npm
 * (`npm install --prefix <dir> node@<major>`), into a temporary folder first so an interrupted
 * install never leaves a broken copy. `progress` receives npm's output lines. Resolves to the
 * installed version; a copy already there that runs is kept as is.
 */
export async function installNode(stateDir: string, major: number, progress: (line: string) => void, npm = "npm"): Promise<{ path: string; version: string; installed: boolean }> {
  const binary = cachedNodeBinary(stateDir, major);
  const existing = existsSync(binary) ? await versionOf(binary) : undefined;
  if (existing && majorOf(existing) === major) return { path: binary, version: existing, installed: false };

  const finalDir = nodeCacheDir(stateDir, major);
  const tempDir = `${finalDir}.installing-${process.pid}`;
  rmSync(tempDir, { recursive: true, force: true });
  mkdirSync(tempDir, { recursive: true });
  const args = ["install", "--prefix", tempDir, `node@${major}`, "--no-audit", "--no-fund", "--loglevel=http"];
  progress(`Fetching Node ${major} from the npm registry: ${npm} ${args.join(" ")}`);
  const code = await new Promise<number>((resolve) => {
    const child = spawn(npm, args, { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, npm_config_update_notifier: "false" } });
    const forward = (chunk: Buffer) => chunk.toString().split("\n").filter((l) => l.trim()).forEach((l) => progress(`  ${l}`));
    child.stdout.on("data", forward);
    child.stderr.on("data", forward);
    child.once("error", (e) => {
      progress(`  could not run ${npm}: ${e.message}`);
      resolve(127);
    });
    child.once("exit", (c) => resolve(c ?? 1));
  });
  const tempBinary = join(tempDir, "node_modules", ".bin", "node");
  const version = code === 0 ? await versionOf(tempBinary) : undefined;
  if (!version || majorOf(version) !== major) {
    rmSync(tempDir, { recursive: true, force: true });
    throw new Error(
      `Fetching Node ${major} from the npm registry failed (npm exit code ${code}${version ? `, got ${version}` : ""}). Check that npm reaches the registry (npm ping), or set ${nodePathEnv(major)} to a node ${major} binary.`,
    );
  }
  rmSync(finalDir, { recursive: true, force: true });
  renameSync(tempDir, finalDir);
  return { path: binary, version, installed: true };
}
