/**
 * `runAgentLocally(file, payload)`: the tutorial's `!python strands_agents_openai.py '{"prompt": …}'`.
 *
 * Runs the agent file with tsx in a child process (zx: arguments are quoted for us), passes the
 * payload as its first argument, streams its output into the cell as it comes (redacted: agents
 * are allowed to be careless, outputs are not) and returns what it printed. A non-zero exit is
 * thrown with the agent's last words.
 */
import { createRequire } from "node:module";
import { basename, dirname, resolve } from "node:path";
import { existsSync } from "node:fs";
import type { Readable } from "node:stream";
import { $ } from "zx";
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

/** Runs `file` with tsx, `payload` (JSON-encoded unless already a string) as its first argument. */
export async function runAgentLocally(file: string, payload: unknown, options: RunAgentOptions = {}): Promise<string> {
  const path = resolve(file);
  if (!existsSync(path)) throw new Error(`No agent file at ${path}: write it first with writeAgentFile("${file}", source).`);
  const argument = typeof payload === "string" ? payload : JSON.stringify(payload);
  const tsxCli = requireHere.resolve("tsx/cli");
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const [name, value] of Object.entries(options.env ?? {})) {
    if (value === undefined) delete env[name];
    else env[name] = value;
  }
  // Color codes would end up in notebook outputs.
  env.NO_COLOR = "1";
  delete env.FORCE_COLOR;

  const child = $({
    cwd: options.cwd ?? dirname(path),
    env,
    quiet: true,
    nothrow: true,
    verbose: false,
    timeout: options.timeoutMs ?? 5 * 60_000,
  })`${process.execPath} ${tsxCli} ${path} ${argument}`;

  const echoes = options.quiet
    ? []
    : [
        lineEcho(child.stdout, (t) => process.stdout.write(t), env),
        lineEcho(child.stderr, (t) => process.stderr.write(t), env),
      ];
  const out = await child;
  for (const flush of echoes) flush();
  const stdout = redact(out.stdout, env);
  if (out.exitCode !== 0) throw new AgentRunError(path, out.exitCode, out.signal, stdout, redact(out.stderr, env));
  return stdout.trimEnd();
}
