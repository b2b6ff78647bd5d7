/**
 * The agent bundled with esbuild: its code and every package it imports in a few `.mjs` files (the
 * entry, plus chunks for code only reached through `import()`, which Node parses when first imported),
 * instead of hundreds of packages in `node_modules/`.
 *
 * What esbuild cannot follow stays a package: an ES module under node_modules that makes a
 * `require` with `createRequire(import.meta.url)` (`bedrock-agentcore`'s runtime loads
 * `@fastify/sse` and `@fastify/websocket` so) requires at run time a name esbuild never sees as an
 * import. `createRequiredPackages` finds those names in the files esbuild bundled; the bundle
 * builder then ships them, with their dependencies, in `node_modules/`, where that `require` finds
 * them (the chunks sit at the zip's root, next to `node_modules/`).
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import { packageNameOf } from "./code-bundle.js";

/**
 * Bundled CommonJS code calls `require` for Node built-ins and reads `__filename`/`__dirname`; ES
 * modules have none of these, so every output file defines them for itself. `require` is a name
 * esbuild keeps free (it renames an agent's own top-level `require`); the other two get names of
 * their own, which `ESM_DEFINES` substitutes for the free `__filename`/`__dirname` only, so an
 * agent's own `const __dirname = …` stays as it is.
 */
export const ESM_SHIMS = [
  'import { createRequire as __agentcoreCreateRequire } from "node:module";',
  'import { fileURLToPath as __agentcoreFileURLToPath } from "node:url";',
  'import { dirname as __agentcoreDirname } from "node:path";',
  "const require = __agentcoreCreateRequire(import.meta.url);",
  "const __agentcoreFilename = __agentcoreFileURLToPath(import.meta.url);",
  "const __agentcoreDirnameValue = __agentcoreDirname(__agentcoreFilename);",
].join(" ");
export const ESM_DEFINES = { __filename: "__agentcoreFilename", __dirname: "__agentcoreDirnameValue" };

