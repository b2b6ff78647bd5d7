/**
 * The Local AgentCore server as a process: running it in the foreground with its pid and env
 * files, and the admin identity read from (or created in) the state folder. Only `scripts/local.ts`
 * uses this; the library talks to that process through `client/`.
 */
import { rmSync } from "node:fs";
import { Store } from "./state/store.js";
import { loadOrCreateAccount } from "./state/account.js";
import { checkMasterKey } from "./state/vault.js";
import { startLocalServer, type LocalServer } from "./http/server.js";
import { readPidFile, writePidFile, type PidFile } from "./client/pid-file.js";
import { writeEnvFile, type LocalEnv } from "./client/env-file.js";
import type { LocalPaths } from "./client/paths.js";
import { createLogSink } from "./http/log-sink.js";

/** The env file's values for the state folder's admin identity, whether or not the server runs (creates the account if new). */
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

/**
 * Runs the server in this process until SIGINT/SIGTERM: pid file, env file, log lines to `log`
 * (default: stdout, time-stamped, one write per event-loop turn, written out before exit).
 * Throws PortInUseError when the port is taken.
 */
export async function runForeground(paths: LocalPaths, log: ((line: string) => void) & { flush?: () => void } = createLogSink()): Promise<LocalServer> {
  const server = await startLocalServer({ stateDir: paths.stateDir, port: paths.port, region: paths.region, log });
  try {
    // A vault whose master key is gone fails now, before the pid and env files announce a server.
    checkMasterKey(server.services.store, paths.stateDir);
  } catch (e) {
    await server.close();
    log.flush?.(); // the start-up lines before the error the caller prints: the error stays the last line
    throw e;
  }
  const pf: PidFile = { pid: process.pid, port: server.port, endpoint: server.endpoint, startedAt: new Date().toISOString() };
  writePidFile(paths, pf);
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
  log.flush?.(); // the start-up lines before whatever the caller prints next
  return server;
}
