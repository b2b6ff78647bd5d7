/**
 * The pid file a running Local AgentCore writes (pid, port, endpoint), and whether the process it
 * names is still Local AgentCore.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import type { LocalPaths } from "./paths.js";

export interface PidFile {
  pid: number;
  port: number;
  endpoint: string;
  startedAt: string;
}

export function readPidFile(paths: LocalPaths): PidFile | undefined {
  try {
    return JSON.parse(readFileSync(paths.pidFile, "utf8")) as PidFile;
  } catch {
    return undefined;
  }
}

export function writePidFile(paths: LocalPaths, pf: PidFile): void {
  writeFileSync(paths.pidFile, JSON.stringify(pf) + "\n");
}

export function isAlive(pid: number): boolean {
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
export function isOurs(pid: number): boolean {
  if (!isAlive(pid)) return false;
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").includes("local.ts");
  } catch {
    return !existsSync("/proc/self");
  }
}
