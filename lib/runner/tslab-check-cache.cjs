// tslab type-checks every cell together with every TypeScript source file the cell imports: a cell
// that imports this project's library (whose types are its .ts sources) re-checks the whole
// library, 2 to 4 s per cell, although the library has not changed since the previous cell.
//
// The check itself is kept. What is cached is the library files' own diagnostics, and only while
// every file of the program other than tslab's two cell files (the cell and the previous cells'
// declarations) is the very same source file TypeScript parsed before: the watch program keeps a
// source file's object while its text is unchanged, so an edit to any library or dependency file
// (a new object) empties the cache. The cell's own diagnostics are computed every time, as are the
// program-wide ones (options, globals). Library files are modules and nothing imports a cell, so
// a cell cannot change what a library file's check finds.
//
// tslab's converter reads TypeScript's getPreEmitDiagnosticsOfFiles from the module object, whose
// properties cannot be redefined; so the converter is given a copy of that module object with this
// one function replaced. Plain CommonJS, installed before tslab's converter loads (the Jupyter
// kernel entry and the headless runner), like tslab-timers.cjs.
"use strict";

const { basename } = require("node:path");

const CELL_FILES = new Set(["__tslab__.ts", "__tslab__.js", "__prev__.d.ts"]);
const isCellFile = (fileName) => CELL_FILES.has(basename(fileName));

/** getPreEmitDiagnosticsOfFiles with the non-cell files' diagnostics cached (see above). */
function cachingPreEmitDiagnostics(ts, stats = { hits: 0, misses: 0, resets: 0 }) {
  let snapshot = new Map(); // fileName -> source file object of every non-cell file when cached
  let cache = new WeakMap(); // source file -> its syntactic, semantic and declaration diagnostics

  function unchanged(program) {
    const files = program.getSourceFiles().filter((f) => !isCellFile(f.fileName));
    if (files.length === snapshot.size && files.every((f) => snapshot.get(f.fileName) === f)) return true;
    snapshot = new Map(files.map((f) => [f.fileName, f]));
    cache = new WeakMap();
    stats.resets++;
    return false;
  }

  function fileDiagnostics(program, sourceFile, token) {
    const out = [...program.getSyntacticDiagnostics(sourceFile, token), ...program.getSemanticDiagnostics(sourceFile, token)];
    const o = program.getCompilerOptions();
    if (o.declaration || o.composite) out.push(...program.getDeclarationDiagnostics(sourceFile, token));
    return out;
  }

  const fn = function getPreEmitDiagnosticsOfFiles(program, sourceFiles, token) {
    unchanged(program);
    const diagnostics = [...program.getConfigFileParsingDiagnostics(), ...program.getOptionsDiagnostics(token), ...program.getGlobalDiagnostics(token)];
    for (const sourceFile of sourceFiles) {
      if (isCellFile(sourceFile.fileName)) {
        diagnostics.push(...fileDiagnostics(program, sourceFile, token));
        continue;
      }
      let found = cache.get(sourceFile);
      if (found) stats.hits++;
      else {
        stats.misses++;
        found = fileDiagnostics(program, sourceFile, token);
        cache.set(sourceFile, found);
      }
      diagnostics.push(...found);
    }
    return ts.sortAndDeduplicateDiagnostics(diagnostics);
  };
  fn.stats = stats;
  return fn;
}

const MODULE = "@tslab/typescript-for-tslab";

/**
 * Makes `require("@tslab/typescript-for-tslab")` return a copy of the module whose
 * getPreEmitDiagnosticsOfFiles caches as described above (idempotent). Returns that function
 * (its `stats` count hits, misses and resets). `req` resolves tslab's packages.
 */
function installTslabCheckCache(req = require) {
  const path = req.resolve(MODULE);
  const ts = req(MODULE);
  if (typeof ts.getPreEmitDiagnosticsOfFiles === "function" && ts.getPreEmitDiagnosticsOfFiles.stats) return ts.getPreEmitDiagnosticsOfFiles;
  const cached = cachingPreEmitDiagnostics(ts);
  const descriptors = Object.getOwnPropertyDescriptors(ts);
  descriptors.getPreEmitDiagnosticsOfFiles = { value: cached, enumerable: true };
  const copy = Object.defineProperties({}, descriptors);
  req.cache[path].exports = copy;
  return cached;
}

module.exports = { installTslabCheckCache, cachingPreEmitDiagnostics, isCellFile };
