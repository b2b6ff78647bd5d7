// Every tslab converter builds its first program from scratch: it parses the standard library
// typings (lib.*.d.ts) and every @types package, more than a second, although a second notebook run
// in the same process would parse the very same files. TypeScript's language service shares such
// files across programs (its DocumentRegistry); this does the same for tslab's converters: a
// declaration file under node_modules, once parsed, is handed to the next converter when its text
// and the compiler options are the same, else parsed anew. Cells, the previous cells' declarations
// and the notebook's own files are never shared. What each program computes from a file (module
// resolutions, types, diagnostics) is its own, as in the language service.
//
// The hook: tslab calls ts.createWatchCompilerHost; the watch program then passes its compiler host
// to host.createProgram for every program, and we wrap that host's getSourceFileByPath. Like
// tslab-check-cache.cjs, the converter gets a copy of the module object with one function replaced.
// Plain CommonJS, installed before tslab's converter loads.
"use strict";

const { statSync } = require("node:fs");

const MODULE = "@tslab/typescript-for-tslab";
const SHAREABLE = /[\\/]node_modules[\\/].*\.d\.ts$/;

/** The process-wide store: key (file, parse options, compiler options) -> { text, sourceFile }. */
function createStore(stats = { hits: 0, parsed: 0, stale: 0 }) {
  return { files: new Map(), stats };
}

function optionsKey(compilerOptions) {
  // rootDir is the notebook's folder: it places outputs; typeRoots (found from that folder) choose
  // which files a program includes. Neither changes how a file parses or binds.
  const { rootDir: _rootDir, typeRoots: _typeRoots, configFilePath: _config, ...rest } = compilerOptions || {};
  return JSON.stringify(rest);
}

/** Wraps one watch program's compiler host so shareable files come from (and go to) `store`. */
/** Size and modification time: a shared file edited while a notebook runs is read again. */
function stampOf(fileName) {
  try {
    const s = statSync(fileName);
    return `${s.size}:${s.mtimeMs}`;
  } catch {
    return undefined; // not a plain file on disk (tslab's virtual paths): not shared
  }
}

function shareFilesOf(compilerHost, compilerOptions, store) {
  const own = new Map(); // path -> { sourceFile, stamp } this converter uses (asked again for every cell's program)
  const original = compilerHost.getSourceFileByPath;
  const optionKey = optionsKey(compilerOptions);
  const byPath = (fileName, path, languageVersionOrOptions, onError, shouldCreateNewSourceFile) => {
    const stamp = SHAREABLE.test(fileName) && !shouldCreateNewSourceFile ? stampOf(fileName) : undefined;
    if (stamp === undefined) return original(fileName, path, languageVersionOrOptions, onError, shouldCreateNewSourceFile);
    const mine = own.get(path);
    if (mine && mine.stamp === stamp) return mine.sourceFile;
    const key = `${path}\0${JSON.stringify(languageVersionOrOptions)}\0${optionKey}`;
    const shared = store.files.get(key);
    if (shared) {
      if (compilerHost.readFile(fileName) === shared.text) {
        store.stats.hits++;
        own.set(path, { sourceFile: shared.sourceFile, stamp });
        return shared.sourceFile;
      }
      store.stats.stale++;
    }
    // Parsed by the watch program's own host, so it watches the file as before.
    const sourceFile = original(fileName, path, languageVersionOrOptions, onError, true);
    if (sourceFile) {
      store.stats.parsed++;
      store.files.set(key, { text: sourceFile.text, sourceFile });
      own.set(path, { sourceFile, stamp });
    }
    return sourceFile;
  };
  compilerHost.getSourceFileByPath = byPath;
  compilerHost.getSourceFile = (fileName, ...args) => byPath(fileName, compilerHost.toPath(fileName), ...args);
}

/**
 * Makes `require("@tslab/typescript-for-tslab")` return a copy of the module whose
 * createWatchCompilerHost shares parsed declaration files across converters (idempotent; install
 * after tslab-check-cache.cjs, which makes its own copy). Returns the store (its `stats` count
 * files handed over, parsed and found changed).
 */
function installSharedLibFiles(req = require) {
  const path = req.resolve(MODULE);
  const ts = req(MODULE);
  if (ts.createWatchCompilerHost.sharedStore) return ts.createWatchCompilerHost.sharedStore;
  const store = createStore();
  const originalCreateHost = ts.createWatchCompilerHost;
  const createWatchCompilerHost = function (...args) {
    const host = originalCreateHost(...args);
    const createProgram = host.createProgram;
    const wrapped = new WeakSet();
    host.createProgram = (rootNames, options, compilerHost, ...rest) => {
      if (compilerHost && !wrapped.has(compilerHost)) {
        wrapped.add(compilerHost);
        shareFilesOf(compilerHost, options, store);
      }
      return createProgram(rootNames, options, compilerHost, ...rest);
    };
    return host;
  };
  createWatchCompilerHost.sharedStore = store;
  const descriptors = Object.getOwnPropertyDescriptors(ts);
  descriptors.createWatchCompilerHost = { value: createWatchCompilerHost, enumerable: true };
  req.cache[path].exports = Object.defineProperties({}, descriptors);
  return store;
}

module.exports = { installSharedLibFiles };
