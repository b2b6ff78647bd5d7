// The entry of the runner's V8 startup snapshot (see startup-snapshot.cjs), run once by
// `node --build-snapshot`: it loads tslab's TypeScript with the runner's hooks, creates one tslab
// converter so the shared store of parsed declaration files (shared-lib-files.cjs) holds the
// standard library typings and every @types package, parsed and bound, and closes it. A process
// started from the snapshot finds all that in its heap instead of loading and parsing it again.
//
// A snapshot builder may require only Node's built-in modules, so the few CommonJS files needed are
// loaded by the small loader below (eval, with a sourceURL so stack frames keep their file names).
// At start, the main function puts that TypeScript module into Node's require cache, but only when
// the key the parent computed still matches the one baked in; then it runs the real entry
// (process.argv[1]). Plain CommonJS, built-in modules only.
"use strict";

const fs = require("node:fs");
const path = require("node:path");
const v8 = require("node:v8");

const TS_MODULE = "@tslab/typescript-for-tslab";
/** Common constructs, for the checker to run through once at build time. */
const WARM_CELL = [
  'import { readFileSync } from "fs";',
  "interface Shape<T> { kind: string; size: T }",
  "class Box<T> implements Shape<T> { constructor(readonly kind: string, public size: T) {} }",
  "const boxes = [new Box('a', 1), new Box('b', 2)].map((b) => ({ ...b, twice: b.size * 2 }));",
  "async function load(path: string): Promise<string | undefined> { try { return readFileSync(path, 'utf8'); } catch { return undefined; } }",
  "const total = boxes.reduce((n, b) => n + b.twice, 0);",
  "export const summary = { total, first: boxes[0]?.kind ?? 'none', load } as const;",
].join("\n");

