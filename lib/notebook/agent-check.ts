/**
 * The agent file's type check itself: the project's TypeScript (not tslab's bundled 5.0), NodeNext
 * resolution and the project's compiler options, imports resolved from where the file lives.
 * It runs in the agent checker's worker (agent-check-service.ts), which keeps the parsed files
 * warm and checks the tutorial's agents ahead; in this thread only when that worker is unavailable.
 */
import { createRequire } from "node:module";
import { join, resolve } from "node:path";
import type * as TS from "typescript";
import { PROJECT_DIR } from "../project-dir.js";
import { recordedCheck, saveCheckRecord } from "./agent-check-record.js";
import { requireWithCodeCache, type CodeCacheLoad } from "./typescript-code-cache.js";
const requireHere = createRequire(import.meta.url);

export interface AgentTypeError {
  line: number;
  column: number;
  code: number;
  message: string;
}

let loaded: CodeCacheLoad<typeof TS> | undefined;

/** TypeScript is large (~1 s to load, a third of that with V8's cached code): only what checks an agent pays for it. */
function typescript(): typeof TS {
  loaded ??= requireWithCodeCache<typeof TS>(requireHere, "typescript", join(PROJECT_DIR, "node_modules", ".cache", "agent-check"));
  return loaded.exports;
}

/** Keeps V8's compiled TypeScript for the next process (after a check, when most of it has run). */
export function saveTypescriptCodeCache(): void {
  loaded?.save();
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
  /** Checks answered with the result of a check of the very same program made earlier (see `verdicts`). */
  sameProgram: number;
  /** Checks answered from a record on disk, made by another process (agent-check-record.ts). */
  recorded: number;
}
export const parseStats: AgentCheckStats = { reused: 0, parsed: 0, sameProgram: 0, recorded: 0 };

/**
 * Where checks are recorded for later processes: AGENTCORE_AGENT_CHECK_RECORDS names another
 * folder, or `0` to neither read nor write records (a cold check every time, as a benchmark wants).
 */
export function checkRecordsDir(): string | undefined {
  const chosen = process.env.AGENTCORE_AGENT_CHECK_RECORDS;
  if (chosen === "0") return undefined;
  return chosen ? resolve(chosen) : join(PROJECT_DIR, "node_modules", ".cache", "agent-check", "records");
}

