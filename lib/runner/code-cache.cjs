// Loading tslab's TypeScript (an 8 MB script) costs V8 a full parse and compile in every process
// that runs a notebook. Node 20 has no module.enableCompileCache, so the runner loads that one file
// itself through vm.Script with V8's cached data, kept in node_modules/.cache/nb-runner under a key
// made of the file's content hash, Node's and V8's versions and the CPU architecture: a different
// TypeScript (or Node) gets a new entry, never the old one. Data V8 rejects anyway (flags differ) is
// replaced. The module object is the one `require` would have made (same file name, paths and
// require), so tslab and every later `require` get the very same exports. Plain CommonJS, installed
// before tslab's converter loads, like tslab-check-cache.cjs.
"use strict";

const { createHash } = require("node:crypto");
const { mkdirSync, readFileSync, renameSync, writeFileSync } = require("node:fs");
const Module = require("node:module");
const path = require("node:path");
const vm = require("node:vm");

const COMPILER = "@tslab/typescript-for-tslab";

/** The cache entry's file name for this source under this Node (content hash, versions, arch). */
function cacheKey(source) {
  const h = createHash("sha256");
  h.update(source);
  h.update(`\0${process.version}\0${process.versions.v8}\0${process.arch}`);
  return h.digest("hex").slice(0, 32);
}

/** Where the cache lives unless told: the node_modules/.cache folder next to tslab's packages. */
function defaultCacheDir(req) {
  return path.join(path.dirname(path.dirname(req.resolve("tslab/package.json"))), ".cache", "nb-runner");
}

/**
 * Loads `moduleId` (default: tslab's TypeScript) into `req`'s module cache from V8 cached data when
 * there is usable data, else compiles it and arranges for the data to be written when the process
 * exits (by then the functions the run compiled lazily are included). `options.transform` may
 * rewrite the source first. Returns what happened:
 * "loaded" (already required: nothing to do), "used", "created" or "rejected" (and re-created).
 */
function loadWithCodeCache(req = require, options = {}) {
  const file = req.resolve(options.moduleId || COMPILER);
  if (req.cache[file]) return { status: "loaded", file };
  const original = readFileSync(file, "utf8");
  // A transform (options.transform: source → source, or undefined to leave it) changes the text
  // compiled, and so the cache key.
  const transformed = options.transform ? options.transform(original) : undefined;
  const source = transformed ?? original;
  const dir = options.cacheDir || process.env.NB_RUNNER_CACHE_DIR || defaultCacheDir(req);
  const cacheFile = path.join(dir, `${path.basename(file, ".js")}-${cacheKey(source)}.v8cache`);
  let cachedData;
  try {
    cachedData = readFileSync(cacheFile);
  } catch {
    cachedData = undefined;
  }
  const script = new vm.Script(Module.wrap(source), { filename: file, cachedData });
  const status = cachedData === undefined ? "created" : script.cachedDataRejected ? "rejected" : "used";

  const mod = new Module(file, null);
  mod.filename = file;
  mod.paths = Module._nodeModulePaths(path.dirname(file));
  req.cache[file] = mod;
  try {
    script.runInThisContext().call(mod.exports, mod.exports, Module.createRequire(file), mod, file, path.dirname(file));
  } catch (e) {
    delete req.cache[file];
    throw e;
  }
  mod.loaded = true;
  if (status !== "used") {
    // A cache is an optimisation: an unwritable folder only costs the next run the compile.
    process.once("exit", () => {
      try {
        mkdirSync(dir, { recursive: true });
        const tmp = `${cacheFile}.${process.pid}.tmp`;
        writeFileSync(tmp, script.createCachedData());
        renameSync(tmp, cacheFile);
      } catch {}
    });
  }
  return { status, file, cacheFile, transformed: transformed !== undefined };
}

module.exports = { loadWithCodeCache, cacheKey, COMPILER };
