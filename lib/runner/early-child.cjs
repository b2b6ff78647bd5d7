// `npm run nb` loads this first (node --require), before tsx: when the command line will run
// notebooks and the startup snapshot and the child's bundle are ready, it forks the cells' process
// from them at once, about 0.2 s before the runner's own modules could (tsx's start alone is most of
// that), so the child's start-up overlaps the parent's on the other core. The runner takes that
// child (child-process.ts, prestartChild) and checks that it started; in any other case it forks
// its own, as without this file. Plain CommonJS, built-in modules only.
"use strict";

const { fork } = require("node:child_process");
const path = require("node:path");
const key = require("./snapshot-key.cjs");

/** Arguments after which no notebook runs (help, version, parameter listing), or that ask for a child of another kind (--require). */
const NO_EARLY_CHILD = /^(-h|--help|-V|--version|--list-parameters|-r|--require)(=|$)/;
const SLOT = Symbol.for("agentcore-kit.nb-runner.early-child");

/** Whether this command line runs notebooks in a child that may be started before the runner loads. */
function earlyChildWanted(argv) {
  return argv.length > 0 && !argv.some((a) => NO_EARLY_CHILD.test(a));
}

/** Forks the child from the snapshot if everything it needs is ready (once per process). */
function forkEarly(argv, env = process.env) {
  if (globalThis[SLOT] !== undefined || !earlyChildWanted(argv)) return;
  globalThis[SLOT] = null;
  try {
    const snapshot = key.startupSnapshot(env);
    if (!snapshot || !key.childBundleReady(snapshot)) return;
    const execArgv = key.inheritedExecArgv();
    const flags = key.snapshotExecArgv(snapshot, execArgv);
    if (!flags) return;
    const child = fork(snapshot.bundle, [], { stdio: ["ignore", "inherit", "inherit", "ipc"], execArgv: flags, env: key.snapshotEnv(snapshot, execArgv), serialization: "advanced" });
    const early = { child, snapshot, execArgv, booted: undefined };
    // Its first message says whether it started from the snapshot; it may arrive before the runner listens.
    const onMessage = (m) => {
      if (m && m.type === "booted") settle(true);
    };
    const onExit = () => settle(false);
    const settle = (ok) => {
      child.off("message", onMessage);
      child.off("exit", onExit);
      early.booted ??= ok;
    };
    child.on("message", onMessage);
    child.on("exit", onExit);
    globalThis[SLOT] = early;
  } catch {
    // An optimisation: the runner forks its own child.
  }
}

/** The child forked early (once: later calls get undefined), with whether it has booted yet. */
function takeEarlyChild() {
  const early = globalThis[SLOT];
  globalThis[SLOT] = null;
  return early || undefined;
}

const preloaded = process.execArgv.some(
  (a, i) => (a.startsWith("--require=") && path.resolve(a.slice("--require=".length)) === __filename) || ((process.execArgv[i - 1] === "--require" || process.execArgv[i - 1] === "-r") && path.resolve(a) === __filename),
);
if (preloaded) forkEarly(process.argv.slice(2));

module.exports = { earlyChildWanted, takeEarlyChild };
