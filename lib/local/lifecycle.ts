/**
 * Local AgentCore as a background process: where its state, pid, log and env files live, starting
 * it detached and waiting for health, stopping it, and the env file any AWS client can source.
 * Used by `scripts/local.ts` (the `npm run local` CLI) and by the library (`ensureLocalRunning`).
 */
import { spawn } from "node:child_process";
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { Store } from "./state/store.js";
import { loadOrCreateAccount } from "./state/account.js";
import { checkMasterKey } from "./state/vault.js";
import { DEFAULT_PORT, DEFAULT_REGION, PortInUseError, startLocalServer, type LocalServer } from "./http/server.js";

/** The project root (the folder of this package's package.json). */
export const PROJECT_DIR = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");

export interface LocalPaths {
  projectDir: string;
  stateDir: string;
  port: number;
  region: string;
  pidFile: string;
  logFile: string;
  envFile: string;
}

export function localPaths(projectDir = PROJECT_DIR, env: NodeJS.ProcessEnv = process.env): LocalPaths {
  const stateDir = env.AGENTCORE_LOCAL_DIR ? resolve(projectDir, env.AGENTCORE_LOCAL_DIR) : join(projectDir, ".agentcore-local");
  const port = env.AGENTCORE_LOCAL_PORT ? Number(env.AGENTCORE_LOCAL_PORT) : DEFAULT_PORT;
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`AGENTCORE_LOCAL_PORT must be a port number (got "${env.AGENTCORE_LOCAL_PORT}")`);
  return {
    projectDir,
    stateDir,
    port,
    region: env.AGENTCORE_LOCAL_REGION || DEFAULT_REGION,
    pidFile: join(stateDir, "server.pid"),
    logFile: join(stateDir, "server.log"),
    envFile: join(stateDir, "env"),
  };
}

interface PidFile {
  pid: number;
  port: number;
  endpoint: string;
  startedAt: string;
}

export interface Health {
  status: string;
  accountId: string;
  version: string;
  region?: string;
}

export interface LocalStatus {
  running: boolean;
  endpoint: string;
  pid?: number;
  health?: Health;
}