const ESM_SYNTAX = /^\s*(?:import|export)\b/m;
const REQUIRE_CALL = /\brequire(?:\.resolve)?\s*\(\s*(['"])([^'"\n]+)\1\s*\)/g;

/**
 * The packages required by literal name from ES modules under node_modules that use `createRequire`
 * (in an ES module, any `require` is one it made). Built-ins and relative paths are not packages.
 */
export function createRequiredPackages(source: string): string[] {
  if (!source.includes("createRequire") || !ESM_SYNTAX.test(source)) return [];
  const names = new Set<string>();
  for (const m of source.matchAll(REQUIRE_CALL)) {
    const name = packageNameOf(m[2]!);
    if (name) names.add(name);
  }
  return [...names];
}

export interface BundledEntry {
  /** Output files by their path in the zip: `<entry>.mjs` and its chunks, sorted. */
  files: Record<string, string>;
  /** Packages the bundle requires at run time from node_modules, sorted. */
  external: string[];
  /** The files bundled (absolute paths). */
  inputs: string[];
}

/**
 * Bundles `file` (already checked to compile and to import no local files) into `<entryName>.mjs` and
 * chunks. `leaveOut`: packages neither bundled nor shipped (an `import()` of one fails as if it were
 * not installed, as in a node_modules bundle that leaves it out).
 */
export async function bundleEntry(file: string, entryName: string, projectDir: string, leaveOut: readonly string[] = []): Promise<BundledEntry> {
  const esbuild = await import("esbuild");
  const out = await esbuild.build({
    entryPoints: { [entryName]: file },
    bundle: true,
    splitting: true,
    platform: "node",
    format: "esm",
    target: "node22",
    outdir: "bundle",
    outExtension: { ".js": ".mjs" },
    // Next to the entry, so that a chunk's createRequire resolves node_modules/ at the zip's root too.
    chunkNames: "[name]-[hash]",
    banner: { js: ESM_SHIMS },
    define: ESM_DEFINES,
    write: false,
    logLevel: "silent",
    legalComments: "none",
    external: leaveOut.flatMap((name) => [name, `${name}/*`]),
    // The agent file may live outside the project whose node_modules has its packages.
    nodePaths: [join(projectDir, "node_modules")],
    absWorkingDir: projectDir, // metafile paths are relative to it
    metafile: true,
  });
  // Every file esbuild bundled (the packages' and the agent's own): which packages they createRequire.
  const found = new Set<string>();
  for (const input of Object.keys(out.metafile.inputs)) {
    if (!/\.(?:[mc]?js|[mc]?ts|tsx?)$/.test(input)) continue;
    let source: string;
    try {
      source = readFileSync(resolve(projectDir, input), "utf8");
    } catch {
      continue; // not a file (an esbuild namespace)
    }
    for (const name of createRequiredPackages(source)) found.add(name);
  }
  const files: Record<string, string> = {};
  for (const f of out.outputFiles) files[basename(f.path)] = f.text;
  const inputs = Object.keys(out.metafile.inputs).map((i) => resolve(projectDir, i));
  return { files: Object.fromEntries(Object.entries(files).sort(([a], [b]) => (a < b ? -1 : 1))), external: [...found].sort(), inputs };
}

interface CachedBundle extends BundledEntry {
  /** Every bundled file but the entry (whose text is in the key), and npm's record of the install: path, size, mtime. */
  stats: [string, number, number][];
}

const memoryCache = new Map<string, CachedBundle>();

function statOf(path: string): [string, number, number] {
  try {
    const st = statSync(path);
    return [path, st.size, st.mtimeMs];
  } catch {
    return [path, -1, -1];
  }
}

/**
 * `bundleEntry`, cached in memory and in `cacheDir` (a launch builds the same agent again and again):
 * keyed by the entry's text, the options and esbuild's version, and valid while no bundled file (and
 * no install, which npm records in node_modules/.package-lock.json) has changed size or mtime.
 */
export async function cachedBundleEntry(file: string, entryName: string, projectDir: string, leaveOut: readonly string[], cacheDir: string): Promise<BundledEntry> {
  const { version } = await import("esbuild");
  const key = createHash("sha256")
    .update(JSON.stringify({ format: 1, version, ESM_SHIMS, ESM_DEFINES, file, entryName, projectDir, leaveOut }))
    .update(readFileSync(file))
    .digest("hex")
    .slice(0, 32);
  const path = join(cacheDir, `esbuild-${key}.json`);
  const valid = (c: CachedBundle | undefined) => !!c && c.stats.every(([p, size, mtime]) => { const [, s2, m2] = statOf(p); return s2 === size && m2 === mtime; });
  let cached = memoryCache.get(key);
  if (!cached && existsSync(path)) {
    try {
      cached = JSON.parse(readFileSync(path, "utf8")) as CachedBundle;
    } catch {
      cached = undefined; // unreadable: built again
    }
  }
  if (cached && valid(cached)) {
    memoryCache.set(key, cached);
    return cached;
  }
  const built = await bundleEntry(file, entryName, projectDir, leaveOut);
  const stats = [...built.inputs.filter((p) => p !== file), join(projectDir, "node_modules", ".package-lock.json")].map(statOf);
  const entry: CachedBundle = { ...built, stats };
  memoryCache.set(key, entry);
  mkdirSync(cacheDir, { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(entry));
  renameSync(tmp, path);
  return built;
}

/**
 * The packages whose files Node loads when `roots` are required (esbuild follows their static
 * imports and requires): which of the shipped packages' peer dependencies they really use.
 */
export async function packagesReachedFrom(projectDir: string, roots: string[]): Promise<Set<string>> {
  if (!roots.length) return new Set();
  const esbuild = await import("esbuild");
  const out = await esbuild.build({
    stdin: { contents: roots.map((r) => `import ${JSON.stringify(r)};`).join("\n"), resolveDir: projectDir, loader: "js" },
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node22",
    write: false,
    metafile: true,
    logLevel: "silent",
  });
  const reached = new Set<string>();
  for (const input of Object.keys(out.metafile.inputs)) {
    const parts = input.split(/[\\/]/);
    const at = parts.lastIndexOf("node_modules");
    if (at < 0 || at + 1 >= parts.length) continue;
    reached.add(parts[at + 1]!.startsWith("@") ? `${parts[at + 1]}/${parts[at + 2]}` : parts[at + 1]!);
  }
  return reached;
}
