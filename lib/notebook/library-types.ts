/**
 * The library as notebooks see it: declaration files in dist/types/ (package.json "types"), written
 * from lib/'s sources. tslab type-checks a cell together with every TypeScript source it imports, so
 * with the sources as the package's types a cell importing "agentcore-kit" parsed about 1,700
 * files (every module the library uses, Local AgentCore included) and checked the whole library,
 * in every kernel. Against its declarations (what any published package gives its users) the cell
 * sees the very same API through about 190 files, and the library's own check stays where it
 * belongs, in `npm run typecheck`.
 *
 * Each file is transpiled on its own (TypeScript's isolatedDeclarations): no program, no check,
 * half a second for the lot. The files written are those the entry's declarations reach. A
 * manifest of the sources' hashes tells whether they are current, so checking costs a few file
 * reads; anything changed rewrites them. A source the transpiler cannot declare alone (an exported
 * function without a return type) leaves the declarations pointing at the sources, as before:
 * slower, never wrong, with a warning that says which line to fix.
 */
import { createHash } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, relative, resolve, sep } from "node:path";
import type * as TS from "typescript";

/** Bumped when what is written changes, so older output is rewritten. */
const FORMAT = 2;
const ENTRY = "index.ts";

export interface LibraryTypesOptions {
  /** The project (its lib/ and dist/types/). */
  projectDir: string;
  /** Warnings (a source that needs an explicit type). Default: stderr. */
  warn?: (line: string) => void;
}

export interface LibraryTypesResult {
  /** `current`: nothing to do; `written`: declarations rewritten; `sources`: pointing at the sources (see warnings). */
  state: "current" | "written" | "sources";
  /** The library's source files the declarations cover (relative to lib/). */
  files: string[];
  /** What kept a file from being declared on its own: `lib/x.ts:12: message`. */
  problems: string[];
}

interface Manifest {
  format: number;
  typescript: string;
  state: "written" | "sources";
  /** Source file (relative to lib/) → sha256 of its text. */
  sources: Record<string, string>;
  /** File written (relative to dist/types/) → sha256 of its text. */
  outputs: Record<string, string>;
  problems: string[];
}

export const typesDir = (projectDir: string): string => join(projectDir, "dist", "types");
const manifestPath = (projectDir: string) => join(typesDir(projectDir), "manifest.json");

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

function readManifest(projectDir: string): Manifest | undefined {
  try {
    const m = JSON.parse(readFileSync(manifestPath(projectDir), "utf8")) as Manifest;
    return m.format === FORMAT ? m : undefined;
  } catch {
    return undefined;
  }
}

/** Every file has the text whose hash is recorded. */
function sameTexts(dir: string, hashes: Record<string, string>): boolean {
  for (const [file, hash] of Object.entries(hashes)) {
    let text: string;
    try {
      text = readFileSync(join(dir, file), "utf8");
    } catch {
      return false;
    }
    if (sha256(text) !== hash) return false;
  }
  return true;
}

/** The manifest still describes the sources, and what it wrote is there, untouched. */
function isCurrent(projectDir: string, m: Manifest, tsVersion: () => string): boolean {
  return m.typescript === tsVersion() && sameTexts(join(projectDir, "lib"), m.sources) && sameTexts(typesDir(projectDir), m.outputs);
}

const declarationOf = (source: string): string => source.replace(/\.ts$/, ".d.ts");

/** Every file under `dir`, relative to it, with "/" separators. */
function filesUnder(dir: string): string[] {
  try {
    return (readdirSync(dir, { recursive: true, withFileTypes: true }) as import("node:fs").Dirent[])
      .filter((e) => e.isFile())
      .map((e) => relative(dir, join(e.parentPath, e.name)).split(sep).join("/"));
  } catch {
    return [];
  }
}

/** Writes a file so that a reader (another kernel) sees the old or the new text, never half. */
function writeAtomically(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, path);
}

/** The relative modules a declaration file refers to (`from "./x.js"`, `import("../y.js")`). */
function relativeImports(declarations: string): string[] {
  return [...declarations.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)"(\.{1,2}\/[^"]+)"/g)].map((m) => m[1]);
}

