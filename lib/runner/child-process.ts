/**
 * The child process that runs the cells: started from the runner's startup snapshot when there is
 * one (startup-snapshot.ts), kept between the notebooks of a batch, and startable before the rest
 * of the runner has loaded (prestartChild), so that its start-up and the parent's overlap.
 */
import { type ChildProcess, fork } from "node:child_process";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import {
  backgroundBuildAllowed,
  buildSnapshotInBackground,
  childBundleReady,
  discardSnapshot,
  snapshotEnv,
  snapshotExecArgv,
  startupSnapshot,
  type StartupSnapshot,
} from "./startup-snapshot.js";
import type { FromChild } from "./supervised-run.js";

const req = createRequire(import.meta.url);
/** The child `npm run nb` forks before tsx loads (early-child.cjs), and the flags a child inherits. */
interface EarlyChild {
  child: ChildProcess;
  snapshot: StartupSnapshot;
  execArgv: string[];
  booted: boolean | undefined;
}
const early = req("./early-child.cjs") as { earlyChildWanted(argv: string[]): boolean; takeEarlyChild(): EarlyChild | undefined };
const { inheritedExecArgv } = req("./snapshot-key.cjs") as { inheritedExecArgv(execArgv?: string[]): string[] };

/**
 * The child kept between the notebooks of a batch: the next notebook then finds TypeScript loaded
 * and the library typings parsed. The child offers itself only when the cells left nothing running
 * (see run-child.ts); otherwise, or when it ended, the next notebook gets a new one.
 */
export class ReusableChild {
  child: ChildProcess | undefined;
  /** A child still starting (see prestartChild). */
  pending: Promise<ChildProcess> | undefined;
  /** The kept (or starting) child when it is still alive and connected; it is no longer kept. */
  async take(): Promise<ChildProcess | undefined> {
    const c = this.child ?? (await this.pending?.catch(() => undefined));
    this.child = undefined;
    this.pending = undefined;
    return c && c.connected && c.exitCode === null && c.signalCode === null ? c : undefined;
  }
  /** Lets the idle child end (it exits when its parent disconnects). */
  close(): void {
    if (this.child?.connected) this.child.disconnect();
    void this.pending?.then((c) => c.connected && c.disconnect(), () => {});
    this.child = undefined;
    this.pending = undefined;
  }
}

const CHILD_ENTRY = fileURLToPath(new URL(`./run-child${path.extname(fileURLToPath(import.meta.url))}`, import.meta.url));

/** The child needs the loader this process was started with (tsx) to load TypeScript; test-runner flags (and the early-child preload) it must not get. */
function childExecArgv(): string[] {
  const args = inheritedExecArgv();
  if (CHILD_ENTRY.endsWith(".ts") && !args.some((a) => a.includes("tsx"))) args.push("--import", "tsx");
  return args;
}

/**
 * A child started from the runner's startup snapshot when there is one (see startup-snapshot.ts), else as before.
 * `needsTsx`: a --require module is TypeScript, so not the child bundle (which runs without tsx).
 */
export async function forkChild(needsTsx: boolean): Promise<ChildProcess> {
  const execArgv = childExecArgv();
  const plainFork = () => fork(CHILD_ENTRY, [], { stdio: ["ignore", "inherit", "inherit", "ipc"], execArgv, serialization: "advanced" }); // parameters are a Map
  let snapshot;
  try {
    snapshot = startupSnapshot();
  } catch {
    snapshot = undefined; // an optimisation: whatever stops it, the run starts as before
  }
  const flags = snapshot && snapshotExecArgv(snapshot, execArgv);
  const debug = (what: string) => process.env.NB_RUNNER_SNAPSHOT_DEBUG && process.stderr.write(`startup snapshot: ${what}\n`);
  const later = backgroundBuildAllowed() ? "built in the background when this run ends" : "not built in the background under a test runner or CI; npm run nb:snapshot builds it";
  debug(!snapshot ? "off" : flags ? "used" : `none yet (${later})`);
  if (!snapshot || !flags) {
    if (snapshot) buildLater(snapshot);
    return plainFork();
  }
  // The child's code bundled, without tsx, when built; else run-child.ts through tsx (and the bundle built later).
  const bundled = childBundleReady(snapshot);
  const entry = bundled && !needsTsx ? snapshot.bundle : CHILD_ENTRY;
  debug(entry !== CHILD_ENTRY ? "child bundle used" : bundled ? "child bundle not used: a --require module is TypeScript" : "child bundle none yet");
  if (!bundled) buildLater(snapshot);
  // A TypeScript entry through tsx, as without the snapshot.
  const entryFlags = entry.endsWith(".ts") ? [...flags, "--import", "tsx"] : flags;
  const child = fork(entry, [], { stdio: ["ignore", "inherit", "inherit", "ipc"], execArgv: entryFlags, env: snapshotEnv(snapshot, execArgv), serialization: "advanced" });
  return startedOrPlain(child, snapshot, undefined, plainFork);
}
let buildScheduled = false;
/** Built when the run ends, not during it: the build would take the cores the cells need. */
function buildLater(snapshot: StartupSnapshot): void {
  if (buildScheduled) return;
  buildScheduled = true;
  process.once("exit", () => buildSnapshotInBackground(snapshot));
}

/**
 * `child` once it says it started from `snapshot` (`booted`: it already said so, or ended); a
 * child that could not start from it means the snapshot goes, and the run starts without it.
 */
async function startedOrPlain(child: ChildProcess, snapshot: StartupSnapshot, booted: boolean | undefined, plainFork: () => ChildProcess): Promise<ChildProcess> {
  const ok =
    booted ??
    (await new Promise<boolean>((resolve) => {
      const onMessage = (m: FromChild) => {
        if (m.type === "booted") done(true);
      };
      const onExit = () => done(false);
      const done = (started: boolean) => {
        child.off("message", onMessage);
        child.off("exit", onExit);
        resolve(started);
      };
      child.on("message", onMessage);
      child.on("exit", onExit);
    }));
  if (ok) return child;
  process.stderr.write("note: the runner's startup snapshot could not be used and was removed; running without it\n");
  discardSnapshot(snapshot);
  buildLater(snapshot);
  return plainFork();
}

/** The child early-child.cjs forked before the runner loaded, once it has started. */
function adoptEarlyChild(e: EarlyChild): Promise<ChildProcess> {
  if (process.env.NB_RUNNER_SNAPSHOT_DEBUG) process.stderr.write(`startup snapshot: used\nstartup snapshot: child bundle used (started before the runner loaded, pid ${e.child.pid})\n`);
  const plainFork = () => fork(CHILD_ENTRY, [], { stdio: ["ignore", "inherit", "inherit", "ipc"], execArgv: childExecArgv(), serialization: "advanced" });
  return startedOrPlain(e.child, e.snapshot, e.booted, plainFork);
}

/**
 * Starts the cells' child now, for a command line that will run notebooks: the caller (the nb
 * command) then loads the rest of the runner while the child starts, on the other core. Undefined
 * when the arguments say no notebook runs. A child nobody takes ends with this process.
 */
export function prestartChild(argv: string[]): ReusableChild | undefined {
  if (!early.earlyChildWanted(argv)) return undefined;
  const keep = new ReusableChild();
  const started = early.takeEarlyChild();
  keep.pending = started ? adoptEarlyChild(started) : forkChild(false);
  keep.pending.catch(() => {}); // a child that cannot start: the run forks its own
  return keep;
}
