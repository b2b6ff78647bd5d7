/**
 * The agent type checker that stays warm: a worker thread that loads TypeScript and parses the
 * tutorial agents' packages once (started by the kernel's startup code, kernel-startup.cjs, before
 * the first cell, else by `session()`, so by the time a cell writes an agent the worker has done
 * most of a check's work in the background), then checks each agent file
 * written with `writeAgentFile`. The check is the same (agent-check.ts); only where and when its
 * work happens changes. The worker also checks the tutorial's agents ahead, as they would be
 * written in the notebook's folder: when a cell writes exactly that file, the program is the very
 * same one and its result is the answer (any other file, or any change, is checked in full).
 * `writeAgentFile` is synchronous, so the caller waits on a shared flag (Atomics.wait) and takes
 * the answer with receiveMessageOnPort. A worker that cannot start or answer is dropped and the
 * file is checked in this thread, as before.
 */
import { existsSync, readFileSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from "node:worker_threads";
import { PROJECT_DIR } from "../project-dir.js";
import { checkAgentFileHere, parseStats, type AgentCheckStats, type AgentTypeError } from "./agent-check.js";

/** What the checker prepares: the tutorial agents (notebook 01's), whose imports the notebooks' agents share. */
export const WARM_UP_AGENTS: string[] = ["strands_agents_openai.ts", "strands_agents_openai_identity.ts"].map((f) => join(PROJECT_DIR, "assets", "agents", f));

/** Longer than any check takes on a loaded machine; after it the file is checked here instead. */
const ANSWER_TIMEOUT_MS = 120_000;

/** The shared flags: answers given so far, and whether the worker failed to start. */
const ANSWERS = 0;
const FAILED = 1;

interface Checker {
  worker: Worker;
  port: MessagePort;
  signal: Int32Array;
}

/** A file the worker checks ahead: where a cell would write it, and the text. */
export interface AheadFile {
  file: string;
  text: string;
}

/**
 * One checker per process, even when the library is loaded twice (the runner imports it as ES
 * modules, tslab's cells through CommonJS): whoever starts it first, the cells use it.
 */
interface CheckerState {
  checker?: Checker;
  /** Files already sent to be checked ahead (file and text). */
  ahead: Set<string>;
}
const STATE_KEY = Symbol.for("agentcore-kit.agent-checker");
const state: CheckerState = ((globalThis as Record<symbol, CheckerState | undefined>)[STATE_KEY] ??= { ahead: new Set() });

/** Where the last check ran, how many parsed files it reused and whether it reused a whole check (tests, the bench). */
export const agentCheckCache: AgentCheckStats & { worker: boolean } = { reused: 0, parsed: 0, sameProgram: 0, recorded: 0, worker: false };

/** The tutorial's agents as a cell in `dir` would write them (the templates' text). */
export function tutorialAgentsIn(dir: string, templates: string[] = WARM_UP_AGENTS): AheadFile[] {
  return templates.filter((f) => existsSync(f)).map((f) => ({ file: resolve(dir, basename(f)), text: readFileSync(f, "utf8") }));
}

/**
 * Starts the warm checker (once; later calls only add files to check ahead). With `ahead`, the
 * worker checks those (their programs parse everything the warm-up would, unless records of earlier
 * checks answer them: agent-check-record.ts); without, it parses and binds `warm`. Never throws: a
 * checker that cannot start is simply absent.
 */
export function startAgentChecker(options: { warm?: string[]; ahead?: AheadFile[] } = {}): void {
  const ahead = newAhead(options.ahead ?? []);
  if (state.checker) {
    if (ahead.length > 0) state.checker.port.postMessage({ ahead });
    return;
  }
  try {
    const { port1, port2 } = new MessageChannel();
    const signal = new Int32Array(new SharedArrayBuffer(8));
    const warm = ahead.length > 0 ? [] : (options.warm ?? WARM_UP_AGENTS).filter((f) => existsSync(f));
    const worker = new Worker(new URL("./agent-check-worker.mjs", import.meta.url), {
      workerData: { port: port2, signal, warm, ahead },
      transferList: [port2],
      stdout: true, // a stray line from the worker must not land in a cell's output
      stderr: true,
    });
    worker.unref(); // never keeps a kernel or a script alive
    port1.unref();
    worker.on("error", () => stopAgentChecker());
    state.checker = { worker, port: port1, signal };
  } catch {
    state.checker = undefined;
  }
}

function newAhead(files: AheadFile[]): AheadFile[] {
  const fresh = files.filter((f) => !state.ahead.has(`${f.file}\0${f.text}`));
  for (const f of fresh) state.ahead.add(`${f.file}\0${f.text}`);
  return fresh;
}

/** Whether the checker runs in this process, and the files it was given to check ahead (tests: who started it, when). */
export function agentCheckerStatus(): { running: boolean; ahead: string[] } {
  return { running: state.checker !== undefined, ahead: [...state.ahead].map((key) => key.slice(0, key.indexOf("\0"))) };
}

/** Stops the worker (tests; a checker that failed). */
export function stopAgentChecker(): void {
  const c = state.checker;
  state.checker = undefined;
  state.ahead.clear();
  if (c) void c.worker.terminate().catch(() => {});
}

interface Reply {
  errors?: AgentTypeError[];
  stats?: AgentCheckStats;
  settled?: boolean;
  failure?: string;
}

/** The worker's reply to `request`, or undefined when there is no worker or it did not answer. */
function askWorker(request: { file: string } | { settle: true }): Reply | undefined {
  const c = state.checker;
  if (!c) return undefined;
  const before = Atomics.load(c.signal, ANSWERS);
  c.port.postMessage(request);
  const deadline = Date.now() + ANSWER_TIMEOUT_MS;
  while (Atomics.load(c.signal, ANSWERS) === before) {
    const left = deadline - Date.now();
    if (left <= 0 || Atomics.load(c.signal, FAILED) !== 0) {
      stopAgentChecker();
      return undefined;
    }
    Atomics.wait(c.signal, ANSWERS, before, Math.min(left, 250));
  }
  const reply = receiveMessageOnPort(c.port)?.message as Reply | undefined;
  if (!reply || reply.failure) {
    stopAgentChecker();
    return undefined;
  }
  return reply;
}

/** Waits until the worker has done the work it was given ahead (tests, the bench). False without a worker. */
export function settleAgentChecker(): boolean {
  return askWorker({ settle: true })?.settled === true;
}

/** The type errors in an agent file (an empty list when it is fine): by the warm worker if it runs, else here. */
export function checkAgentFile(file: string): AgentTypeError[] {
  const fromWorker = askWorker({ file });
  if (fromWorker?.errors) {
    Object.assign(agentCheckCache, fromWorker.stats, { worker: true });
    return fromWorker.errors;
  }
  const errors = checkAgentFileHere(file);
  Object.assign(agentCheckCache, parseStats, { worker: false });
  return errors;
}
