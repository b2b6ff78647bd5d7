// Loaded first (node --require) in every process started from the runner's startup snapshot
// (snapshot-entry.cjs), which then runs its own entry as any process does. The snapshot has no
// main function: setting one needs node:v8 while building, and that loads Node's stream_wrap
// binding, which on Node 22 makes any stream in a worker thread of such a process abort.
// Puts the snapshot's TypeScript module into Node's require cache when the key the parent computed
// matches the one baked in, and undoes what the snapshot build changed in the process.
// Plain CommonJS, built-in modules only.
"use strict";

const Module = require("node:module");
const path = require("node:path");

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
const usable = Boolean(baked && wanted === baked.key);
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
if (process.send) process.send({ type: "booted", snapshot: usable });

module.exports = { usable };
