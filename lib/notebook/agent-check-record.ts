/**
 * A check's result kept on disk with everything it depends on, so that a later process checking
 * the very same program takes the result instead of parsing a thousand declaration files again
 * (what `tsc --build` does with its build info, for one file's check). A record holds TypeScript's
 * version, the compiler options, every file of the program with its content hash and module
 * format, and where every import, type reference and standard library resolved to. It answers
 * only when all of that is still so: each file is read and hashed and each resolution made again
 * (a few hundred milliseconds against a check's seconds); anything else and the file is checked in
 * full. Programs with a `/// <reference path>` to a file that is missing are not recorded.
 *
 * `npm ci` records the tutorial's agents as the notebooks write them (scripts/check-agents.ts), so
 * a learner's first `writeAgentFile` is answered from the record.
 */
import { createHash } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import type * as TS from "typescript";

/** A type error as the check reports it (agent-check.ts's AgentTypeError). */
export interface RecordedError {
  line: number;
  column: number;
  code: number;
  message: string;
}

const FORMAT = 1;
/** Records kept (one per checked file path); the oldest beyond it are removed. */
const KEEP = 32;

type Resolution = [containing: string, name: string, mode: string, resolved: string, detail: string, external: string];
interface AgentCheckRecord {
  format: number;
  typescript: string;
  options: string;
  root: string;
  /** Each file of the program: name, sha256 of its text, module format. */
  files: [string, string, string][];
  modules: Resolution[];
  /** Type references in files, then the `types` option's packages (resolved from automaticTypesFrom). */
  typeReferences: Resolution[];
  automaticTypes: string[];
  /** Standard library files and where they resolved to (`@typescript/lib-*` can replace them). */
  libraries: [string, string][];
  errors: RecordedError[];
}

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");
const recordFile = (dir: string, root: string) => join(dir, `${sha256(resolve(root)).slice(0, 24)}.json`);

/** What the record reads from a program: TypeScript internals, absent in another TypeScript (and then nothing is recorded). */
interface ProgramResolutions {
  forEachResolvedModule(cb: (r: { resolvedModule?: TS.ResolvedModuleFull }, name: string, mode: TS.ResolutionMode, path: string) => void): void;
  forEachResolvedTypeReferenceDirective(
    cb: (r: { resolvedTypeReferenceDirective?: TS.ResolvedTypeReferenceDirective }, name: string, mode: TS.ResolutionMode, path: string) => void,
  ): void;
  resolvedLibReferences?: Map<string, { actual: string }>;
  getAutomaticTypeDirectiveNames(): string[];
  getAutomaticTypeDirectiveResolutions(): { get(name: string, mode: undefined): { resolvedTypeReferenceDirective?: TS.ResolvedTypeReferenceDirective } | undefined };
}
function resolutionsOf(program: TS.Program): ProgramResolutions | undefined {
  const p = program as unknown as Partial<ProgramResolutions>;
  const methods = [p.forEachResolvedModule, p.forEachResolvedTypeReferenceDirective, p.getAutomaticTypeDirectiveNames, p.getAutomaticTypeDirectiveResolutions];
  return methods.every((m) => typeof m === "function") ? (p as ProgramResolutions) : undefined;
}
interface TsInternals {
  getLibraryNameFromLibFileName?(libFileName: string): string;
  getInferredLibraryNameResolveFrom?(options: TS.CompilerOptions, currentDirectory: string, libFileName: string): string;
  resolveLibrary?(libraryName: string, resolveFrom: string, options: TS.CompilerOptions, host: TS.ModuleResolutionHost): { resolvedModule?: TS.ResolvedModuleFull };
  inferredTypesContainingFile?: string;
}
/** A source file's internal fields the record reads. */
interface SourceFileInternals {
  path: string;
  ambientModuleNames?: readonly string[];
}

