/**
 * The runner's V8 startup snapshot: the child that runs the cells starts from a heap that already
 * holds tslab's TypeScript (hooked as the runner hooks it) and the standard library typings and
 * @types parsed and bound (snapshot-entry.cjs), instead of loading and parsing them, about a second
 * of CPU per run.
 *
 * One snapshot per key: Node's and V8's versions, the platform, tslab's TypeScript file, the
 * package lock and the runner's snapshot sources. A run that finds none for its key starts as
 * before and, when it ends, builds one in the background (detached, low priority) for the next run,
 * but not under a test runner or in CI (see backgroundBuildAllowed); `npm run nb:snapshot` builds it
 * in the foreground (for CI, before several runs). A snapshot never
 * changes what a notebook sees: each parsed file is used only while its text equals the file on
 * disk (shared-lib-files.cjs), and a snapshot the child cannot start from is deleted and the run
 * starts without it, with a one-line notice.
 *
 * On by default (NB_RUNNER_SNAPSHOT=0 turns it off): a light notebook starts about a second sooner.
 * The snapshot has no main function and its build loads no stream binding (snapshot-start.cjs says
 * why: on Node 22 a worker thread of the child would abort on its first stream), and each build is
 * checked to start and to let a worker thread spawn a process on pipes (snapshot-check.cjs).
 */
import { spawn } from "node:child_process";
import { rmSync } from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { runnerVersion } from "./version.js";

const req = createRequire(import.meta.url);
const childBundle = req("./child-bundle.cjs") as { buildChildBundle(file: string): boolean };
const RUNNER_DIR = path.dirname(fileURLToPath(import.meta.url));
const BUILDER = path.join(RUNNER_DIR, "snapshot-build.cjs");

export interface StartupSnapshot {
  blob: string;
  key: string;
  /** The child's code as one plain module, loaded without tsx (child-bundle.cjs). */
  bundle: string;
  /** Where the build runs (the project root: typeRoots are found from there). */
  cwd: string;
}

/** The decisions made before the child is forked, in plain CommonJS (early-child.cjs makes them before tsx loads). */
const key = req("./snapshot-key.cjs") as {
  startupSnapshot(env?: NodeJS.ProcessEnv): StartupSnapshot | undefined;
  snapshotReady(snapshot: StartupSnapshot): boolean;
  childBundleReady(snapshot: StartupSnapshot): boolean;
  snapshotExecArgv(snapshot: StartupSnapshot, execArgv: string[]): string[] | undefined;
  snapshotEnv(snapshot: StartupSnapshot, execArgv: string[]): NodeJS.ProcessEnv;
};

/** The snapshot this install would use (whether or not it exists yet); undefined when turned off. */
export const startupSnapshot: (env?: NodeJS.ProcessEnv) => StartupSnapshot | undefined = key.startupSnapshot;
/** The blob is there and whole: its build finished and checked it (a truncated file is not used). */
export const snapshotReady: (snapshot: StartupSnapshot) => boolean = key.snapshotReady;
/** The child's bundle for the runner's current sources is there (built with the snapshot). */
export const childBundleReady: (snapshot: StartupSnapshot) => boolean = key.childBundleReady;
/** The child's Node flags when it starts from `snapshot` (without tsx); undefined when it cannot start from it. */
export const snapshotExecArgv: (snapshot: StartupSnapshot, execArgv: string[]) => string[] | undefined = key.snapshotExecArgv;
/** Environment for a child started from `snapshot`: snapshot-start.cjs checks the key and puts back the flags it would have had. */
export const snapshotEnv: (snapshot: StartupSnapshot, execArgv: string[]) => NodeJS.ProcessEnv = key.snapshotEnv;

/** A snapshot the child could not start from goes; the next run builds a new one. */
export function discardSnapshot(snapshot: StartupSnapshot): void {
  rmSync(`${snapshot.blob}.json`, { force: true });
  rmSync(snapshot.blob, { force: true });
}

