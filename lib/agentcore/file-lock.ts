/**
 * A lock file next to a file, for short read-modify-write sections shared by processes (a notebook
 * cell and `npm run cleanup` writing the same ledger). Taken with O_EXCL; a lock whose holder died
 * (its pid is gone on this host) or that is older than `staleMs` is moved aside and taken over.
 * Synchronous on purpose: the ledger's API is synchronous and the sections last milliseconds.
 */
import { closeSync, linkSync, mkdirSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from "node:fs";
import { dirname } from "node:path";
import { hostname } from "node:os";
import { randomUUID } from "node:crypto";

export interface LockOptions {
  /** Give up after this long (default 30 s): something holds the lock far longer than it should. */
  timeoutMs?: number;
  /** A lock older than this is a leftover, whatever its pid says (default 60 s). */
  staleMs?: number;
}

interface Holder {
  pid: number;
  host: string;
  at: number;
}

const pause = new Int32Array(new SharedArrayBuffer(4));
const sleep = (ms: number) => Atomics.wait(pause, 0, 0, ms);

/** Runs `fn` while holding `<file>.lock`. */
export function withFileLock<T>(file: string, fn: () => T, opts: LockOptions = {}): T {
  const lock = `${file}.lock`;
  acquire(lock, opts.timeoutMs ?? 30_000, opts.staleMs ?? 60_000);
  try {
    return fn();
  } finally {
    try {
      unlinkSync(lock);
    } catch {
      // Taken over as stale by someone else: nothing of ours to remove.
    }
  }
}

function acquire(lock: string, timeoutMs: number, staleMs: number): void {
  const deadline = Date.now() + timeoutMs;
  const me: Holder = { pid: process.pid, host: hostname(), at: Date.now() };
  for (let wait = 2; ; wait = Math.min(wait * 2, 50)) {
    try {
      const fd = openSync(lock, "wx", 0o600);
      try {
        writeSync(fd, JSON.stringify({ ...me, at: Date.now() }));
      } finally {
        closeSync(fd);
      }
      return;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === "ENOENT") {
        // The folder is not there yet (a ledger folder named by AGENTCORE_LEDGER_DIR): make it.
        mkdirSync(dirname(lock), { recursive: true });
        continue;
      }
      if (code !== "EEXIST") throw e;
    }
    const holder = readHolder(lock);
    if (holder === "gone") continue;
    if (holder && isStale(holder, staleMs)) {
      breakStale(lock, holder);
      continue;
    }
    if (Date.now() > deadline) {
      const who = holder ? `process ${holder.pid} on ${holder.host}` : "an unknown process";
      throw new Error(`The ledger lock ${lock} is held by ${who}. Wait for it to finish; if no such process runs, delete ${lock}.`);
    }
    sleep(wait);
  }
}

function readHolder(lock: string): Holder | undefined | "gone" {
  let text: string;
  try {
    text = readFileSync(lock, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return "gone";
    throw e;
  }
  try {
    const h = JSON.parse(text) as Holder;
    return typeof h.pid === "number" && typeof h.at === "number" ? h : undefined;
  } catch {
    // Being written this very moment, or a torn leftover: judged by age once it is old enough.
    return undefined;
  }
}

function isStale(holder: Holder, staleMs: number): boolean {
  if (Date.now() - holder.at > staleMs) return true;
  if (holder.host !== hostname()) return false;
  try {
    process.kill(holder.pid, 0);
    return false;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "ESRCH";
  }
}

/**
 * Moves the stale lock aside, then checks that what was moved is the lock judged stale: two
 * processes may judge the same leftover at once, and the second must not remove the first's fresh lock.
 */
function breakStale(lock: string, judged: Holder): void {
  const aside = `${lock}.stale-${randomUUID().slice(0, 8)}`;
  try {
    renameSync(lock, aside);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return;
    throw e;
  }
  const moved = readHolder(aside);
  const same = moved !== "gone" && moved !== undefined && moved.pid === judged.pid && moved.at === judged.at;
  if (!same) {
    // A live lock taken by mistake: put it back unless a new one is already there.
    try {
      linkSync(aside, lock);
    } catch {
      // Someone holds the lock now; theirs stands.
    }
  }
  try {
    unlinkSync(aside);
  } catch {
    // Already gone.
  }
}
