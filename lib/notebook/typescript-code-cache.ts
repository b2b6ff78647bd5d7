/**
 * Loading the project's TypeScript (a 9 MB script) costs V8 a full parse and compile in every
 * process or thread that checks an agent. Node 20 has no module.enableCompileCache, so the agent
 * checker loads that one file through vm.Script with V8's cached data (the runner's
 * code-cache.cjs does the same for tslab's compiler), kept in node_modules/.cache/agent-check under
 * a key made of the file's content hash, Node's and V8's versions and the CPU architecture: a
 * different TypeScript (or Node) gets a new entry, never the old one. The module object is the one
 * `require` would have made, so later `require("typescript")` calls get the very same exports.
 */
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import Module, { createRequire } from "node:module";
import { basename, dirname, join } from "node:path";
import { Script } from "node:vm";

export type CodeCacheStatus = "loaded" | "used" | "created" | "rejected";

export interface CodeCacheLoad<T> {
  exports: T;
  status: CodeCacheStatus;
  /** Writes V8's data for what has run so far (call it after the first check: lazily compiled functions are then in it). */
  save(): void;
}

function cacheKey(source: string): string {
  const h = createHash("sha256");
  h.update(source);
  h.update(`\0${process.version}\0${process.versions.v8}\0${process.arch}`);
  return h.digest("hex").slice(0, 32);
}

interface InternalModule {
  exports: unknown;
  filename: string;
  paths: string[];
  loaded: boolean;
}
const ModuleClass = Module as unknown as {
  new (id: string, parent: null): InternalModule;
  wrap(source: string): string;
  _nodeModulePaths(dir: string): string[];
};

/** Loads `moduleId` as `req` would, from V8 cached data in `cacheDir` when it is there and usable. */
export function requireWithCodeCache<T>(req: NodeRequire, moduleId: string, cacheDir: string): CodeCacheLoad<T> {
  const file = req.resolve(moduleId);
  const known = req.cache[file];
  if (known) return { exports: known.exports as T, status: "loaded", save() {} };
  const source = readFileSync(file, "utf8");
  const cacheFile = join(cacheDir, `${basename(file, ".js")}-${cacheKey(source)}.v8cache`);
  let cachedData: Buffer | undefined;
  try {
    cachedData = readFileSync(cacheFile);
  } catch {
    cachedData = undefined;
  }
  const script = new Script(ModuleClass.wrap(source), { filename: file, cachedData });
  const status: CodeCacheStatus = cachedData === undefined ? "created" : script.cachedDataRejected ? "rejected" : "used";
  const mod = new ModuleClass(file, null);
  mod.filename = file;
  mod.paths = ModuleClass._nodeModulePaths(dirname(file));
  req.cache[file] = mod as unknown as NodeJS.Module;
  try {
    script.runInThisContext().call(mod.exports, mod.exports, createRequire(file), mod, file, dirname(file));
  } catch (e) {
    delete req.cache[file];
    throw e;
  }
  mod.loaded = true;
  let saved = status === "used";
  return {
    exports: mod.exports as T,
    status,
    save() {
      if (saved) return;
      saved = true;
      // A cache is an optimisation: an unwritable folder only costs the next run the compile.
      try {
        mkdirSync(cacheDir, { recursive: true });
        const tmp = `${cacheFile}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
        writeFileSync(tmp, script.createCachedData());
        renameSync(tmp, cacheFile);
      } catch {}
    },
  };
}