/** Where TypeScript resolves the `types` option's packages from (the program's automatic type directives). */
function automaticTypesFrom(ts: typeof TS, options: TS.CompilerOptions, host: TS.CompilerHost): string | undefined {
  const name = (ts as unknown as TsInternals).inferredTypesContainingFile;
  if (!name) return undefined;
  const dir = typeof options.configFilePath === "string" ? dirname(options.configFilePath) : host.getCurrentDirectory();
  return join(dir, name);
}

const moduleLine = (path: string, name: string, mode: TS.ResolutionMode, m: TS.ResolvedModuleFull | undefined): Resolution => [
  path,
  name,
  String(mode),
  m?.resolvedFileName ?? "",
  m?.extension ?? "",
  String(m?.isExternalLibraryImport ?? ""),
];
const typeLine = (path: string, name: string, mode: TS.ResolutionMode, t: TS.ResolvedTypeReferenceDirective | undefined): Resolution => [
  path,
  name,
  String(mode),
  t?.resolvedFileName ?? "",
  String(t?.primary ?? ""),
  String(t?.isExternalLibraryImport ?? ""),
];

/** Where a standard library file comes from, as TypeScript's program decides it. */
function libraryPath(ts: typeof TS, options: TS.CompilerOptions, host: TS.CompilerHost, libFileName: string): string | undefined {
  const internals = ts as unknown as TsInternals;
  const standard = join(dirname(ts.getDefaultLibFilePath(options)), libFileName);
  if (options.libReplacement === false) return standard;
  if (!internals.getLibraryNameFromLibFileName || !internals.getInferredLibraryNameResolveFrom || !internals.resolveLibrary) return undefined;
  const from = internals.getInferredLibraryNameResolveFrom(options, host.getCurrentDirectory(), libFileName);
  const resolution = internals.resolveLibrary(internals.getLibraryNameFromLibFileName(libFileName), from, options, host);
  return resolution.resolvedModule?.resolvedFileName ?? standard;
}

/** The record of a checked program, or undefined when this program cannot be recorded. */
function recordOf(ts: typeof TS, program: TS.Program, options: TS.CompilerOptions, host: TS.CompilerHost, root: string, errors: RecordedError[]): AgentCheckRecord | undefined {
  const internals = resolutionsOf(program);
  const automaticFrom = automaticTypesFrom(ts, options, host);
  if (!internals || !automaticFrom) return undefined;
  const files = program.getSourceFiles();
  const known = new Set(files.map((f) => f.fileName));
  const missingReference = files.some((f) => f.referencedFiles.some((r) => !known.has(resolve(dirname(f.fileName), r.fileName))));
  if (missingReference) return undefined;
  const modules: Resolution[] = [];
  // A name the importing file itself declares (`declare module "buffer"` in @types/node) is not
  // resolved by the program: its text, which is hashed, decides it.
  const declaredIn = new Map(
    files.map((f) => {
      const inner = f as unknown as SourceFileInternals;
      return [inner.path, new Set(inner.ambientModuleNames ?? [])];
    }),
  );
  internals.forEachResolvedModule((r, name, mode, path) => {
    if (!r.resolvedModule && declaredIn.get(path)?.has(name)) return;
    modules.push(moduleLine(path, name, mode, r.resolvedModule));
  });
  const typeReferences: Resolution[] = [];
  internals.forEachResolvedTypeReferenceDirective((r, name, mode, path) => typeReferences.push(typeLine(path, name, mode, r.resolvedTypeReferenceDirective)));
  const automatic = internals.getAutomaticTypeDirectiveResolutions();
  for (const name of internals.getAutomaticTypeDirectiveNames()) {
    typeReferences.push(typeLine(automaticFrom, name, undefined, automatic.get(name, undefined)?.resolvedTypeReferenceDirective));
  }
  return {
    format: FORMAT,
    typescript: ts.version,
    options: JSON.stringify(options),
    root: resolve(root),
    files: files.map((f) => [f.fileName, sha256(f.text), String(f.impliedNodeFormat)]),
    modules,
    typeReferences,
    automaticTypes: internals.getAutomaticTypeDirectiveNames(),
    libraries: [...(internals.resolvedLibReferences ?? new Map())].map(([lib, r]) => [lib, r.actual]),
    errors,
  };
}

