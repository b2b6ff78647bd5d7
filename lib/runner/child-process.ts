/**
 * The child process that runs the cells: started from the runner's startup snapshot when there is
 * one (startup-snapshot.ts), kept between the notebooks of a batch, and startable before the rest
 * of the runner has loaded (prestartChild), so that its start-up and the parent's overlap.
 */
import { type ChildProcess, fork } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { backgroundBuildAllowed, buildSnapshotInBackground, childBundleReady, discardSnapshot, snapshotEnv, snapshotExecArgv, startupSnapshot } from "./startup-snapshot.js";
import type { FromChild } from "./supervised-run.js";

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

/** The child needs the loader this process was started with (tsx) to load TypeScript; test-runner flags it must not get. */
function childExecArgv(): string[] {
  const args = process.execArgv.filter((a) => !a.startsWith("--test"));
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
  // Built when the run ends, not during it: the build would take the cores the cells need.
  const buildLater = () => {
    if (snapshot && !buildScheduled) {
      buildScheduled = true;
      process.once("exit", () => buildSnapshotInBackground(snapshot));
    }
  };
  if (!snapshot || !flags) {
    buildLater();
    return plainFork();
  }
  // The child's code bundled, without tsx, when built; else run-child.ts through tsx (and the bundle built later).
  const bundled = childBundleReady(snapshot);
  const entry = bundled && !needsTsx ? snapshot.bundle : CHILD_ENTRY;
  debug(entry !== CHILD_ENTRY ? "child bundle used" : bundled ? "child bundle not used: a --require module is TypeScript" : "child bundle none yet");
  if (!bundled) buildLater();
  // A TypeScript entry through tsx, as without the snapshot.
  const entryFlags = entry.endsWith(".ts") ? [...flags, "--import", "tsx"] : flags;
  const child = fork(entry, [], { stdio: ["ignore", "inherit", "inherit", "ipc"], execArgv: entryFlags, env: snapshotEnv(snapshot, execArgv), serialization: "advanced" });
  const booted = await new Promise<boolean>((resolve) => {
    const onMessage = (m: FromChild) => {
      if (m.type === "booted") done(true);
    };
    const onExit = () => done(false);
    const done = (ok: boolean) => {
      child.off("message", onMessage);
      child.off("exit", onExit);
      resolve(ok);
    };
    child.on("message", onMessage);
    child.on("exit", onExit);
  });
  if (booted) return child;
  process.stderr.write("note: the runner's startup snapshot could not be used and was removed; running without it\n");
  discardSnapshot(snapshot);
  buildLater();
  return plainFork();
}
let buildScheduled = false;

/** Arguments after which no notebook runs (help, version, parameter listing), or that ask for a child of another kind (--require). */
const NO_EARLY_CHILD = /^(-h|--help|-V|--version|--list-parameters|-r|--require)(=|$)/;

/**
 * Starts the cells' child now, for a command line that will run notebooks: the caller (the nb
 * command) then loads the rest of the runner while the child starts, on the other core. Undefined
 * when the arguments say no notebook runs. A child nobody takes ends with this process.
 */
export function prestartChild(argv: string[]): ReusableChild | undefined {
  if (argv.length === 0 || argv.some((a) => NO_EARLY_CHILD.test(a))) return undefined;
  const keep = new ReusableChild();
  keep.pending = forkChild(false);
  keep.pending.catch(() => {}); // a child that cannot start: the run forks its own
  return keep;
}
