/** Child processes for the benches: timed runs (bounded), with output kept for error messages. */
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";

export interface Run {
  code: number | null;
  ms: number;
  output: string;
}

/** Runs a command to completion (killed after `timeoutMs`); `ms` is its wall time. */
export function runTimed(file: string, args: string[], o: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs: number }): Promise<Run> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const child = spawn(file, args, { cwd: o.cwd, env: o.env, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    const keep = (b: Buffer) => {
      output = (output + b.toString("utf8")).slice(-64_000);
    };
    child.stdout.on("data", keep);
    child.stderr.on("data", keep);
    const timer = setTimeout(() => child.kill("SIGKILL"), o.timeoutMs);
    child.once("close", (code) => {
      clearTimeout(timer);
      resolve({ code, ms: performance.now() - t0, output });
    });
  });
}

/** What `npm run nb` hands Node in `project` (its package.json's script), so that a bench runs the runner exactly as a user does. */
export function nbNodeArgs(project: string): string[] {
  const script = (JSON.parse(readFileSync(path.join(project, "package.json"), "utf8")) as { scripts: { nb: string } }).scripts.nb;
  const [node, ...args] = script.trim().split(/\s+/);
  if (node !== "node") throw new Error(`${project}: the nb script does not start with node: ${script}`);
  return args;
}

export function mustSucceed(what: string, run: Run): Run {
  if (run.code !== 0) throw new Error(`${what} failed (exit ${run.code}):\n${run.output.slice(-3000)}`);
  return run;
}

/** Resident memory of a process in MiB (Linux /proc), or NaN. */
export function rssMiB(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) / 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

/** Pids of the children of `pid` (Linux /proc). */
export function childPids(pid: number): number[] {
  try {
    const tasks = readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim();
    return tasks ? tasks.split(/\s+/).map(Number) : [];
  } catch {
    return [];
  }
}

/** CPU time (user + system) a process has used, in ms; undefined where /proc is not there. */
export function processCpuMs(pid: number): number | undefined {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").replace(/^.*\) /, "").split(" ");
    // After the command: state is field 3, utime field 14, stime field 15 (in clock ticks, 100 per second).
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return undefined;
  }
}