function readPidFile(paths: LocalPaths): PidFile | undefined {
  try {
    return JSON.parse(readFileSync(paths.pidFile, "utf8")) as PidFile;
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Whether a live pid is still Local AgentCore and not an unrelated process that reused the pid of
 * one that died (`kill -9`, reboot). Where /proc is missing (macOS) the pid file is trusted.
 */
function isOurs(pid: number): boolean {
  if (!isAlive(pid)) return false;
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").includes("local.ts");
  } catch {
    return !existsSync("/proc/self");
  }
}

export async function checkHealth(endpoint: string, timeoutMs = 1500): Promise<Health | undefined> {
  try {
    const res = await fetch(`${endpoint}/_local/health`, { signal: AbortSignal.timeout(timeoutMs) });
    if (!res.ok) return undefined;
    const body = (await res.json()) as Health;
    return body.status === "ok" ? body : undefined;
  } catch {
    return undefined;
  }
}

export async function localStatus(paths: LocalPaths): Promise<LocalStatus> {
  const pf = readPidFile(paths);
  const endpoint = pf?.endpoint ?? `http://127.0.0.1:${paths.port}`;
  if (!pf || !isOurs(pf.pid)) return { running: false, endpoint };
  // Our process is alive: a busy machine may answer slowly, so give it a few tries before
  // concluding it is unhealthy (a wrong "not running" leads to a confusing "port in use").
  let health: Health | undefined;
  for (let attempt = 0; attempt < 4 && !health; attempt++) {
    health = await checkHealth(endpoint, 1500 + attempt * 1500);
    if (!health && !isAlive(pf.pid)) break;
  }
  return { running: !!health, endpoint, pid: pf.pid, health };
}

export interface LocalEnv {
  endpoint: string;
  region: string;
  accountId: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
}

/** Shell-sourceable lines for the admin identity (AWS CLI, boto3 and the JS SDK all read them). */
export function envText(e: LocalEnv): string {
  return [
    `# Local AgentCore (account ${e.accountId}): source this file, or eval "$(npm run -s local -- env)"`,
    `export AWS_ENDPOINT_URL=${e.endpoint}`,
    `export AWS_ACCESS_KEY_ID=${e.credentials.accessKeyId}`,
    `export AWS_SECRET_ACCESS_KEY=${e.credentials.secretAccessKey}`,
    `export AWS_REGION=${e.region}`,
    `export AWS_DEFAULT_REGION=${e.region}`,
    "",
  ].join("\n");
}

export function writeEnvFile(paths: LocalPaths, e: LocalEnv): void {
  mkdirSync(paths.stateDir, { recursive: true, mode: 0o700 });
  writeFileSync(paths.envFile, envText(e), { mode: 0o600 });
  chmodSync(paths.envFile, 0o600);
}

/** The env text for the state folder's admin identity, whether or not the server runs (creates the account if new). */
export function localEnvFromState(paths: LocalPaths): LocalEnv {
  const store = new Store(paths.stateDir);
  try {
    const account = loadOrCreateAccount(store);
    const endpoint = readPidFile(paths)?.endpoint ?? `http://127.0.0.1:${paths.port}`;
    return {
      endpoint,
      region: paths.region,
      accountId: account.accountId,
      credentials: { accessKeyId: account.admin.accessKeyId, secretAccessKey: account.admin.secretAccessKey },
    };
  } finally {
    store.close();
  }
}

/** The env file's values (`AWS_ENDPOINT_URL`, …), or undefined when Local AgentCore never started. */
export function readLocalEnv(projectDir = PROJECT_DIR): Record<string, string> | undefined {
  return readEnvFileAt(localPaths(projectDir).envFile);
}

function readEnvFileAt(file: string): Record<string, string> | undefined {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    return undefined;
  }
  const out: Record<string, string> = {};
  for (const line of text.split("\n")) {
    const m = /^\s*(?:export\s+)?([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line);
    if (m) out[m[1]!] = m[2]!.trim();
  }
  return out;
}

/**
 * Runs the server in this process until SIGINT/SIGTERM: pid file, env file, log lines to `log`.
 * Throws PortInUseError when the port is taken.
 */
export async function runForeground(paths: LocalPaths, log: (line: string) => void = (l) => console.log(`${new Date().toISOString()} ${l}`)): Promise<LocalServer> {
  const server = await startLocalServer({ stateDir: paths.stateDir, port: paths.port, region: paths.region, log });
  try {
    // A vault whose master key is gone fails now, before the pid and env files announce a server.
    checkMasterKey(server.services.store, paths.stateDir);
  } catch (e) {
    await server.close();
    throw e;
  }
  const pf: PidFile = { pid: process.pid, port: server.port, endpoint: server.endpoint, startedAt: new Date().toISOString() };
  writeFileSync(paths.pidFile, JSON.stringify(pf) + "\n");
  writeEnvFile(paths, { endpoint: server.endpoint, region: server.region, accountId: server.accountId, credentials: server.admin });
  const shutdown = (signal: string) => {
    log(`${signal}: stopping`);
    server.close().finally(() => {
      const current = readPidFile(paths);
      if (current?.pid === process.pid) rmSync(paths.pidFile, { force: true });
      process.exit(0);
    });
  };
  process.once("SIGTERM", () => shutdown("SIGTERM"));
  process.once("SIGINT", () => shutdown("SIGINT"));
  return server;
}

/** Whether something already listens on the port (127.0.0.1). */
function portInUse(port: number): Promise<boolean> {
  return new Promise((resolvePromise) => {
    const probe = createServer();
    probe.once("error", (e: NodeJS.ErrnoException) => resolvePromise(e.code === "EADDRINUSE"));
    probe.listen(port, "127.0.0.1", () => probe.close(() => resolvePromise(false)));
  });
}

function tsxLoader(projectDir: string): string {
  const file = join(projectDir, "node_modules", "tsx", "dist", "loader.mjs");
  return existsSync(file) ? pathToFileURL(file).href : "tsx";
}

const MAX_LOG_BYTES = 10 * 1024 * 1024;

/** Keeps one previous log (`server.log.1`) once the log passes 10 MiB. */
function rotateLog(file: string): void {
  try {
    if (statSync(file).size > MAX_LOG_BYTES) renameSync(file, `${file}.1`);
  } catch {
    /* no log yet */
  }
}

function logTail(paths: LocalPaths, lines = 5): string {
  try {
    return readFileSync(paths.logFile, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
  } catch {
    return "";
  }
}

/** The background server exited while starting; `message` is its own one-line explanation. */
export class StartFailedError extends Error {}

export interface StartResult {
  alreadyRunning: boolean;
  endpoint: string;
  pid: number;
  accountId: string;
}

/** Starts Local AgentCore as a detached background process (unless it already runs) and waits for health. */
export async function startDetached(paths: LocalPaths, timeoutMs = 30_000): Promise<StartResult> {
  const status = await localStatus(paths);
  if (status.running) return { alreadyRunning: true, endpoint: status.endpoint, pid: status.pid!, accountId: status.health!.accountId };
  if (await portInUse(paths.port)) throw new PortInUseError(paths.port);

  mkdirSync(paths.stateDir, { recursive: true, mode: 0o700 });
  rotateLog(paths.logFile);
  const logFd = openSync(paths.logFile, "a");
  const script = join(paths.projectDir, "scripts", "local.ts");
  const child = spawn(process.execPath, ["--import", tsxLoader(paths.projectDir), script, "start", "--foreground"], {
    cwd: paths.projectDir,
    detached: true,
    stdio: ["ignore", logFd, logFd],
    env: { ...process.env, AGENTCORE_LOCAL_DIR: paths.stateDir, AGENTCORE_LOCAL_PORT: String(paths.port), AGENTCORE_LOCAL_REGION: paths.region },
  });
  closeSync(logFd);
  let exited: number | null | undefined;
  child.once("exit", (code) => (exited = code));
  child.unref();

  const endpoint = `http://127.0.0.1:${paths.port}`;
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const health = await checkHealth(endpoint, 1000);
    if (health) {
      // Another starter may have won the race for the port; report whichever process serves it.
      const pf = readPidFile(paths);
      return { alreadyRunning: exited !== undefined, endpoint, pid: pf?.pid ?? child.pid!, accountId: health.accountId };
    }
    if (exited !== undefined) {
      // The server's last line says why (one line, with the fix); the log has the rest.
      const why = logTail(paths, 1) || `it exited with code ${exited}`;
      throw new StartFailedError(`${why} (log: ${paths.logFile})`);
    }
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new Error(`Local AgentCore did not become healthy within ${timeoutMs / 1000}s. See ${paths.logFile}:\n${logTail(paths)}`);
}

/** Stops the background process (SIGTERM, then SIGKILL after 5 s). Returns its pid, or undefined if none ran. */
export async function stopLocal(paths: LocalPaths): Promise<number | undefined> {
  const pf = readPidFile(paths);
  if (!pf || !isOurs(pf.pid)) {
    if (pf) rmSync(paths.pidFile, { force: true });
    return undefined;
  }
  process.kill(pf.pid, "SIGTERM");
  const deadline = Date.now() + 5000;
  while (isAlive(pf.pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  if (isAlive(pf.pid)) process.kill(pf.pid, "SIGKILL");
  try {
    unlinkSync(paths.pidFile);
  } catch {
    /* the process removed it itself */
  }
  return pf.pid;
}

/** Stops Local AgentCore and deletes its state folder. */
export async function resetLocal(paths: LocalPaths): Promise<void> {
  await stopLocal(paths);
  rmSync(paths.stateDir, { recursive: true, force: true });
}

/**
 * The library's entry point: Local AgentCore's endpoint and admin credentials, starting it in the
 * background first when it is not running.
 */
export async function ensureLocalRunning(opts: { projectDir?: string; timeoutMs?: number } = {}): Promise<LocalEnv> {
  const paths = localPaths(opts.projectDir ?? PROJECT_DIR);
  const started = await startDetached(paths, opts.timeoutMs);
  const env = readEnvFileAt(paths.envFile);
  if (!env?.AWS_ACCESS_KEY_ID || !env.AWS_SECRET_ACCESS_KEY) throw new Error(`Local AgentCore is running but ${paths.envFile} is missing; run \`npm run local -- stop\` and try again`);
  return {
    endpoint: started.endpoint,
    region: env.AWS_REGION ?? paths.region,
    accountId: started.accountId,
    credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY },
  };
}

