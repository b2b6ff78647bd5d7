/**
 * Agent stdout/stderr, captured per runtime and session into
 * `<state>/logs/runtimes/<runtimeId>/<sessionId>.log` (one timestamped line per output line,
 * secrets redacted before anything touches the disk), and read back by `npm run local -- logs`.
 */
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import type { Readable } from "node:stream";
import type { Redactor } from "./redact.js";

export const logsDir = (stateDir: string) => join(stateDir, "logs", "runtimes");

/** Session ids become file names: anything outside a safe set is replaced. */
const safeName = (s: string) => s.replace(/[^A-Za-z0-9._-]/g, "_");

export function agentLogFile(stateDir: string, runtimeId: string, sessionId: string): string {
  return join(logsDir(stateDir), safeName(runtimeId), `${safeName(sessionId)}.log`);
}

/** Longest line held whole; a longer one is written in pieces. */
const MAX_LINE = 64 * 1024;
/** What a piece leaves for the next: longer than any secret, so one that has begun is kept whole. */
const MARGIN = 16 * 1024;

/** One instance's log: lines from its output streams, redacted, appended synchronously (small, ordered). */
export class AgentLog {
  readonly file: string;
  private readonly recent: string[] = [];

  constructor(stateDir: string, runtimeId: string, sessionId: string, private readonly redactor: Redactor) {
    this.file = agentLogFile(stateDir, runtimeId, sessionId);
    mkdirSync(join(logsDir(stateDir), safeName(runtimeId)), { recursive: true, mode: 0o700 });
  }

  /** A line from Local AgentCore itself about this instance (started, stopped, why). */
  note(text: string): void {
    this.write("local", text);
  }

  /** Captures a stream line by line until it ends. */
  capture(stream: Readable, name: "stdout" | "stderr"): void {
    let partial = "";
    stream.setEncoding("utf8");
    stream.on("data", (chunk: string) => {
      const lines = (partial + chunk).split("\n");
      partial = lines.pop() ?? "";
      for (const line of lines) this.write(name, line.replace(/\r$/, ""));
      // A very long line without a newline is written in pieces rather than held forever, each
      // cut where no secret can be split (the last MARGIN characters wait for the rest).
      while (partial.length > MAX_LINE) {
        const cut = this.redactor.safeCut(partial, partial.length - MARGIN) || partial.length - MARGIN;
        this.write(name, partial.slice(0, cut));
        partial = partial.slice(cut);
      }
    });
    stream.on("end", () => {
      if (partial) this.write(name, partial);
      partial = "";
    });
    stream.on("error", () => {});
  }

  /** The last lines written (already redacted), for error messages. */
  tail(n = 10): string[] {
    return this.recent.slice(-n);
  }

  private write(name: string, text: string): void {
    const line = this.redactor.redact(text);
    this.recent.push(line);
    if (this.recent.length > 50) this.recent.shift();
    try {
      appendFileSync(this.file, `${new Date().toISOString()} ${name.padEnd(6)} ${line}\n`, { mode: 0o600 });
    } catch {
      // The state folder went away (reset while running): the instance keeps running unlogged.
    }
  }
}

/** The runtime folders whose id, name (`<name>-<suffix>`) or ARN matches `runtime`. */
export function findRuntimeLogDirs(stateDir: string, runtime: string): string[] {
  const root = logsDir(stateDir);
  if (!existsSync(root)) return [];
  const id = runtime.includes(":runtime/") ? runtime.slice(runtime.indexOf(":runtime/") + 9) : runtime;
  const all = readdirSync(root);
  const exact = all.filter((d) => d === safeName(id));
  if (exact.length) return exact.map((d) => join(root, d));
  return all.filter((d) => d.replace(/-[A-Za-z0-9]{10}$/, "") === id).map((d) => join(root, d));
}

export interface LogsOptions {
  runtime: string;
  session?: string;
  follow?: boolean;
  /** Poll interval while following (ms). */
  intervalMs?: number;
  signal?: AbortSignal;
}

/** Parses `<runtime> [--session id] [--follow]`; undefined when the runtime is missing. */
export function parseLogsArgs(args: string[]): LogsOptions | undefined {
  const opts: Partial<LogsOptions> = {};
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === "--follow" || a === "-f") opts.follow = true;
    else if (a === "--session") opts.session = args[++i];
    else if (a.startsWith("--session=")) opts.session = a.slice(10);
    else if (!a.startsWith("-") && !opts.runtime) opts.runtime = a;
  }
  return opts.runtime ? (opts as LogsOptions) : undefined;
}

/**
 * Writes the runtime's agent logs (one session, or all, prefixed with their session) to `out`;
 * with `follow`, keeps printing what is appended (and new sessions) until `signal` aborts.
 * Returns false when there is no log for that runtime.
 */
export async function printAgentLogs(stateDir: string, opts: LogsOptions, out: (text: string) => void): Promise<boolean> {
  const offsets = new Map<string, number>();
  const files = () => {
    const list: { file: string; session: string }[] = [];
    for (const dir of findRuntimeLogDirs(stateDir, opts.runtime)) {
      for (const f of readdirSync(dir).sort()) {
        if (!f.endsWith(".log")) continue;
        const session = f.slice(0, -4);
        if (opts.session && session !== safeName(opts.session)) continue;
        list.push({ file: join(dir, f), session });
      }
    }
    return list;
  };
  const prefixed = () => !opts.session;
  const printNew = () => {
    for (const { file, session } of files()) {
      const size = statSync(file).size;
      const from = offsets.get(file) ?? 0;
      if (size <= from) continue;
      const text = readFileSync(file).subarray(from, size).toString("utf8");
      const complete = text.lastIndexOf("\n") + 1; // print whole lines only
      if (!complete) continue;
      offsets.set(file, from + Buffer.byteLength(text.slice(0, complete)));
      const lines = text.slice(0, complete).split("\n").slice(0, -1);
      out(lines.map((l) => (prefixed() ? `[${session.slice(0, 12)}…] ${l}` : l)).join("\n") + "\n");
    }
  };
  if (!files().length && !opts.follow) return false;
  printNew();
  if (!opts.follow) return true;
  while (!opts.signal?.aborted) {
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 500));
    printNew();
  }
  return true;
}
