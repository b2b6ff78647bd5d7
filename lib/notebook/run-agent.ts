/**
 * `runAgentLocally(file, payload)`: the tutorial's `!python strands_agents_openai.py '{"prompt": …}'`.
 *
 * Runs the agent file with Node and tsx's loader (`node --import tsx file`: one process, where
 * tsx's CLI would start a second Node for it) in a child process, passes the payload as its first
 * argument (no shell: nothing is quoted or interpreted), streams its output into the cell as it comes (redacted: agents
 * are allowed to be careless, outputs are not) and returns what it printed. A non-zero exit is
 * thrown with the agent's last words.
 */
import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import { basename, dirname, join, resolve } from "node:path";
import { existsSync } from "node:fs";
import type { Readable } from "node:stream";
import { pathToFileURL } from "node:url";
import { redact } from "./redact.js";

const requireHere = createRequire(import.meta.url);

export interface RunAgentOptions {
  /** Extra environment for the agent (merged over this process's), e.g. `OPENAI_API_KEY`, `OPENAI_BASE_URL`. */
  env?: Record<string, string | undefined>;
  /** Working directory of the agent; default the file's folder. */
  cwd?: string;
  /** Kill the agent after this long (default 5 minutes). */
  timeoutMs?: number;
  /** Do not echo the agent's output while it runs (it is still returned). */
  quiet?: boolean;
}

export class AgentRunError extends Error {
  constructor(
    readonly file: string,
    readonly exitCode: number | null,
    readonly signal: string | null,
    readonly stdout: string,
    readonly stderr: string,
  ) {
    const how = exitCode !== null ? `exited with code ${exitCode}` : `was stopped by ${signal ?? "a signal"}`;
    const tail = lastLines(stderr || stdout, 15);
    super(`Agent ${basename(file)} ${how}${tail ? `:\n${tail}` : " without output"}`);
    this.name = "AgentRunError";
  }
}

/**
 * Echoes a stream line by line, redacted. Whole lines, because a secret split across two chunks
 * would escape redaction. Returns a function that writes what is left of the last line.
 */
function lineEcho(stream: Readable, write: (text: string) => void, env: NodeJS.ProcessEnv): () => void {
  let pending = "";
  stream.on("data", (chunk: Buffer) => {
    pending += chunk.toString("utf8");
    const end = pending.lastIndexOf("\n");
    if (end < 0) return;
    write(redact(pending.slice(0, end + 1), env));
    pending = pending.slice(end + 1);
  });
  return () => {
    if (pending) write(redact(pending, env));
    pending = "";
  };
}

function lastLines(text: string, n: number): string {
  return text.trimEnd().split("\n").slice(-n).join("\n");
}

/** tsx's loader (what `--import tsx` loads), by file URL: the agent may live outside the project. */
function tsxLoaderUrl(): string {
  return pathToFileURL(join(dirname(requireHere.resolve("tsx/package.json")), "dist", "loader.mjs")).href;
}

interface Exit {
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
}

/** Runs `argv` to its end, keeping its output; stopped with SIGTERM after `timeoutMs`. */
function run(argv: string[], cwd: string, env: NodeJS.ProcessEnv, timeoutMs: number, echo: boolean): Promise<Exit> {
  return new Promise((done, fail) => {
    const child = spawn(argv[0]!, argv.slice(1), { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (c: Buffer) => out.push(c));
    child.stderr.on("data", (c: Buffer) => err.push(c));
    const flushes = echo
      ? [lineEcho(child.stdout, (t) => process.stdout.write(t), env), lineEcho(child.stderr, (t) => process.stderr.write(t), env)]
      : [];
    const timer = setTimeout(() => child.kill("SIGTERM"), timeoutMs);
    child.once("error", (e) => {
      clearTimeout(timer);
      fail(e);
    });
    child.once("close", (code, signal) => {
      clearTimeout(timer);
      for (const flush of flushes) flush();
      done({ code, signal, stdout: Buffer.concat(out).toString("utf8"), stderr: Buffer.concat(err).toString("utf8") });
    });
  });
}

/** Runs `file` with tsx, `payload` (JSON-encoded unless already a string) as its first argument. */
export async function runAgentLocally(file: string, payload: unknown, options: RunAgentOptions = {}): Promise<string> {
  const path = resolve(file);
  if (!existsSync(path)) throw new Error(`No agent file at ${path}: write it first with writeAgentFile("${file}", source).`);
  const argument = typeof payload === "string" ? payload : JSON.stringify(payload);
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const [name, value] of Object.entries(options.env ?? {})) {
    if (value === undefined) delete env[name];
    else env[name] = value;
  }
  // Color codes would end up in notebook outputs.
  env.NO_COLOR = "1";
  delete env.FORCE_COLOR;

  const argv = [process.execPath, "--import", tsxLoaderUrl(), path, argument];
  const out = await run(argv, options.cwd ?? dirname(path), env, options.timeoutMs ?? 5 * 60_000, !options.quiet);
  const stdout = redact(out.stdout, env);
  if (out.code !== 0) throw new AgentRunError(path, out.code, out.signal, stdout, redact(out.stderr, env));
  return stdout.trimEnd();
}
