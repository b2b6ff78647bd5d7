/**
 * The code deploy bundle Local AgentCore's runtime host (and AgentCore's NODE_22 runtime) expects:
 * a zip that `node <entry>.mjs` runs as it is, unpacked, with `package.json` (`"type": "module"`) and
 * a deterministic `package-lock.json`.
 *
 * By default the agent is bundled with esbuild (`esbuild-bundle.ts`): `<entry>.mjs` holds the agent
 * and the packages it imports, chunks next to it hold what it only imports with `import()`, and
 * `node_modules/` holds only the packages esbuild cannot follow (required through `createRequire`),
 * with their production closure. `bundleDependencies: false` builds the older layout, the escape
 * hatch for a package that breaks when bundled: `<entry>.mjs` compiled alone (`bundle: false`) and
 * `node_modules/` with the whole production closure of its imports. Either way the packages are
 * copied from the project's own installed ones (a launch works offline).
 *
 * The `node_modules/` part is zipped once per lock file and cached (memory and `.agentcore-build/`),
 * and so is esbuild's output (until the agent's text or a bundled file changes); a launch then
 * zips the bundled files and appends the cached node_modules zip.
 */
import { createHash } from "node:crypto";
import { existsSync, lstatSync, mkdirSync, readFileSync, readdirSync, renameSync, writeFileSync } from "node:fs";
import { builtinModules } from "node:module";
import { basename, dirname, extname, join, relative, resolve, sep } from "node:path";
import { zipSync, type Zippable } from "fflate";
import { renderAgentPackageJson } from "./dockerfile.js";
import { cachedBundleEntry, packagesReachedFrom } from "./esbuild-bundle.js";

/** Fixed zip timestamps: the same files give the same bytes. */
const ZIP_MTIME = new Date(2000, 0, 1, 0, 0, 0);

export interface CompiledEntry {
  /** `<entry>.mjs` */
  fileName: string;
  code: string;
  /** Bare package names the code imports (static and dynamic), sorted. */
  packages: string[];
}

const BUILTINS = new Set(builtinModules);

/** `@scope/name/sub/path` → `@scope/name`; `node:fs`, `fs` and relative paths → undefined. */
export function packageNameOf(specifier: string): string | undefined {
  if (specifier.startsWith(".") || specifier.startsWith("/") || specifier.startsWith("node:")) return undefined;
  const parts = specifier.split("/");
  const name = specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0]!;
  if (BUILTINS.has(name)) return undefined;
  return name;
}

/** The entry's base name without extension: `agents/my_agent.ts` → `my_agent`. */
export const entryBaseName = (entrypoint: string) => basename(entrypoint, extname(entrypoint));

/** Compiles one TypeScript/JavaScript agent file to ESM JavaScript and lists the packages it imports. */
export async function compileEntry(entrypoint: string): Promise<CompiledEntry> {
  const esbuild = await import("esbuild");
  const file = resolve(entrypoint);
  const fileName = `${entryBaseName(file)}.mjs`;
  const common = { entryPoints: [file], platform: "node" as const, format: "esm" as const, target: "node22", write: false, logLevel: "silent" as const };
  let analysis;
  try {
    // Import discovery: a bundle with every package external lists the imports in its metafile.
    analysis = await esbuild.build({ ...common, bundle: true, packages: "external", metafile: true, outfile: fileName });
  } catch (e) {
    throw new Error(`The agent ${entrypoint} does not compile:\n${formatEsbuildErrors(e)}`);
  }
  const inputs = Object.keys(analysis.metafile.inputs);
  if (inputs.length > 1) {
    const locals = inputs.filter((i) => resolve(i) !== file);
    throw new Error(
      `The agent ${entrypoint} imports local files (${locals.join(", ")}). A code deploy holds one compiled file: ` +
        `put the code in the entrypoint, or move shared code into an installed package.`,
    );
  }
  const packages = new Set<string>();
  for (const input of Object.values(analysis.metafile.inputs)) {
    for (const imp of input.imports) {
      const name = packageNameOf(imp.path);
      if (name) packages.add(name);
    }
  }
  const compiled = await esbuild.build({ ...common, bundle: false, outfile: fileName });
  const code = compiled.outputFiles![0]!.text;
  return { fileName, code, packages: [...packages].sort() };
}