function isFile(p) {
  try {
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
}

function resolveAsFile(p) {
  for (const c of [p, `${p}.js`, `${p}.cjs`, `${p}.json`]) if (isFile(c)) return c;
  const pkg = path.join(p, "package.json");
  if (isFile(pkg)) {
    const main = JSON.parse(fs.readFileSync(pkg, "utf8")).main;
    if (main) {
      const m = resolveAsFile(path.join(p, main));
      if (m) return m;
    }
  }
  for (const c of ["index.js", "index.json"]) if (isFile(path.join(p, c))) return path.join(p, c);
  return undefined;
}

/** What a module's text becomes before it is evaluated (set by build: TypeScript's one change). */
let transformSource = (_file, text) => text;

/** A require for `fromDir` sharing `cache`: built-ins from Node, the rest read and evaluated here. */
function makeRequire(fromDir, cache) {
  const resolve = (id) => {
    if (id.startsWith(".") || path.isAbsolute(id)) {
      const f = resolveAsFile(path.resolve(fromDir, id));
      if (f) return f;
    } else {
      for (let dir = fromDir; ; dir = path.dirname(dir)) {
        if (path.basename(dir) !== "node_modules") {
          const f = resolveAsFile(path.join(dir, "node_modules", id));
          if (f) return f;
        }
        if (path.dirname(dir) === dir) break;
      }
    }
    throw new Error(`snapshot builder: cannot resolve ${id} from ${fromDir}`);
  };
  const req = (id) => {
    if (id.startsWith("node:")) return require(id);
    if (!id.startsWith(".") && !path.isAbsolute(id)) {
      try {
        return require(id); // a built-in module
      } catch {}
    }
    const file = resolve(id);
    if (cache[file]) return cache[file].exports;
    const mod = { id: file, filename: file, exports: {}, loaded: false };
    cache[file] = mod;
    const source = transformSource(file, fs.readFileSync(file, "utf8"));
    if (file.endsWith(".json")) mod.exports = JSON.parse(source);
    else {
      const wrapped = `(function (exports, require, module, __filename, __dirname) {${source.replace(/^#!.*/, "")}\n})\n//# sourceURL=${file}`;
      (0, eval)(wrapped).call(mod.exports, mod.exports, makeRequire(path.dirname(file), cache), mod, file, path.dirname(file));
    }
    mod.loaded = true;
    return mod.exports;
  };
  req.resolve = resolve;
  req.cache = cache;
  return req;
}

function build() {
  const key = process.env.NB_RUNNER_SNAPSHOT_KEY;
  const runnerDir = process.env.NB_RUNNER_SNAPSHOT_RUNNER_DIR;
  const cwd = process.env.NB_RUNNER_SNAPSHOT_CWD;
  if (!key || !runnerDir || !cwd) throw new Error("snapshot builder: NB_RUNNER_SNAPSHOT_KEY, _RUNNER_DIR and _CWD are required");
  const cache = Object.create(null);
  const req = makeRequire(runnerDir, cache);
  const tsFile = req.resolve(TS_MODULE);
  // TypeScript as the runner loads it elsewhere (code-cache.cjs): declaration files' JSDoc unparsed.
  const { skipDeclarationJSDoc } = req("./declaration-jsdoc.cjs");
  transformSource = (file, text) => (file === tsFile ? (skipDeclarationJSDoc(text) ?? text) : text);
  req("./tslab-check-cache.cjs").installTslabCheckCache(req);
  const store = req("./shared-lib-files.cjs").installSharedLibFiles(req);
  const ts = req(TS_MODULE);
  // tslab's converter type-checks relative to the current directory (its typeRoots come from there).
  process.chdir(cwd);
  const { createConverter } = req("tslab/dist/converter");
  const converter = createConverter({ isJS: false, isBrowser: false });
  // One cell checked, so the checker's code is compiled in the snapshot too (a first real cell
  // otherwise compiles it lazily); the cell's own files are not kept (nor shared: not node_modules).
  converter.convert("", WARM_CELL);
  converter.close();
  // What the heap keeps: the hooked module object (and the store reachable from it).
  globalThis.__nbRunnerSnapshot = { key, runnerDir, tsFile, ts, files: store.files.size, Console: console.Console };

  v8.startupSnapshot.setDeserializeMainFunction(start);
}

/** Runs in every process started from the snapshot. */
function start() {
  const Module = require("node:module");
  const { pathToFileURL } = require("node:url");
  const baked = globalThis.__nbRunnerSnapshot;
  delete globalThis.__nbRunnerSnapshot;
  const wanted = process.env.NB_RUNNER_SNAPSHOT_KEY;
  const execArgv = process.env.NB_RUNNER_EXEC_ARGV;
  delete process.env.NB_RUNNER_SNAPSHOT_KEY;
  delete process.env.NB_RUNNER_EXEC_ARGV;
  // The flags the child would have had without the snapshot: a process a cell forks (fork() passes
  // process.execArgv on) starts as it would there.
  if (execArgv) process.execArgv = JSON.parse(execArgv);
  // Node 20 and 22 start a snapshot's process with console.Console unset (node:console's Console too).
  if (baked && typeof console.Console !== "function") console.Console = baked.Console;
  // Node removes Error.stackTraceLimit while it builds a snapshot; V8's default, as in any process.
  if (typeof Error.stackTraceLimit !== "number") Error.stackTraceLimit = 10;
  const usable = baked && wanted === baked.key;
  if (usable) {
    // The module object `require` would have made, holding the snapshot's (hooked) exports.
    const mod = new Module(baked.tsFile, null);
    mod.filename = baked.tsFile;
    mod.paths = Module._nodeModulePaths(path.dirname(baked.tsFile));
    mod.exports = baked.ts;
    mod.loaded = true;
    Module._cache[baked.tsFile] = mod;
    // TypeScript memoizes the current directory on first use, which was during the build: this
    // process's is memoized anew, on its first use (after the runner moved to the notebook's folder).
    let cwd;
    baked.ts.sys.getCurrentDirectory = () => (cwd ??= process.cwd());
  } else if (wanted) {
    process.stderr.write("note: the runner's startup snapshot does not match this install; starting without it\n");
  }
  if (process.send) process.send({ type: "booted", snapshot: Boolean(usable) });
  const entry = process.argv[1];
  if (!entry) return;
  const load = Module.createRequire(baked?.runnerDir ? path.join(baked.runnerDir, "x.cjs") : entry)("./snapshot-import.cjs");
  (async () => {
    // The TypeScript loader the child is normally started with (--import tsx), for a .ts entry.
    if (entry.endsWith(".ts")) {
      const tsxDir = path.dirname(Module.createRequire(entry).resolve("tsx/package.json"));
      const tsxExports = JSON.parse(fs.readFileSync(path.join(tsxDir, "package.json"), "utf8")).exports["."];
      const loader = typeof tsxExports === "string" ? tsxExports : tsxExports.import.default ?? tsxExports.import;
      await load(pathToFileURL(path.join(tsxDir, loader)).href);
    }
    await load(pathToFileURL(entry).href);
  })().catch((e) => {
    process.stderr.write(`headless runner: could not start: ${e?.stack ?? e}\n`);
    process.exit(1);
  });
}

if (v8.startupSnapshot?.isBuildingSnapshot()) build();

if (typeof module !== "undefined") module.exports = { makeRequire };