/**
 * Whether a run that found no snapshot may leave a build running after it ends. Not under a test
 * runner (Node's sets NODE_TEST_CONTEXT) nor in CI (CI=true or 1): many short runs there, and
 * nothing may outlive a command; `npm run nb:snapshot` builds it in the foreground. Forced either
 * way by NB_RUNNER_SNAPSHOT_BUILD=background or =0.
 */
export function backgroundBuildAllowed(env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.NB_RUNNER_SNAPSHOT_BUILD === "background") return true;
  if (env.NB_RUNNER_SNAPSHOT_BUILD === "0") return false;
  const ci = (env.CI ?? "").toLowerCase();
  return env.NODE_TEST_CONTEXT === undefined && ci !== "true" && ci !== "1";
}

/** Builds the snapshot in a detached, low-priority process that outlives this one (one build at a time per snapshot: a lock). */
export function buildSnapshotInBackground(snapshot: StartupSnapshot): void {
  if (!backgroundBuildAllowed() || (snapshotReady(snapshot) && childBundleReady(snapshot))) return;
  try {
    const child = spawn(process.execPath, [BUILDER, snapshot.blob, snapshot.key, snapshot.cwd], { cwd: snapshot.cwd, detached: true, stdio: "ignore" });
    child.on("error", () => {}); // an optimisation: a failed build costs only the next run's parse
    if (child.pid !== undefined) {
      try {
        os.setPriority(child.pid, 10);
      } catch {}
    }
    child.unref();
  } catch {}
}

/** Builds the snapshot now, in this process's time (`npm run nb:snapshot`); true when it is ready. */
export function buildSnapshotNow(snapshot: StartupSnapshot): boolean {
  if (snapshotReady(snapshot)) return childBundle.buildChildBundle(snapshot.bundle), true;
  const { buildSnapshot } = req("./snapshot-build.cjs") as { buildSnapshot(blob: string, key: string, cwd: string): boolean };
  return buildSnapshot(snapshot.blob, snapshot.key, snapshot.cwd) && snapshotReady(snapshot);
}

const USAGE = `Usage: npm run nb:snapshot [-- --help | --version]

Builds the runner's V8 startup snapshot for this install now (about 5 s), in
node_modules/.cache/nb-runner. Runs use it by default (NB_RUNNER_SNAPSHOT=0 turns it off): a
light notebook starts about a second sooner. Without this command, a run that finds none builds
it in the background when it ends, except under a test runner or in CI (CI=true): there, run
this first. Exit codes: 0 built (or already there), 1 the build failed, 2 bad usage.
`;

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const args = process.argv.slice(2);
  // Building it is asking for it, even where runs are told not to use it (NB_RUNNER_SNAPSHOT=0).
  const snapshot = args.length ? undefined : startupSnapshot({ ...process.env, NB_RUNNER_SNAPSHOT: "1" });
  if (args[0] === "--help" || args[0] === "-h") {
    process.stdout.write(USAGE);
  } else if (args[0] === "--version") {
    console.log(`nb:snapshot (${runnerVersion()}, Node ${process.version})`);
  } else if (args.length) {
    process.stderr.write(`nb:snapshot: unknown argument ${args[0]}\n\n${USAGE}`);
    process.exitCode = 2;
  } else if (!snapshot) {
    console.log("the runner's startup snapshot cannot be used while TypeScript's load-time settings (TSC_*) are set");
  } else {
    const started = performance.now();
    const ok = buildSnapshotNow(snapshot);
    console.log(ok ? `startup snapshot ready (${((performance.now() - started) / 1000).toFixed(1)} s): ${path.relative(process.cwd(), snapshot.blob)}` : "startup snapshot: build failed (runs start without it); NB_RUNNER_SNAPSHOT_DEBUG=1 shows why");
    process.exitCode = ok ? 0 : 1;
  }
}