function formatEsbuildErrors(e: unknown): string {
  const errors = (e as { errors?: { text: string; location?: { file: string; line: number; column: number; lineText: string } }[] }).errors;
  if (!errors?.length) return String((e as Error).message ?? e);
  return errors.map((x) => (x.location ? `${x.location.file}:${x.location.line}:${x.location.column}: ${x.text}\n  ${x.location.lineText}` : x.text)).join("\n");
}

/** The folder whose node_modules the agent's packages come from: the nearest ancestor that has one. */
export function findProjectDir(fromDir: string): string {
  let dir = resolve(fromDir);
  for (;;) {
    if (existsSync(join(dir, "node_modules"))) return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`No node_modules folder above ${fromDir}: run \`npm install\` in the project first.`);
    dir = parent;
  }
}

export interface InstalledPackage {
  name: string;
  version: string;
  /** `node_modules/a` or `node_modules/a/node_modules/b`, with forward slashes. */
  path: string;
  dir: string;
}

interface Manifest {
  name?: string;
  version?: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
}

const readManifest = (dir: string) => JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as Manifest;

/** Node's lookup: `<dir>/node_modules/<name>`, then each parent up to the project folder. */
function resolveInstalled(projectDir: string, fromDir: string, name: string): string | undefined {
  let dir = fromDir;
  for (;;) {
    const candidate = join(dir, "node_modules", name);
    if (existsSync(join(candidate, "package.json"))) return candidate;
    if (dir === projectDir || !dir.startsWith(projectDir)) return undefined;
    dir = dirname(dir);
  }
}

/**
 * Optional packages that a dependency lists but the agents do not use, left out of every bundle.
 * Strands lists `@tobilu/qmd` (local document search on llama.cpp); npm installs it only on Node 22,
 * where it brings about 660 MB of native binaries and would make the code bundle about 450 MB.
 * An agent that imports one of these still gets it (a root is always bundled).
 */
export const UNUSED_OPTIONAL_PACKAGES = ["@tobilu/qmd"];

/**
 * The production closure of `roots`: each package with its installed dependencies, optional and peer
 * dependencies (those that are installed), except UNUSED_OPTIONAL_PACKAGES unless a root names one.
 * A root that is not installed is an error naming the fix.
 */
