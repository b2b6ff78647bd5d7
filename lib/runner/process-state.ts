/**
 * What a notebook's cells can leave in the process that runs them, so that the next notebook of a
 * batch can run in the same process (sharing the loaded compiler and parsed typings) and still
 * start from a fresh kernel state: environment variables, working directory, properties added to
 * or changed on globalThis, and modules the cells loaded (unloaded, so the next notebook loads
 * them afresh, module-level state included). What cannot be undone (a timer, socket, server or
 * child process still running) is reported by `leftHandles`, and the caller then uses a new process.
 */
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

const req = createRequire(import.meta.url);
/** The compiler, tslab and the runner's own hooks stay loaded: sharing them is the point; they hold no cell state. */
const KEEP_LOADED = /[\\/]node_modules[\\/](?:tslab|@tslab)[\\/]/;
const RUNNER_DIR = path.dirname(fileURLToPath(import.meta.url)) + path.sep;
const keepLoaded = (id: string) => KEEP_LOADED.test(id) || id.startsWith(RUNNER_DIR);
/** Handles the runner's own terminal output opens on first use, and requests that end by themselves. */
const IGNORED_HANDLES = new Set(["TTYWrap", "FSReqCallback", "FSReqPromise", "CloseReq"]);

export interface ProcessSnapshot {
  /** Puts back what the snapshot saw (see above). */
  restore(): void;
  /** Kinds of handles alive now that were not before (timers, sockets, processes…); empty if none. */
  leftHandles(): string[];
}

function countOf(list: string[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const k of list) m.set(k, (m.get(k) ?? 0) + 1);
  return m;
}

export function snapshotProcess(): ProcessSnapshot {
  const env = { ...process.env };
  const cwd = process.cwd();
  const globals = new Map(Reflect.ownKeys(globalThis).map((k) => [k, Object.getOwnPropertyDescriptor(globalThis, k)!]));
  const modules = new Set(Object.keys(req.cache));
  // Node creates the standard streams on first use: made now, so that a cell's first use of one is
  // not taken for a handle it left behind.
  void process.stdout;
  void process.stderr;
  const handles = countOf(process.getActiveResourcesInfo());
  return {
    restore() {
      for (const key of Object.keys(process.env)) if (!(key in env)) delete process.env[key];
      for (const [key, value] of Object.entries(env)) if (process.env[key] !== value) process.env[key] = value;
      process.chdir(cwd);
      for (const key of Reflect.ownKeys(globalThis)) {
        const before = globals.get(key);
        if (!before) Reflect.deleteProperty(globalThis, key);
        else {
          const now = Object.getOwnPropertyDescriptor(globalThis, key)!;
          const same = now.value === before.value && now.get === before.get && now.set === before.set;
          if (!same && now.configurable) Object.defineProperty(globalThis, key, before);
          else if (!same && now.writable) (globalThis as Record<PropertyKey, unknown>)[key] = before.value;
        }
      }
      for (const [key, descriptor] of globals) if (!Object.prototype.hasOwnProperty.call(globalThis, key)) Object.defineProperty(globalThis, key, descriptor);
      for (const id of Object.keys(req.cache)) if (!modules.has(id) && !keepLoaded(id)) delete req.cache[id];
    },
    leftHandles() {
      const now = countOf(process.getActiveResourcesInfo());
      const left: string[] = [];
      for (const [kind, n] of now) if (!IGNORED_HANDLES.has(kind) && n > (handles.get(kind) ?? 0)) left.push(kind);
      return left;
    },
  };
}
