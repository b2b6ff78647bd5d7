/**
 * `writeAgentFile(path, source)`: the TypeScript counterpart of the tutorial's `%%writefile`.
 *
 * It writes the file, says what it wrote, and type-checks it the way it will run: with the
 * project's TypeScript (not tslab's bundled 5.0), NodeNext resolution and the project's compiler
 * options, resolving imports from where the file lives (so an agent written outside the project,
 * where Node could not find `@strands-agents/sdk` either, fails here rather than at run time).
 * A type error is thrown, naming the file, each error's line and column, and what to do.
 * The check runs in the warm checker's worker when `session()` started it (agent-check-service.ts).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { PROJECT_DIR } from "../project-dir.js"; // agent templates come from here
import type { AgentTypeError } from "./agent-check.js";
import { checkAgentFile } from "./agent-check-service.js";

export type { AgentTypeError } from "./agent-check.js";
export { agentCheckCache } from "./agent-check-service.js";

export interface WrittenAgentFile {
  /** Absolute path of the file. */
  path: string;
  lines: number;
  bytes: number;
  /** Whether the file existed before (`%%writefile` says "Overwriting"). */
  overwritten: boolean;
}

export class AgentFileTypeError extends Error {
  constructor(
    readonly path: string,
    readonly errors: AgentTypeError[],
  ) {
    const shown = displayPath(path);
    const list = errors.map((e) => `  ${shown}:${e.line}:${e.column} - error TS${e.code}: ${e.message}`).join("\n");
    const outside = relative(PROJECT_DIR, path).startsWith("..");
    const fix = outside
      ? `${shown} is outside the project (${PROJECT_DIR}), where Node finds neither its packages nor its ESM setting: write agent files next to the notebook, in the project's notebooks/ folder.`
      : `Fix the agent source at the line${errors.length === 1 ? "" : "s"} shown and run the cell again; the agent will not run until it type-checks.`;
    super(`${shown} was written but does not type-check (${errors.length} error${errors.length === 1 ? "" : "s"}):\n${list}\n${fix}`);
    this.name = "AgentFileTypeError";
  }
}

export interface WriteAgentFileOptions {
  /** Skip the type check (a file that is only copied, or a deliberately broken example). */
  typeCheck?: boolean;
  /** Where the report line goes; default console.log. `null` keeps quiet. */
  log?: ((line: string) => void) | null;
}

function displayPath(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel && !rel.startsWith("..") ? rel : path;
}

/** Writes `source` to `path` (relative to the notebook's folder), reports it and type-checks it. */
export function writeAgentFile(path: string, source: string, options: WriteAgentFileOptions = {}): WrittenAgentFile {
  const file = resolve(path);
  const overwritten = existsSync(file);
  mkdirSync(dirname(file), { recursive: true });
  // A cell's source block starts on the line after its opening backtick: that first newline is not the file's.
  const body = source.startsWith("\n") ? source.slice(1) : source;
  const text = body.endsWith("\n") ? body : body + "\n";
  writeFileSync(file, text);
  const written: WrittenAgentFile = {
    path: file,
    lines: text.split("\n").length - 1,
    bytes: Buffer.byteLength(text),
    overwritten,
  };
  const log = options.log === undefined ? (line: string) => console.log(line) : options.log;
  log?.(`${overwritten ? "Overwriting" : "Writing"} ${displayPath(file)} (${written.lines} lines)`);
  if (options.typeCheck !== false) {
    const errors = typeCheckAgentFile(file);
    if (errors.length > 0) throw new AgentFileTypeError(file, errors);
  }
  return written;
}

/** The type errors in an agent file (an empty list when it is fine), with 1-based lines and columns. */
export function typeCheckAgentFile(path: string): AgentTypeError[] {
  return checkAgentFile(resolve(path));
}

/** The source of one of the tutorial's agents in `assets/agents/` (e.g. "strands_agents_openai"). */
export function agentTemplate(name: string): string {
  const file = join(PROJECT_DIR, "assets", "agents", name.endsWith(".ts") ? name : `${name}.ts`);
  if (!existsSync(file)) throw new Error(`No agent template ${name} in ${join(PROJECT_DIR, "assets", "agents")}`);
  return readFileSync(file, "utf8");
}
