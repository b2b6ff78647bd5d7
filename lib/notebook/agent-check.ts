/**
 * The agent file's type check itself: the project's TypeScript (not tslab's bundled 5.0), NodeNext
 * resolution and the project's compiler options, imports resolved from where the file lives.
 * It runs in the agent checker's worker (agent-check-service.ts), which keeps the parsed files
 * warm; in this thread only when that worker is unavailable.
 */
import { createRequire } from "node:module";
import { join, resolve } from "node:path";
import type * as TS from "typescript";
import { PROJECT_DIR } from "../project-dir.js";
const requireHere = createRequire(import.meta.url);

export interface AgentTypeError {
  line: number;
  column: number;
  code: number;
  message: string;
}

/** TypeScript is large (~1 s to load): only what checks an agent pays for it. */
function typescript(): typeof TS {
  return requireHere("typescript") as typeof TS;
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
export interface AgentCheckStats {
  reused: number;
  parsed: number;
}
export const parseStats: AgentCheckStats = { reused: 0, parsed: 0 };

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
      parseStats.reused++;
      return known;
    }
    parseStats.parsed++;
    const parsed = ts.createSourceFile(fileName, text, languageVersionOrOptions);
    parsedFiles.set(key, parsed);
    return parsed;
  };
  return host;
}

/** The type errors in an agent file (an empty list when it is fine), with 1-based lines and columns. */
export function checkAgentFileHere(path: string): AgentTypeError[] {
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

/**
 * Parses and binds `files` and everything they import into the parsed-file cache, without
 * checking them: the part of a check that the next program reuses (a check's own work, its new
 * type checker, is per program and is not worth doing ahead).
 */
export function warmAgentCheck(files: string[]): void {
  const ts = typescript();
  const options = compilerOptions(ts);
  const program = ts.createProgram({ rootNames: files.map((f) => resolve(f)), options, host: cachingHost(ts, options) });
  program.getTypeChecker(); // binds every file; a bound file stays bound for the next program
}
