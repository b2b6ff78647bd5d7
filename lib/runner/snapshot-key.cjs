// Which startup snapshot this install would use, and how a child starts from it (see
// startup-snapshot.ts): the decisions made before the cells' process is forked. Plain CommonJS,
// built-in modules only, so that early-child.cjs can make them before tsx has loaded;
// startup-snapshot.ts uses the same functions.
"use strict";

const { createHash } = require("node:crypto");
const { existsSync, readFileSync, statSync } = require("node:fs");
const path = require("node:path");
const { childBundlePath } = require("./child-bundle.cjs");

const RUNNER_DIR = __dirname;
/** Loaded first in a child started from the snapshot (the snapshot has no main function). */
const START = path.join(RUNNER_DIR, "snapshot-start.cjs");
/** The files whose code the snapshot holds or whose behaviour it bakes in. */
const SNAPSHOT_SOURCES = ["snapshot-entry.cjs", "snapshot-start.cjs", "shared-lib-files.cjs", "tslab-check-cache.cjs", "declaration-jsdoc.cjs"];
/** Environment variables TypeScript reads once, when its module loads. */
const TS_LOAD_ENV = ["TSC_WATCHFILE", "TSC_NONPOLLING_WATCHER", "TSC_WATCHDIRECTORY", "TS_ETW_MODULE_PATH"];

function projectRoot() {
  // node_modules/tslab/package.json -> the folder holding node_modules
  return path.dirname(path.dirname(path.dirname(require.resolve("tslab/package.json"))));
}

function fileStamp(file) {
  try {
    const s = statSync(file);
    return `${file}:${s.size}:${s.mtimeMs}`;
  } catch {
    return `${file}:absent`;
  }
}

/** The snapshot this install would use (whether or not it exists yet); undefined when turned off. */
function startupSnapshot(env = process.env) {
  if (env.NB_RUNNER_SNAPSHOT === "0") return undefined;
  // TypeScript reads these when it loads, which for a snapshot was at build time.
  if (TS_LOAD_ENV.some((name) => env[name] !== undefined)) return undefined;
  const cwd = projectRoot();
  const h = createHash("sha256");
  h.update(`${process.version}\0${process.versions.v8}\0${process.arch}\0${process.platform}\0`);
  h.update(fileStamp(require.resolve("@tslab/typescript-for-tslab")));
  h.update(fileStamp(require.resolve("tslab/package.json")));
  for (const lock of ["package-lock.json", "npm-shrinkwrap.json"]) {
    const file = path.join(cwd, lock);
    if (existsSync(file)) h.update(readFileSync(file));
  }
  for (const f of SNAPSHOT_SOURCES) h.update(readFileSync(path.join(RUNNER_DIR, f)));
  const key = h.digest("hex").slice(0, 32);
  const dir = env.NB_RUNNER_CACHE_DIR || path.join(cwd, "node_modules", ".cache", "nb-runner");
  return { blob: path.join(dir, `startup-${key}.blob`), key, cwd, bundle: childBundlePath(dir) };
}

/** The blob is there and whole: its build finished and checked it (a truncated file is not used). */
function snapshotReady(snapshot) {
  try {
    const made = JSON.parse(readFileSync(`${snapshot.blob}.json`, "utf8"));
    return made.key === snapshot.key && made.size === statSync(snapshot.blob).size;
  } catch {
    return false;
  }
}

/** The child's bundle for the runner's current sources is there (built with the snapshot). */
function childBundleReady(snapshot) {
  return existsSync(snapshot.bundle);
}

/**
 * The child's Node flags when it starts from `snapshot`, without tsx (which a child running the
 * plain bundle does not need; the caller adds it back for a TypeScript entry); undefined when it
 * cannot start from it.
 */
function snapshotExecArgv(snapshot, execArgv) {
  const rest = execArgv.filter((a, i) => !(a === "tsx" && execArgv[i - 1] === "--import") && a !== "--import=tsx" && !(a === "--import" && execArgv[i + 1] === "tsx"));
  // A snapshot is built without flags; a child with others (--inspect, --expose-gc…) starts without
  // it, except for the CPU profiler's, which do not touch the heap.
  if (rest.some((a) => !a.startsWith("--cpu-prof")) || !snapshotReady(snapshot)) return undefined;
  return [...rest, "--snapshot-blob", snapshot.blob, "--require", START];
}

/** Environment for a child started from `snapshot`: snapshot-start.cjs checks the key and puts back the flags it would have had. */
function snapshotEnv(snapshot, execArgv) {
  return { ...process.env, NB_RUNNER_SNAPSHOT_KEY: snapshot.key, NB_RUNNER_EXEC_ARGV: JSON.stringify(execArgv) };
}

const EARLY_CHILD = path.join(RUNNER_DIR, "early-child.cjs");

/**
 * The Node flags the cells' child gets: this process's, without the test runner's nor the
 * early-child preload's (the child must not fork a child of its own).
 */
function inheritedExecArgv(execArgv = process.execArgv) {
  const preload = (a) => path.resolve(a) === EARLY_CHILD;
  return execArgv.filter((a, i) => {
    if (a.startsWith("--test")) return false;
    if ((a === "--require" || a === "-r") && preload(execArgv[i + 1] ?? "")) return false;
    if ((execArgv[i - 1] === "--require" || execArgv[i - 1] === "-r") && preload(a)) return false;
    return !(a.startsWith("--require=") && preload(a.slice("--require=".length)));
  });
}

module.exports = { START, SNAPSHOT_SOURCES, startupSnapshot, snapshotReady, childBundleReady, snapshotExecArgv, snapshotEnv, inheritedExecArgv };
