/** The background server's log file: kept from growing without bound, and its last lines for error messages. */
import { readFileSync, renameSync, statSync } from "node:fs";
import type { LocalPaths } from "./paths.js";

const MAX_LOG_BYTES = 10 * 1024 * 1024;

/** Keeps one previous log (`server.log.1`) once the log passes 10 MiB. */
export function rotateLog(file: string): void {
  try {
    if (statSync(file).size > MAX_LOG_BYTES) renameSync(file, `${file}.1`);
  } catch {
    /* no log yet */
  }
}

export function logTail(paths: LocalPaths, lines = 5): string {
  try {
    return readFileSync(paths.logFile, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
  } catch {
    return "";
  }
}
