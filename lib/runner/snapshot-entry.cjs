// The entry of the runner's V8 startup snapshot (see startup-snapshot.ts), run once by
// `node --build-snapshot`: it loads tslab's TypeScript with the runner's hooks, creates one tslab
// converter so the shared store of parsed declaration files (shared-lib-files.cjs) holds the
// standard library typings and every @types package, parsed and bound, and closes it. A process
// started from the snapshot finds all that in its heap instead of loading and parsing it again.
//
// A snapshot builder may require only Node's built-in modules, so the few CommonJS files needed are
// loaded by the small loader below (eval, with a sourceURL so stack frames keep their file names).
// The snapshot has no main function: a process started from it runs its own entry, after
// snapshot-start.cjs (a --require) put that TypeScript module into Node's require cache.
// Plain CommonJS, built-in modules only; never node:v8 (see the end of build()).
"use strict";

const fs = require("node:fs");
const path = require("node:path");

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
  // Node 22 restores the per-isolate templates of the bindings loaded here into a worker thread of
  // a process started from the snapshot, but not the bindings themselves: the worker's first
  // stream (net, child_process with pipes, tsx's esbuild service) sets the stream_wrap templates
  // again and aborts on an assertion. Nothing here may load it (node:v8 does, through its heap
  // utilities: hence no main function, see snapshot-start.cjs).
  if (process.moduleLoadList.includes("Internal Binding stream_wrap")) {
    throw new Error("snapshot builder: Node's stream_wrap binding was loaded while building; a worker thread of a process started from this snapshot would abort on Node 22");
  }
}

build();
