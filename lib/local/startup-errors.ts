/**
 * Why Local AgentCore could not start, as one line that says what is wrong and how to fix it
 * (for the `npm run local` CLI and the detached start). It explains failures of both sides (the
 * client's start, the server's state and vault), so it belongs to neither and the library's surface
 * does not load it. Start-up never repairs state by
 * overwriting it: a damaged database or a missing master key is the user's data to recover.
 */
import { join } from "node:path";
import { AwsError } from "./errors.js";
import { StartFailedError } from "./client/start.js";
import { PortInUseError } from "./port-in-use.js";

const STATE_FOLDER_CODES = new Set(["ENOTDIR", "EACCES", "EPERM", "EROFS", "EEXIST", "ENOSPC", "ELOOP", "ENAMETOOLONG"]);
const DAMAGED_DB_CODES = new Set(["SQLITE_NOTADB", "SQLITE_CORRUPT", "SQLITE_CORRUPT_VTAB", "SQLITE_CORRUPT_SEQUENCE"]);
const UNWRITABLE_DB_CODES = new Set(["SQLITE_CANTOPEN", "SQLITE_READONLY", "SQLITE_IOERR", "SQLITE_FULL", "SQLITE_PERM"]);

const REASONS: Record<string, string> = {
  ENOTDIR: "part of the path is a file, not a folder",
  EEXIST: "a file is in the way of the folder",
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  EROFS: "the file system is read-only",
  ENOSPC: "the disk is full",
};

const oneLine = (s: string) => s.replace(/\s*\n\s*/g, " ").trim();

export function explainStartupError(e: unknown, stateDir: string | undefined): string {
  if (e instanceof PortInUseError || e instanceof StartFailedError) return oneLine(e.message);
  // The vault's own errors (missing or damaged master key) already say what to do.
  if (e instanceof AwsError) return oneLine(e.message);
  const err = e as NodeJS.ErrnoException;
  const code = typeof err?.code === "string" ? err.code : "";
  const dir = stateDir ?? "the state folder";
  if (STATE_FOLDER_CODES.has(code)) {
    return oneLine(
      `Local AgentCore cannot create or write its state folder ${dir}: ${REASONS[code] ?? code}${err.path && err.path !== dir ? ` (${err.path})` : ""}. ` +
        `Fix that path, or choose a writable folder: AGENTCORE_LOCAL_DIR=<folder> npm run local -- start`,
    );
  }
  if (DAMAGED_DB_CODES.has(code)) {
    const db = join(dir, "state.db");
    return oneLine(
      `The state database ${db} is damaged (${err.message}); Local AgentCore changed nothing. ` +
        `Restore it from a backup, or move the state folder aside (mv ${dir} ${dir}.damaged) and start again with a fresh one.`,
    );
  }
  if (UNWRITABLE_DB_CODES.has(code)) {
    return oneLine(
      `Local AgentCore cannot open its state database in ${dir} (${code}: ${err.message}). ` +
        `Check the folder is writable and the disk is not full, or choose another folder: AGENTCORE_LOCAL_DIR=<folder> npm run local -- start`,
    );
  }
  return oneLine(`Local AgentCore: ${err instanceof Error ? err.message : String(e)}`);
}