/** Keeps the result of a check (best effort: a record that cannot be written only means a full check next time). */
export function saveCheckRecord(
  dir: string,
  ts: typeof TS,
  program: TS.Program,
  options: TS.CompilerOptions,
  host: TS.CompilerHost,
  root: string,
  errors: RecordedError[],
): boolean {
  try {
    const record = recordOf(ts, program, options, host, root, errors);
    if (!record) return false;
    mkdirSync(dir, { recursive: true });
    const file = recordFile(dir, root);
    const partial = `${file}.${process.pid}.tmp`;
    writeFileSync(partial, JSON.stringify(record));
    renameSync(partial, file); // never a half-written record
    pruneRecords(dir);
    return true;
  } catch {
    return false;
  }
}

function pruneRecords(dir: string): void {
  const records = readdirSync(dir)
    .filter((f) => f.endsWith(".json"))
    .map((f) => ({ f, at: statSync(join(dir, f)).mtimeMs }))
    .sort((a, b) => b.at - a.at);
  for (const { f } of records.slice(KEEP)) rmSync(join(dir, f), { force: true });
}

/**
 * The recorded errors of `root`'s check when everything the check depended on is as recorded
 * (read through `host`, so a file checked ahead with other text is seen with that text); else undefined.
 */
export function recordedCheck(dir: string, ts: typeof TS, options: TS.CompilerOptions, host: TS.CompilerHost, root: string): RecordedError[] | undefined {
  let record: AgentCheckRecord;
  try {
    record = JSON.parse(readFileSync(recordFile(dir, root), "utf8")) as AgentCheckRecord;
  } catch {
    return undefined;
  }
  try {
    if (record.format !== FORMAT || record.typescript !== ts.version || record.options !== JSON.stringify(options) || record.root !== resolve(root)) return undefined;
    if (JSON.stringify(ts.getAutomaticTypeDirectiveNames(options, host)) !== JSON.stringify(record.automaticTypes)) return undefined;
    const cache = ts.createModuleResolutionCache(host.getCurrentDirectory(), (f) => host.getCanonicalFileName(f), options);
    for (const [file, hash, format] of record.files) {
      const text = host.readFile(file);
      if (text === undefined || sha256(text) !== hash) return undefined;
      if (String(ts.getImpliedNodeFormatForFile(file, cache.getPackageJsonInfoCache(), host, options)) !== format) return undefined;
    }
    for (const [path, name, mode, ...was] of record.modules) {
      const now = ts.resolveModuleName(name, path, options, host, cache, undefined, modeOf(mode)).resolvedModule;
      if (moduleLine(path, name, modeOf(mode), now).slice(3).join("\0") !== was.join("\0")) return undefined;
    }
    const typeCache = ts.createTypeReferenceDirectiveResolutionCache(host.getCurrentDirectory(), (f) => host.getCanonicalFileName(f), options, cache.getPackageJsonInfoCache());
    for (const [path, name, mode, ...was] of record.typeReferences) {
      const now = ts.resolveTypeReferenceDirective(name, path, options, host, undefined, typeCache, modeOf(mode)).resolvedTypeReferenceDirective;
      if (typeLine(path, name, modeOf(mode), now).slice(3).join("\0") !== was.join("\0")) return undefined;
    }
    for (const [lib, actual] of record.libraries) if (libraryPath(ts, options, host, lib) !== actual) return undefined;
    return record.errors;
  } catch {
    return undefined; // a damaged record: check in full
  }
}

function modeOf(text: string): TS.ResolutionMode {
  return text === "undefined" ? undefined : (Number(text) as TS.ResolutionMode);
}