function compilerOptions(ts: typeof TS): TS.CompilerOptions {
  return {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    declaration: true,
    isolatedDeclarations: true,
    strict: true,
    esModuleInterop: true,
    resolveJsonModule: true,
  };
}

/** Transpiles the entry and every library source its declarations reach. */
function transpileAll(ts: typeof TS, projectDir: string) {
  const lib = join(projectDir, "lib");
  const options = compilerOptions(ts);
  const outputs = new Map<string, string>();
  const sources: Record<string, string> = {};
  const problems: string[] = [];
  const queue = [ENTRY];
  const seen = new Set(queue);
  while (queue.length > 0) {
    const file = queue.shift()!;
    const path = join(lib, file);
    const text = readFileSync(path, "utf8");
    sources[file] = sha256(text);
    const out = ts.transpileDeclaration(text, { fileName: path, compilerOptions: options, reportDiagnostics: true });
    for (const d of out.diagnostics ?? []) {
      const line = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start).line + 1 : 0;
      problems.push(`lib/${file}:${line}: ${ts.flattenDiagnosticMessageText(d.messageText, " ")}`);
    }
    outputs.set(declarationOf(file), out.outputText);
    for (const spec of relativeImports(out.outputText)) {
      const target = relative(lib, resolve(dirname(path), spec.replace(/\.js$/, ".ts"))).split(sep).join("/");
      if (target.startsWith("..") || !target.endsWith(".ts")) continue; // outside lib/, or not a source (e.g. JSON): resolved as is
      if (!seen.has(target)) {
        seen.add(target);
        queue.push(target);
      }
    }
  }
  return { outputs, sources, problems };
}

/** The declarations' entry when the sources cannot be declared file by file: the sources themselves. */
const SOURCES_ENTRY = `// The library's sources could not be declared file by file (see manifest.json "problems"):\n// notebooks type-check against the sources until that is fixed.\nexport * from "../../lib/index.js";\n`;

/**
 * Makes dist/types/ describe lib/'s current sources: does nothing when they are current (a few
 * file reads), else rewrites them. Synchronous, so a kernel can call it before its first cell.
 */
export function ensureLibraryTypes(options: LibraryTypesOptions): LibraryTypesResult {
  const { projectDir } = options;
  const warn = options.warn ?? ((line: string) => process.stderr.write(`${line}\n`));
  const requireHere = createRequire(join(projectDir, "package.json"));
  const tsVersion = () => (requireHere("typescript/package.json") as { version: string }).version;

  const before = readManifest(projectDir);
  if (before && isCurrent(projectDir, before, tsVersion)) {
    return { state: "current", files: Object.keys(before.sources), problems: before.problems };
  }

  // TypeScript itself (9 MB) loads only when something is to be written.
  const { outputs, sources, problems } = transpileAll(requireHere("typescript") as typeof TS, projectDir);
  const dir = typesDir(projectDir);
  const state = problems.length > 0 ? "sources" : "written";
  const files = state === "written" ? outputs : new Map([["index.d.ts", SOURCES_ENTRY]]);
  for (const [file, text] of files) writeAtomically(join(dir, file), text);
  const written = Object.fromEntries([...files].map(([file, text]) => [file, sha256(text)]));
  const manifest: Manifest = { format: FORMAT, typescript: tsVersion(), state, sources, outputs: written, problems };
  writeAtomically(manifestPath(projectDir), `${JSON.stringify(manifest, null, 2)}\n`);
  // What no longer belongs (a source removed or no longer reached) goes, so nothing stale resolves.
  for (const file of filesUnder(dir)) if (file !== "manifest.json" && !files.has(file)) rmSync(join(dir, file), { force: true });
  if (state === "sources") {
    warn(`agentcore-kit: notebooks type-check against the library's sources (slower) until these get explicit types:`);
    for (const p of problems) warn(`  ${p}`);
  }
  return { state, files: Object.keys(sources), problems };
}
