/**
 * Runs one of the project's own CLIs (`scripts/*.ts`) as a child process with tsx, its output
 * captured (and optionally kept in a log file): a notebook run or a kernel install cannot leak
 * timers, sockets or global state into the workshop command, and its exit code is its verdict.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { stripVTControlCharacters } from "node:util";
import { redact } from "../notebook/redact.js";

export interface ScriptRun {
  code: number | null;
  /** stdout and stderr interleaved, colours removed, secrets masked. */
  output: string;
}

export function tsxImport(projectDir: string): string {
  const loader = join(projectDir, "node_modules", "tsx", "dist", "loader.mjs");
  return existsSync(loader) ? pathToFileURL(loader).href : "tsx";
}

export function runProjectScript(projectDir: string, script: string, args: string[], opts: { logFile?: string; env?: NodeJS.ProcessEnv } = {}): Promise<ScriptRun> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--import", tsxImport(projectDir), join(projectDir, "scripts", script), ...args], {
      cwd: projectDir,
      env: { ...(opts.env ?? process.env), npm_lifecycle_event: "" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const chunks: Buffer[] = [];
    child.stdout.on("data", (c: Buffer) => chunks.push(c));
    child.stderr.on("data", (c: Buffer) => chunks.push(c));
    const finish = (code: number | null) => {
      const output = redact(stripVTControlCharacters(Buffer.concat(chunks).toString("utf8")));
      if (opts.logFile) {
        mkdirSync(dirname(opts.logFile), { recursive: true });
        writeFileSync(opts.logFile, output);
      }
      resolve({ code, output });
    };
    child.once("error", (e) => {
      chunks.push(Buffer.from(String(e)));
      finish(null);
    });
    child.once("close", (code) => finish(code));
  });
}

/** The last line of `output` that names an error (a crash's message), else its last line. */
export function errorLine(output: string): string {
  const lines = output.split("\n").map((l) => l.trim()).filter(Boolean);
  return [...lines].reverse().find((l) => /^(\w*Error|error)\b[^:]*:/.test(l)) ?? lines[lines.length - 1] ?? "";
}

/** The last non-empty lines of `output`, for a one-line reason. */
export function lastLines(output: string, n = 1): string {
  return output
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean)
    .slice(-n)
    .join(" ");
}