/** `virtual`: a file checked with this text instead of what is on disk (a check made ahead of the write). */
function cachingHost(ts: typeof TS, options: TS.CompilerOptions, virtual?: { file: string; text: string }): TS.CompilerHost {
  const host = ts.createCompilerHost(options);
  // What tsc itself does: in .ts files, only the JSDoc that can matter for a type error is parsed.
  host.jsDocParsingMode = ts.JSDocParsingMode.ParseForTypeErrors;
  if (virtual) {
    const { readFile, fileExists } = host;
    host.readFile = (f) => (f === virtual.file ? virtual.text : readFile.call(host, f));
    host.fileExists = (f) => f === virtual.file || fileExists.call(host, f);
  }
  host.getSourceFile = (fileName, languageVersionOrOptions, onError) => {
    const text = host.readFile(fileName);
    if (text === undefined) {
      onError?.(`Cannot read file ${fileName}`);
      return undefined;
    }
    const settings = typeof languageVersionOrOptions === "object" ? languageVersionOrOptions : { languageVersion: languageVersionOrOptions };
    const key = `${settings.languageVersion}:${settings.impliedNodeFormat ?? ""}:${settings.jsDocParsingMode ?? ""}:${fileName}`;
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

/**
 * What a check's result depends on: the options, every file of the program (the very parsed
 * file, so the same name and text) and where each import and type reference resolved to.
 * Two programs with the same identity have the same diagnostics. Undefined when this
 * TypeScript does not list its resolutions: then no result is ever reused.
 */
interface ProgramIdentity {
  options: string;
  files: readonly TS.SourceFile[];
  resolutions: string;
}
interface ResolutionLister {
  forEachResolvedModule?(cb: (r: { resolvedModule?: TS.ResolvedModuleFull }, name: string, mode: unknown, path: string) => void): void;
  forEachResolvedTypeReferenceDirective?(cb: (r: { resolvedTypeReferenceDirective?: TS.ResolvedTypeReferenceDirective }, name: string, mode: unknown, path: string) => void): void;
}
function programIdentity(program: TS.Program): ProgramIdentity | undefined {
  const lister = program as unknown as ResolutionLister;
  if (typeof lister.forEachResolvedModule !== "function" || typeof lister.forEachResolvedTypeReferenceDirective !== "function") return undefined;
  const lines: string[] = [];
  lister.forEachResolvedModule((r, name, mode, path) => {
    const m = r.resolvedModule;
    lines.push(`m\0${path}\0${name}\0${mode}\0${m?.resolvedFileName}\0${m?.extension}\0${m?.isExternalLibraryImport}`);
  });
  lister.forEachResolvedTypeReferenceDirective((r, name, mode, path) => {
    const t = r.resolvedTypeReferenceDirective;
    lines.push(`t\0${path}\0${name}\0${mode}\0${t?.resolvedFileName}\0${t?.primary}\0${t?.isExternalLibraryImport}`);
  });
  return { options: JSON.stringify(program.getCompilerOptions()), files: program.getSourceFiles(), resolutions: lines.join("\n") };
}
function sameIdentity(a: ProgramIdentity, b: ProgramIdentity): boolean {
  return a.options === b.options && a.resolutions === b.resolutions && a.files.length === b.files.length && a.files.every((f, i) => f === b.files[i]);
}

/**
 * The last result for each root file, with the identity of the program it came from: a check made
 * ahead (`checkAgentTextAhead`, the tutorial's agents at the notebook's folder) answers the check of
 * the file once written, when its program turns out to be the very same; any difference (text,
 * a package, an option) and the file is checked again.
 */
const verdicts = new Map<string, { identity: ProgramIdentity; errors: AgentTypeError[] }>();

function check(ts: typeof TS, file: string, virtualText?: string): AgentTypeError[] {
  const options = compilerOptions(ts);
  const host = cachingHost(ts, options, virtualText === undefined ? undefined : { file, text: virtualText });
  const records = checkRecordsDir();
  const recorded = records ? recordedCheck(records, ts, options, host, file) : undefined;
  if (recorded) {
    parseStats.recorded++;
    return recorded;
  }
  const program = ts.createProgram({ rootNames: [file], options, host });
  const identity = programIdentity(program);
  const known = verdicts.get(file);
  if (identity && known && sameIdentity(identity, known.identity)) {
    parseStats.sameProgram++;
    return known.errors.map((e) => ({ ...e }));
  }
  const source = program.getSourceFile(file);
  const diagnostics = [
    ...program.getOptionsDiagnostics(),
    ...program.getGlobalDiagnostics(),
    ...(source ? [...program.getSyntacticDiagnostics(source), ...program.getSemanticDiagnostics(source)] : []),
  ];
  const errors = diagnostics.map((d) => {
    const at = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start) : { line: 0, character: 0 };
    return {
      line: at.line + 1,
      column: at.character + 1,
      code: d.code,
      message: ts.flattenDiagnosticMessageText(d.messageText, "\n    "),
    };
  });
  if (identity) verdicts.set(file, { identity, errors: errors.map((e) => ({ ...e })) });
  if (records) saveCheckRecord(records, ts, program, options, host, file, errors);
  return errors;
}

/** The type errors in an agent file (an empty list when it is fine), with 1-based lines and columns. */
export function checkAgentFileHere(path: string): AgentTypeError[] {
  return check(typescript(), resolve(path));
}

/**
 * Checks `text` as if it were written at `path` (nothing is written), so that when a cell writes
 * exactly that file the check finds the same program already checked. Returns its errors.
 */
export function checkAgentTextAhead(path: string, text: string): AgentTypeError[] {
  return check(typescript(), resolve(path), text);
}

/**
 * Parses and binds `files` and everything they import into the parsed-file cache, without
 * checking them: the part of a check that the next program reuses (a check's own work, its new
 * type checker, is per program).
 */
export function warmAgentCheck(files: string[]): void {
  const ts = typescript();
  const options = compilerOptions(ts);
  const program = ts.createProgram({ rootNames: files.map((f) => resolve(f)), options, host: cachingHost(ts, options) });
  program.getTypeChecker(); // binds every file; a bound file stays bound for the next program
}
