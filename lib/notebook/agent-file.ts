/**
 * `writeAgentFile(path, source)`: the TypeScript counterpart of the tutorial's `%%writefile`.
 *
 * It writes the file, says what it wrote, and type-checks it the way it will run: with the
 * project's TypeScript (not tslab's bundled 5.0), NodeNext resolution and the project's compiler
 * options, resolving imports from where the file lives (so an agent written outside the project,
 * where Node could not find `@strands-agents/sdk` either, fails here rather than at run time).
 * A type error is thrown, naming the file, each error's line and column, and what to do.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, relative, resolve } from "node:path";
import type * as TS from "typescript";
import { PROJECT_DIR } from "../project-dir.js"; // agent templates and the TypeScript options come from here
const requireHere = createRequire(import.meta.url);

/** TypeScript is large (~1 s to load): only cells that write an agent pay for it. */
function typescript(): typeof TS {
  return requireHere("typescript") as typeof TS;
}

export interface AgentTypeError {
  line: number;
  column: number;
  code: number;
  message: string;
}

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

/** The project's compiler options (tsconfig.json), made fit for checking one file. */
function compilerOptions(ts: typeof TS): TS.CompilerOptions {
  const configFile = join(PROJECT_DIR, "tsconfig.json");
  const read = ts.readConfigFile(configFile, (f) => ts.sys.readFile(f));
  const parsed = ts.parseJsonConfigFileContent(read.config ?? {}, ts.sys, PROJECT_DIR, undefined, configFile);
  return {
    ...parsed.options,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    noEmit: true,
    skipLibCheck: true,
    // Type packages come from the project even when the agent file lives elsewhere.
    typeRoots: [join(PROJECT_DIR, "node_modules", "@types")],
  };
}

/**
 * Parsed files kept between checks: parsing the packages' declaration files is about half of a
 * check, and a notebook checks several agents against the same packages. A parsed file is reused
 * only for the same name, text and parse settings; anything else is parsed again.
 */
const parsedFiles = new Map<string, TS.SourceFile>();
export const agentCheckCache = { reused: 0, parsed: 0 };

function cachingHost(ts: typeof TS, options: TS.CompilerOptions): TS.CompilerHost {
  const host = ts.createCompilerHost(options);
  host.getSourceFile = (fileName, languageVersionOrOptions, onError) => {
    const text = host.readFile(fileName);
    if (text === undefined) {
      onError?.(`Cannot read file ${fileName}`);
      return undefined;
    }
    const settings = typeof languageVersionOrOptions === "object" ? languageVersionOrOptions : { languageVersion: languageVersionOrOptions };
    const key = `${settings.languageVersion}:${settings.impliedNodeFormat ?? ""}:${fileName}`;
    const known = parsedFiles.get(key);
    if (known && known.text === text) {
      agentCheckCache.reused++;
      return known;
    }
    agentCheckCache.parsed++;
    const parsed = ts.createSourceFile(fileName, text, languageVersionOrOptions);
    parsedFiles.set(key, parsed);
    return parsed;
  };
  return host;
}

/** The type errors in an agent file (an empty list when it is fine), with 1-based lines and columns. */
export function typeCheckAgentFile(path: string): AgentTypeError[] {
  const ts = typescript();
  const file = resolve(path);
  const options = compilerOptions(ts);
  const program = ts.createProgram({ rootNames: [file], options, host: cachingHost(ts, options) });
  const source = program.getSourceFile(file);
  const diagnostics = [
    ...program.getOptionsDiagnostics(),
    ...program.getGlobalDiagnostics(),
    ...(source ? [...program.getSyntacticDiagnostics(source), ...program.getSemanticDiagnostics(source)] : []),
  ];
  return diagnostics.map((d) => {
    const at = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start) : { line: 0, character: 0 };
    return {
      line: at.line + 1,
      column: at.character + 1,
      code: d.code,
      message: ts.flattenDiagnosticMessageText(d.messageText, "\n    "),
    };
  });
}

/** The source of one of the tutorial's agents in `assets/agents/` (e.g. "strands_agents_openai"). */
export function agentTemplate(name: string): string {
  const file = join(PROJECT_DIR, "assets", "agents", name.endsWith(".ts") ? name : `${name}.ts`);
  if (!existsSync(file)) throw new Error(`No agent template ${name} in ${join(PROJECT_DIR, "assets", "agents")}`);
  return readFileSync(file, "utf8");
}
