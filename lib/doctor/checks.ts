/**
 * The doctor's checks: is this machine ready to run the notebooks against the chosen target?
 * Each check says what it found and, when not fine, the one thing to do about it. `npm run doctor`
 * prints them; a workshop command can reuse `runChecks` as is.
 *
 * Required checks decide the exit code; optional ones (Jupyter for the headless runner, a container
 * engine for code deploys) are reported but do not fail the doctor.
 */
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { $, which } from "zx";
import { chooseNode } from "../local/node-runtime.js";
import { STSClient, GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import { BedrockAgentCoreControlClient, ListAgentRuntimesCommand } from "@aws-sdk/client-bedrock-agentcore-control";
import { checkHealth, localPaths, localStatus } from "../local/client/index.js";
import { PROJECT_DIR } from "../project-dir.js";
import { redact } from "../notebook/redact.js";
import { probeContainerEngines } from "../container-engine.js";
import { targetFromEnv, type Target } from "../session.js";

export type { Target };

export interface Check {
  name: string;
  ok: boolean;
  /** Whether a failure makes the doctor fail for this target. */
  required: boolean;
  /** What was found (a version, an account, the reason it failed). */
  detail: string;
  /** One line: what to do when not ok. */
  fix?: string;
}

export interface CheckOptions {
  /** Environment to read (AWS settings, AGENTCORE_LOCAL_*); default process.env. */
  env?: NodeJS.ProcessEnv;
  projectDir?: string;
  /** Python that runs Jupyter (default /usr/bin/python3, then `jupyter` on PATH). */
  python?: string;
  /** Node version to judge (tests); default this process's. */
  nodeVersion?: string;
  /** "required": only the checks that decide readiness; default every check. */
  only?: "required";
}

export const MIN_NODE = "20.19.0";

function versionAtLeast(version: string, min: string): boolean {
  const a = version.replace(/^v/, "").split(".").map(Number);
  const b = min.split(".").map(Number);
  for (let i = 0; i < 3; i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d > 0;
  }
  return true;
}

const run = $({ quiet: true, nothrow: true, verbose: false, timeout: "20s" });

function firstLine(text: string): string {
  return text.trim().split("\n")[0]?.trim() ?? "";
}

/** The Node AgentCore Runtime runs code deploys on, and the AWS SDK needs from its 2027 releases on. */
export const SUPPORTED_NODE_MAJOR = 22;

export function checkNode(version: string = process.versions.node): Check {
  const ok = versionAtLeast(version, MIN_NODE);
  const v = `v${version.replace(/^v/, "")}`;
  // Said once, here: the AWS SDK's own warning about the same thing is kept out of the output.
  const older = ok && Number(version.replace(/^v/, "").split(".")[0]) < SUPPORTED_NODE_MAJOR;
  return {
    name: "Node.js",
    ok,
    required: true,
    detail: ok
      ? older
        ? `${v} works, but Node 20 is past its end of life (April 2026) and AWS SDK for JavaScript releases published after the first week of January 2027 need Node ${SUPPORTED_NODE_MAJOR}: move to Node ${SUPPORTED_NODE_MAJOR} (nvm install ${SUPPORTED_NODE_MAJOR}, then npm ci) before then`
        : v
      : `${v} (need >= ${MIN_NODE})`,
    fix: ok ? undefined : `Install Node ${SUPPORTED_NODE_MAJOR} (e.g. nvm install ${SUPPORTED_NODE_MAJOR} && nvm use ${SUPPORTED_NODE_MAJOR}; ${MIN_NODE} is the oldest that works), then npm ci.`,
  };
}

/** Which Node runs code deploys in Local AgentCore: Node 22 as in AWS, else the host's (a warning). */
export async function checkCodeDeployNode(env: NodeJS.ProcessEnv, projectDir: string = PROJECT_DIR): Promise<Check> {
  let stateDir: string;
  try {
    stateDir = localPaths(projectDir, env).stateDir;
  } catch (e) {
    return { name: "Code-deploy Node", ok: false, required: false, detail: (e as Error).message };
  }
  const choice = await chooseNode({ stateDir, env });
  return {
    name: "Code-deploy Node",
    ok: !choice.warning,
    required: false,
    detail: choice.warning ? `agents would run on the host's Node ${choice.version}, not Node ${SUPPORTED_NODE_MAJOR} as in AWS` : `Node ${choice.version} (${choice.source})`,
    fix: choice.warning ? `npm run local -- node install (fetches Node ${SUPPORTED_NODE_MAJOR} from the npm registry), or set AGENTCORE_LOCAL_NODE${SUPPORTED_NODE_MAJOR} to a node ${SUPPORTED_NODE_MAJOR} binary.` : undefined,
  };
}

export function checkDependencies(projectDir: string = PROJECT_DIR): Check {
  const name = "Dependencies";
  const modules = join(projectDir, "node_modules");
  if (!existsSync(modules)) return { name, ok: false, required: true, detail: "node_modules is missing", fix: "Run npm ci in the project folder." };
  const needed = ["tslab", "tsx", "typescript", "zx", "@aws-sdk/client-bedrock-agentcore-control", "@strands-agents/sdk", "bedrock-agentcore", "better-sqlite3"];
  const missing = needed.filter((p) => !existsSync(join(modules, p, "package.json")));
  if (missing.length) return { name, ok: false, required: true, detail: `missing ${missing.join(", ")}`, fix: "Run npm ci in the project folder." };
  try {
    // The native module is what breaks on a new Node or another CPU: load it and open a database.
    const requireThere = createRequire(join(projectDir, "package.json"));
    const Database = requireThere("better-sqlite3") as new (file: string) => { close(): void };
    new Database(":memory:").close();
  } catch (e) {
    return {
      name,
      ok: false,
      required: true,
      detail: `better-sqlite3 does not load: ${firstLine((e as Error).message)}`,
      fix: "Rebuild it for this Node: npm rebuild better-sqlite3 (needs python3, make and a C++ compiler).",
    };
  }
  return { name, ok: true, required: true, detail: "installed; better-sqlite3 loads" };
}

/** The command that runs Jupyter here and its `--version` output, or undefined. */
async function jupyterCommand(python: string | undefined): Promise<{ command: string[]; versions: string } | undefined> {
  const py = python ?? "/usr/bin/python3";
  if (existsSync(py) || python) {
    const out = await run`${py} -m jupyter --version`;
    if (out.exitCode === 0) return { command: [py, "-m", "jupyter"], versions: out.stdout };
  }
  const onPath = await which("jupyter", { nothrow: true });
  if (onPath) {
    const out = await run`${onPath} --version`;
    if (out.exitCode === 0) return { command: [onPath], versions: out.stdout };
  }
  return undefined;
}

export async function checkJupyter(python?: string): Promise<Check[]> {
  const found = await jupyterCommand(python);
  if (!found) {
    return [
      {
        name: "Jupyter",
        ok: false,
        required: false,
        detail: "not found (the headless runner, npm start, works without it)",
        fix: "To use JupyterLab: pipx install jupyterlab (or apt-get install jupyter-notebook), then npm run kernel:install.",
      },
    ];
  }
  // Python starts slowly: the version output of the probe above is reused, not asked for again.
  const { command: jupyter, versions } = found;
  const core = /jupyter_core\s*:\s*(\S+)/.exec(versions)?.[1];
  const jupyterFound: Check = { name: "Jupyter", ok: true, required: false, detail: `${jupyter.join(" ")}${core ? ` (jupyter_core ${core})` : ""}` };
  const specs = await run`${jupyter} kernelspec list --json`;
  let kernels: string[] = [];
  try {
    kernels = Object.keys((JSON.parse(specs.stdout) as { kernelspecs: Record<string, unknown> }).kernelspecs);
  } catch {
    // reported below as not registered
  }
  const tslab = kernels.includes("tslab");
  return [
    jupyterFound,
    {
      name: "tslab kernel",
      ok: tslab,
      required: false,
      detail: tslab ? "registered" : `not registered (kernels: ${kernels.join(", ") || "none"})`,
      fix: tslab ? undefined : "Run npm run kernel:install.",
    },
  ];
}

export async function checkContainerEngine(): Promise<Check> {
  const name = "Container engine";
  const probes = await probeContainerEngines(process.env, { version: true });
  const working = probes.find((p) => p.works);
  if (working) return { name, ok: true, required: false, detail: working.version ?? working.engine };
  // A docker CLI without a running daemon is the common trap: say so, with the fix for that engine.
  const unreachable = probes[0];
  if (unreachable) {
    return {
      name,
      ok: false,
      required: false,
      detail: `${unreachable.version ?? unreachable.engine}, but it cannot reach its daemon: ${unreachable.problem}`,
      fix:
        unreachable.engine === "docker"
          ? "Start Docker (Docker Desktop, or sudo systemctl start docker), or install podman."
          : "Check podman info; rootless podman needs subuid/subgid entries for your user.",
    };
  }
  return {
    name,
    ok: false,
    required: false,
    detail: "neither docker nor podman found",
    fix: "Container deploys need docker (https://docs.docker.com/get-docker/) or podman (apt-get install podman); code deploys do not.",
  };
}

export async function checkLocalAgentCore(env: NodeJS.ProcessEnv, projectDir: string = PROJECT_DIR): Promise<Check> {
  const name = "Local AgentCore";
  let paths;
  try {
    paths = localPaths(projectDir, env);
  } catch (e) {
    return { name, ok: false, required: true, detail: (e as Error).message, fix: "Unset AGENTCORE_LOCAL_PORT or set it to a free port number." };
  }
  const status = await localStatus(paths);
  if (status.running) {
    return { name, ok: true, required: true, detail: `running at ${status.endpoint} (pid ${status.pid}, account ${status.health!.accountId}, version ${status.health!.version})` };
  }
  if (status.pid) {
    return {
      name,
      ok: false,
      required: true,
      detail: `process ${status.pid} is alive but ${status.endpoint}/_local/health does not answer`,
      fix: `Restart it: npm run local -- stop && npm run local -- start (log: ${paths.logFile}).`,
    };
  }
  // Not running is fine (notebooks start it on first use) unless something else holds its port.
  const endpoint = `http://127.0.0.1:${paths.port}`;
  if (await portAnswers(paths.port)) {
    const health = await checkHealth(endpoint);
    if (health) return { name, ok: true, required: true, detail: `running at ${endpoint} (account ${health.accountId}, started outside this project's state folder)` };
    return {
      name,
      ok: false,
      required: true,
      detail: `port ${paths.port} is taken by another program`,
      fix: `Stop that program, or pick another port: export AGENTCORE_LOCAL_PORT=<port>.`,
    };
  }
  return { name, ok: true, required: true, detail: `not running; notebooks start it on first use (or: npm run local -- start)` };
}

async function portAnswers(port: number): Promise<boolean> {
  const { createConnection } = await import("node:net");
  return new Promise((resolve) => {
    const socket = createConnection({ port, host: "127.0.0.1" });
    socket.setTimeout(1000);
    socket.once("connect", () => (socket.destroy(), resolve(true)));
    socket.once("timeout", () => (socket.destroy(), resolve(false)));
    socket.once("error", () => resolve(false));
  });
}

/** Client settings from `env` (the SDK would read the same from process.env; tests pass their own). */
function awsClientConfig(env: NodeJS.ProcessEnv, region: string) {
  const endpoint = env.AWS_ENDPOINT_URL;
  const credentials =
    env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY
      ? { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY, sessionToken: env.AWS_SESSION_TOKEN }
      : undefined;
  // A check must answer, not hang on an unreachable endpoint.
  const requestHandler = { connectionTimeout: 5000, requestTimeout: 15000 };
  return { region, maxAttempts: 1, requestHandler, ...(endpoint ? { endpoint } : {}), ...(credentials ? { credentials } : {}) };
}

async function resolveRegion(env: NodeJS.ProcessEnv): Promise<string | undefined> {
  const fromEnv = env.AWS_REGION || env.AWS_DEFAULT_REGION;
  if (fromEnv) return fromEnv;
  if (env !== process.env) return undefined;
  // The profile's region (~/.aws/config), as the SDK's default chain finds it.
  const probe = new STSClient({});
  try {
    return await probe.config.region();
  } catch {
    return undefined;
  } finally {
    probe.destroy();
  }
}

function awsErrorText(e: unknown): string {
  const err = e as { name?: string; message?: string };
  return redact(`${err.name ?? "Error"}: ${firstLine(err.message ?? String(e))}`);
}

export async function checkAws(env: NodeJS.ProcessEnv): Promise<Check[]> {
  const region = await resolveRegion(env);
  const checks: Check[] = [
    region
      ? { name: "AWS region", ok: true, required: true, detail: region }
      : { name: "AWS region", ok: false, required: true, detail: "not set", fix: "Set one where AgentCore is available: export AWS_REGION=us-east-1" },
  ];
  // Without a region, credentials are still checked (against STS in us-east-1) so both problems show at once.
  const sts = new STSClient(awsClientConfig(env, region ?? "us-east-1"));
  try {
    const who = await sts.send(new GetCallerIdentityCommand({}));
    checks.push({ name: "AWS credentials", ok: true, required: true, detail: `${who.Arn} (account ${who.Account})` });
  } catch (e) {
    checks.push({
      name: "AWS credentials",
      ok: false,
      required: true,
      detail: awsErrorText(e),
      fix: "Configure credentials: aws configure (or aws sso login --profile <p> and export AWS_PROFILE=<p>).",
    });
    return checks;
  } finally {
    sts.destroy();
  }
  if (!region) return checks;
  const control = new BedrockAgentCoreControlClient(awsClientConfig(env, region));
  try {
    const list = await control.send(new ListAgentRuntimesCommand({ maxResults: 1 }));
    checks.push({ name: "AgentCore", ok: true, required: true, detail: `available in ${region} (${list.agentRuntimes?.length ? "runtimes exist" : "no runtimes yet"})` });
  } catch (e) {
    const denied = /AccessDenied|UnauthorizedException/.test((e as Error).name ?? "");
    checks.push({
      name: "AgentCore",
      ok: false,
      required: true,
      detail: awsErrorText(e),
      fix: denied
        ? "Grant your identity bedrock-agentcore:* (e.g. the BedrockAgentCoreFullAccess managed policy)."
        : `Use a region where Bedrock AgentCore is available (e.g. us-east-1, us-west-2): export AWS_REGION=<region>.`,
    });
  } finally {
    control.destroy();
  }
  return checks;
}

/**
 * Every check for `target`, in the order a person would fix them. They run at the same time (most
 * wait on a child process or a socket); `only: "required"` leaves out the optional ones, which the
 * notebook's summary never shows (Jupyter alone is three Python start-ups).
 */
export async function runChecks(target: Target, options: CheckOptions = {}): Promise<Check[]> {
  const env = options.env ?? process.env;
  const projectDir = options.projectDir ?? PROJECT_DIR;
  const all = options.only !== "required";
  const groups: Array<Check[] | Promise<Check[]>> = [[checkNode(options.nodeVersion), checkDependencies(projectDir)]];
  if (all) groups.push(checkJupyter(options.python), checkContainerEngine().then((c) => [c]));
  if (target === "local") {
    if (all) groups.push(checkCodeDeployNode(env, projectDir).then((c) => [c]));
    groups.push(checkLocalAgentCore(env, projectDir).then((c) => [c]));
  } else groups.push(checkAws(env));
  return (await Promise.all(groups)).flat();
}

/** The target named by AGENTCORE_TARGET (default local): the session's own rule. */
export const targetFrom: typeof targetFromEnv = targetFromEnv;

export function passed(checks: Check[]): boolean {
  return checks.every((c) => c.ok || !c.required);
}

/** One line per check: `✓ Node.js  v20.20.2`, and under a failed one its fix. */
export function formatChecks(checks: Check[]): string {
  const width = Math.max(...checks.map((c) => c.name.length));
  return checks
    .map((c) => {
      const mark = c.ok ? "✓" : "✗";
      const line = `${mark} ${c.name.padEnd(width)}  ${c.detail}${!c.ok && !c.required ? " (optional)" : ""}`;
      return c.ok || !c.fix ? line : `${line}\n  ${" ".repeat(width)}  → ${c.fix}`;
    })
    .join("\n");
}