export function dependencyClosure(
  projectDir: string,
  roots: string[],
  leaveOut: readonly string[] = UNUSED_OPTIONAL_PACKAGES,
  /** Which peer dependencies to follow (default: every installed one). */
  followPeer: (name: string) => boolean = () => true,
): InstalledPackage[] {
  const found = new Map<string, InstalledPackage>();
  const visit = (name: string, fromDir: string, required: boolean) => {
    if (!required && leaveOut.includes(name)) return;
    const dir = resolveInstalled(projectDir, fromDir, name);
    if (!dir) {
      if (required) throw new Error(`The agent imports ${name}, which is not installed in ${projectDir}. Run \`npm install ${name}\` and launch again.`);
      return;
    }
    const path = relative(projectDir, dir).split(sep).join("/");
    if (found.has(path)) return;
    if (lstatSync(dir).isSymbolicLink()) {
      if (required) throw new Error(`The agent imports ${name}, which is a linked package (${path}); a code bundle can only hold installed packages.`);
      return;
    }
    const m = readManifest(dir);
    found.set(path, { name, version: m.version ?? "0.0.0", path, dir });
    const peers = Object.keys(m.peerDependencies ?? {}).filter(followPeer);
    const next = new Set([...peers, ...Object.keys(m.optionalDependencies ?? {}), ...Object.keys(m.dependencies ?? {})]);
    for (const dep of [...next].sort()) visit(dep, dir, false);
  };
  for (const root of roots) visit(root, projectDir, true);
  return [...found.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/**
 * A lockfile v3 for exactly these packages. Entries come from the project's own lock when it has
 * them (resolved, integrity), else from each package.json; keys sorted, no timestamps: the same
 * dependency set always gives the same bytes (the runtime host caches node_modules by its hash).
 */
export function packageLock(projectDir: string, agent: { name: string; dependencies: Record<string, string> }, packages: InstalledPackage[]): string {
  let projectLock: { packages?: Record<string, Record<string, unknown>> } = {};
  try {
    projectLock = JSON.parse(readFileSync(join(projectDir, "package-lock.json"), "utf8"));
  } catch {
    /* no project lock: package.json fields suffice */
  }
  const entries: Record<string, unknown> = {
    "": { name: agent.name, version: "1.0.0", dependencies: sortKeys(agent.dependencies) },
  };
  for (const p of packages) {
    const fromLock = projectLock.packages?.[p.path];
    const m = readManifest(p.dir);
    const entry: Record<string, unknown> = { version: p.version };
    if (typeof fromLock?.resolved === "string") entry.resolved = fromLock.resolved;
    if (typeof fromLock?.integrity === "string") entry.integrity = fromLock.integrity;
    if (m.dependencies && Object.keys(m.dependencies).length) entry.dependencies = sortKeys(m.dependencies);
    if (m.optionalDependencies && Object.keys(m.optionalDependencies).length) entry.optionalDependencies = sortKeys(m.optionalDependencies);
    if (m.peerDependencies && Object.keys(m.peerDependencies).length) entry.peerDependencies = sortKeys(m.peerDependencies);
    entries[p.path] = entry;
  }
  const lock = { name: agent.name, version: "1.0.0", lockfileVersion: 3, requires: true, packages: entries };
  return JSON.stringify(lock, null, 2) + "\n";
}

function sortKeys(o: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** Every regular file of each package (not its nested node_modules: those are packages of their own). */
function packageFiles(packages: InstalledPackage[]): Zippable {
  const files: Zippable = {};
  const walk = (dir: string, zipDir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const full = join(dir, e.name);
      if (e.isDirectory()) {
        if (e.name !== "node_modules") walk(full, `${zipDir}/${e.name}`);
      } else if (e.isFile()) {
        files[`${zipDir}/${e.name}`] = readFileSync(full);
      }
    }
  };
  for (const p of packages) walk(p.dir, p.path);
  return files;
}

export interface CodeBundle {
  zip: Uint8Array;
  /** SHA-256 of the zip (hex). */
  sha256: string;
  /** SHA-256 of package-lock.json (hex): the key of the dependency zip cached by this builder. */
  lockSha256: string;
  entryFile: string;
  /** The packages the agent imports, with their installed versions. */
  dependencies: Record<string, string>;
  /** How the agent's packages are shipped: bundled by esbuild, or all in node_modules/. */
  mode: "bundled" | "node_modules";
  /** The packages in the zip's node_modules/ (for a bundled agent: only what esbuild cannot follow). */
  packageCount: number;
  /** The packages node_modules/ holds for themselves (its roots), with versions; package.json's `dependencies`. */
  shipped: Record<string, string>;
  /** Files in the zip. */
  fileCount: number;
  /** Whether the node_modules part came from the cache. */
  dependenciesCached: boolean;
}

const depsCache = new Map<string, Uint8Array>();

export interface BuildCodeBundleOptions {
  entrypoint: string;
  agentName: string;
  /** Where node_modules is (default: the nearest ancestor of the entrypoint that has one). */
  projectDir?: string;
  /** Where the dependency zips are cached (default `<entry dir>/.agentcore-build`). */
  cacheDir?: string;
  /**
   * Default true: bundle the agent's packages with esbuild. `false`: ship them all in node_modules/
   * (the escape hatch for a package that does not work bundled, e.g. one that reads its own files).
   */
  bundleDependencies?: boolean;
}

export async function buildCodeBundle(o: BuildCodeBundleOptions): Promise<CodeBundle> {
  const entryPath = resolve(o.entrypoint);
  const projectDir = resolve(o.projectDir ?? findProjectDir(dirname(entryPath)));
  const compiled = await compileEntry(entryPath); // the checks (compiles, no local files) and the imports
  const mode = o.bundleDependencies === false ? "node_modules" : "bundled";
  const cacheDir = o.cacheDir ?? join(dirname(entryPath), ".agentcore-build");
  let code: Record<string, string>;
  let roots: string[];
  let closure: InstalledPackage[];
  if (mode === "bundled") {
    const leaveOut = UNUSED_OPTIONAL_PACKAGES.filter((name) => !compiled.packages.includes(name));
    for (const name of compiled.packages) {
      if (!resolveInstalled(projectDir, projectDir, name)) dependencyClosure(projectDir, [name]); // throws the fix
    }
    let bundled;
    try {
      bundled = await cachedBundleEntry(entryPath, entryBaseName(entryPath), projectDir, leaveOut, cacheDir);
    } catch (e) {
      throw new Error(
        `The agent ${o.entrypoint} could not be bundled with its packages:\n${formatEsbuildErrors(e)}\n` +
          `If a package does not work bundled, configure the agent with bundleDependencies: false to ship node_modules as installed.`,
      );
    }
    code = bundled.files;
    roots = bundled.external;
    // A shipped package's peer dependency is usually its host (fastify for a fastify plugin), which
    // is bundled: it is shipped too only when the package's own code loads it.
    const reached = await packagesReachedFrom(projectDir, roots);
    closure = dependencyClosure(projectDir, roots, UNUSED_OPTIONAL_PACKAGES, (name) => reached.has(name));
  } else {
    code = { [compiled.fileName]: compiled.code };
    roots = compiled.packages;
    closure = dependencyClosure(projectDir, roots);
  }
  const versionOf = (name: string) => closure.find((p) => p.path === `node_modules/${name}`)?.version ?? installedVersion(projectDir, name);
  const dependencies = Object.fromEntries(compiled.packages.map((name) => [name, versionOf(name)]));
  const shipped = Object.fromEntries(roots.map((name) => [name, versionOf(name)]));
  const packageName = o.agentName.toLowerCase().replace(/[^a-z0-9._-]/g, "-");
  // package.json and the lock name what node_modules/ holds, so that `npm ci` in the unpacked bundle
  // agrees with it; the bundled packages are inside the .mjs files.
  const lock = packageLock(projectDir, { name: packageName, dependencies: shipped }, closure);
  const lockSha256 = sha256hex(lock);
  const packageJson = renderAgentPackageJson({ agentName: o.agentName, entry: entryBaseName(entryPath), dependencies: shipped });

  const { zip: depsZip, cached } = closure.length ? dependencyZip(closure, lockSha256, cacheDir) : { zip: EMPTY_ZIP, cached: true };
  const small = zipSync(
    {
      ...Object.fromEntries(Object.entries(code).map(([name, text]) => [name, strToU8(text)])),
      "package.json": strToU8(packageJson),
      "package-lock.json": strToU8(lock),
    },
    { mtime: ZIP_MTIME, level: 6 },
  );
  const zip = concatZips(small, depsZip);
  return {
    zip,
    sha256: sha256hex(zip),
    lockSha256,
    entryFile: compiled.fileName,
    dependencies,
    mode,
    packageCount: closure.length,
    shipped,
    fileCount: splitZip(zip).count,
    dependenciesCached: cached,
  };
}

const EMPTY_ZIP = zipSync({});

/** The version of an installed top-level package (a bundled one, for the record). */
function installedVersion(projectDir: string, name: string): string {
  const dir = resolveInstalled(projectDir, projectDir, name);
  return dir ? (readManifest(dir).version ?? "*") : "*";
}

function dependencyZip(closure: InstalledPackage[], lockSha256: string, cacheDir: string): { zip: Uint8Array; cached: boolean } {
  const inMemory = depsCache.get(lockSha256);
  if (inMemory) return { zip: inMemory, cached: true };
  const file = join(cacheDir, `deps-${lockSha256.slice(0, 32)}.zip`);
  if (existsSync(file)) {
    const zip = new Uint8Array(readFileSync(file));
    depsCache.set(lockSha256, zip);
    return { zip, cached: true };
  }
  // Level 1: these files are zipped once per dependency set and mostly read by machines.
  const zip = zipSync(packageFiles(closure), { mtime: ZIP_MTIME, level: 1 });
  mkdirSync(cacheDir, { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, zip);
  renameSync(tmp, file);
  depsCache.set(lockSha256, zip);
  return { zip, cached: false };
}

const strToU8 = (s: string) => new TextEncoder().encode(s);
export const sha256hex = (data: string | Uint8Array) => createHash("sha256").update(data).digest("hex");

interface ZipParts {
  /** Bytes of the local file entries (everything before the central directory). */
  body: Uint8Array;
  centralDirectory: Uint8Array;
  count: number;
}

function splitZip(zip: Uint8Array): ZipParts {
  const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  for (let i = zip.length - 22; i >= Math.max(0, zip.length - 22 - 0xffff); i--) {
    if (view.getUint32(i, true) !== 0x06054b50) continue;
    const count = view.getUint16(i + 10, true);
    const size = view.getUint32(i + 12, true);
    const offset = view.getUint32(i + 16, true);
    return { body: zip.subarray(0, offset), centralDirectory: zip.subarray(offset, offset + size), count };
  }
  throw new Error("not a zip file (no end of central directory record)");
}

/** Shifts every central directory record's local-header offset by `delta`. */
function shiftCentralDirectory(cd: Uint8Array, delta: number): Uint8Array {
  const out = new Uint8Array(cd);
  const view = new DataView(out.buffer);
  let i = 0;
  while (i < out.length) {
    if (view.getUint32(i, true) !== 0x02014b50) throw new Error("corrupt central directory");
    view.setUint32(i + 42, view.getUint32(i + 42, true) + delta, true);
    i += 46 + view.getUint16(i + 28, true) + view.getUint16(i + 30, true) + view.getUint16(i + 32, true);
  }
  return out;
}

/** One zip holding the entries of `a` then `b` (no recompression). */
export function concatZips(a: Uint8Array, b: Uint8Array): Uint8Array {
  const pa = splitZip(a);
  const pb = splitZip(b);
  const count = pa.count + pb.count;
  if (count > 0xffff) throw new Error(`The bundle would hold ${count} files, more than a zip without zip64 can (65535). Trim the agent's dependencies.`);
  const cd = new Uint8Array(pa.centralDirectory.length + pb.centralDirectory.length);
  cd.set(pa.centralDirectory, 0);
  cd.set(shiftCentralDirectory(pb.centralDirectory, pa.body.length), pa.centralDirectory.length);
  const cdOffset = pa.body.length + pb.body.length;
  if (cdOffset + cd.length > 0xffffffff) throw new Error("The bundle is larger than 4 GiB");
  const eocd = new Uint8Array(22);
  const v = new DataView(eocd.buffer);
  v.setUint32(0, 0x06054b50, true);
  v.setUint16(8, count, true);
  v.setUint16(10, count, true);
  v.setUint32(12, cd.length, true);
  v.setUint32(16, cdOffset, true);
  const out = new Uint8Array(cdOffset + cd.length + 22);
  out.set(pa.body, 0);
  out.set(pb.body, pa.body.length);
  out.set(cd, cdOffset);
  out.set(eocd, cdOffset + cd.length);
  return out;
}
