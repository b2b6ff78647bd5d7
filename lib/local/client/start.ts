/**
 * Starting Local AgentCore on demand: spawn `scripts/local.ts start --foreground` as a detached
 * background process (its own process, so the caller never loads the server) and wait for health.
 */
import { spawn } from "node:child_process";
import { closeSync, existsSync, openSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { PROJECT_DIR } from "../../project-dir.js";
import { PortInUseError } from "../port-in-use.js";
import { readEnvFile, type LocalEnv } from "./env-file.js";
import { checkHealth, localStatus } from "./health.js";
import { logTail, rotateLog } from "./log-file.js";
import { localPaths, type LocalPaths } from "./paths.js";
import { readPidFile } from "./pid-file.js";
import { createPrivateFile, makeStateFolderPrivate } from "../private-folder.js";

/** The background server exited while starting; `message` is its own one-line explanation. */
export class StartFailedError extends Error {}

export interface StartResult {
  alreadyRunning: boolean;
  endpoint: string;
  pid: number;
  accountId: string;
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

/** Starts Local AgentCore as a detached background process (unless it already runs) and waits for health. */
export async function startDetached(paths: LocalPaths, timeoutMs = 30_000): Promise<StartResult> {
  const status = await localStatus(paths);
  if (status.running) return { alreadyRunning: true, endpoint: status.endpoint, pid: status.pid!, accountId: status.health!.accountId };
  if (await portInUse(paths.port)) throw new PortInUseError(paths.port);

  makeStateFolderPrivate(paths.stateDir);
  rotateLog(paths.logFile);
  createPrivateFile(paths.logFile); // the log records every request: never world-readable
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

/**
 * The library's entry point: Local AgentCore's endpoint and admin credentials, starting it in the
 * background first when it is not running.
 */
export async function ensureLocalRunning(opts: { projectDir?: string; timeoutMs?: number } = {}): Promise<LocalEnv> {
  const paths = localPaths(opts.projectDir ?? PROJECT_DIR);
  const started = await startDetached(paths, opts.timeoutMs);
  const env = readEnvFile(paths.envFile);
  if (!env?.AWS_ACCESS_KEY_ID || !env.AWS_SECRET_ACCESS_KEY) throw new Error(`Local AgentCore is running but ${paths.envFile} is missing; run \`npm run local -- stop\` and try again`);
  return {
    endpoint: started.endpoint,
    region: env.AWS_REGION ?? paths.region,
    accountId: started.accountId,
    credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY },
  };
}
