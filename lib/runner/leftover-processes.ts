/**
 * Processes a run leaves behind. A cell may start a child process and forget it; another may start
 * one detached on purpose to outlive the run (Local AgentCore does). Neither is the runner's to
 * judge, so the summary lists them all (detached ones marked) and only `--kill-children` stops them.
 * The process table comes from `ps`, which Linux and macOS both have.
 */
import { execFileSync } from "node:child_process";

export interface ProcessInfo {
  pid: number;
  ppid: number;
  pgid: number;
  command: string;
}

export interface Leftover extends ProcessInfo {
  /** In a process group of its own (spawned with `detached`): meant to outlive its parent. */
  detached: boolean;
}

/** The runner's own helpers, not a cell's: tsx's esbuild service compiles the runner's modules. */
const PLUMBING = /esbuild\S*\s.*--service/;

export function processTable(): ProcessInfo[] {
  let text: string;
  try {
    text = execFileSync("ps", ["-A", "-o", "pid=,ppid=,pgid=,args="], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
  } catch {
    return []; // no ps: nothing to report rather than a failed run
  }
  return text.split("\n").flatMap((line) => {
    const m = /^\s*(\d+)\s+(\d+)\s+(\d+)\s+(.*)$/.exec(line);
    return m ? [{ pid: Number(m[1]), ppid: Number(m[2]), pgid: Number(m[3]), command: m[4]!.trim() }] : [];
  });
}

/** Every live descendant of `root` (children, their children, …), minus the runner's own helpers. */
export function descendants(root: number, table = processTable()): Leftover[] {
  const rootGroup = table.find((p) => p.pid === root)?.pgid;
  const found: Leftover[] = [];
  const queue = [root];
  while (queue.length > 0) {
    const parent = queue.shift()!;
    for (const p of table) {
      if (p.ppid !== parent || p.pid === root) continue;
      queue.push(p.pid);
      if (p.pid === process.pid && root !== process.pid) continue;
      if (PLUMBING.test(p.command) || p.command.startsWith("ps ")) continue;
      found.push({ ...p, detached: rootGroup !== undefined && p.pgid !== rootGroup });
    }
  }
  return found;
}

/** SIGTERM, then SIGKILL for whatever is still there after `graceMs`. Returns how many were signalled. */
export async function killProcesses(list: ProcessInfo[], graceMs = 3000): Promise<number> {
  const signal = (pid: number, sig: NodeJS.Signals) => {
    try {
      process.kill(pid, sig);
      return true;
    } catch {
      return false; // already gone
    }
  };
  const signalled = list.filter((p) => signal(p.pid, "SIGTERM"));
  const deadline = Date.now() + graceMs;
  let left = signalled;
  while (left.length > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    const live = new Set(processTable().map((p) => p.pid));
    left = left.filter((p) => live.has(p.pid));
  }
  for (const p of left) signal(p.pid, "SIGKILL");
  return signalled.length;
}

export function describeLeftover(p: Leftover): string {
  const command = p.command.length > 100 ? `${p.command.slice(0, 99)}…` : p.command;
  return `pid ${p.pid} ${command}${p.detached ? " (detached: started to outlive the run?)" : ""}`;
}
