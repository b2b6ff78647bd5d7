/**
 * The state folder holds the token vault, the keys that derive the admin's secret key and a log of
 * every request, so it is private to its owner: the folder 0700 and the files that matter 0600.
 * Enforced at every start, not only on creation: a folder made by hand, restored from a backup or
 * copied without `-p` comes back readable by everyone.
 */
import { chmodSync, closeSync, mkdirSync, openSync, statSync } from "node:fs";
import { join } from "node:path";

/** Files of the state folder that must never be readable by others (database with its WAL files, logs, keys, env file). */
export const PRIVATE_STATE_FILES = [
  "state.db",
  "state.db-wal",
  "state.db-shm",
  "state.db-journal",
  "server.log",
  "server.log.1",
  "master.key",
  "credentials.key",
  "env",
] as const;

/** Creates the folder if needed and tightens it and its private files; returns what it changed (for the log). */
export function makeStateFolderPrivate(dir: string): string[] {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const changed: string[] = [];
  tighten(dir, 0o700, changed);
  for (const name of PRIVATE_STATE_FILES) tighten(join(dir, name), 0o600, changed);
  return changed;
}

/**
 * Creates `path` empty with mode 0600 if it does not exist, so a file another library creates
 * with the umask's mode (SQLite, a log opened for appending) starts private. SQLite gives its
 * -wal and -shm files the database file's mode.
 */
export function createPrivateFile(path: string): void {
  closeSync(openSync(path, "a", 0o600));
  tighten(path, 0o600, []);
}

function tighten(path: string, wanted: number, changed: string[]): void {
  let current: number;
  try {
    current = statSync(path).mode & 0o777;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return;
    throw e;
  }
  if ((current & ~wanted) === 0) return; // already as private (or more)
  try {
    chmodSync(path, wanted);
  } catch (e) {
    throw new Error(
      `${path} is mode 0${current.toString(8)} and could not be made 0${wanted.toString(8)} (${(e as Error).message}). ` +
        `Local AgentCore keeps secrets there: use a state folder you own (AGENTCORE_LOCAL_DIR), or fix its owner and mode.`,
    );
  }
  changed.push(`${path} 0${current.toString(8)} → 0${wanted.toString(8)}`);
}
