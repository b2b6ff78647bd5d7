/**
 * The agent type checker that stays warm: a worker thread that loads TypeScript and parses the
 * tutorial agents' packages once (started by `session()`, so by the time a cell writes an agent
 * the worker has done most of a check's work in the background), then checks each agent file
 * written with `writeAgentFile`. The check is the same (agent-check.ts); only where and when its
 * parsing happens changes. `writeAgentFile` is synchronous, so the caller waits on a shared flag
 * (Atomics.wait) and takes the answer with receiveMessageOnPort. A worker that cannot start or
 * answer is dropped and the file is checked in this thread, as before.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from "node:worker_threads";
import { PROJECT_DIR } from "../project-dir.js";
import { checkAgentFileHere, parseStats, type AgentCheckStats, type AgentTypeError } from "./agent-check.js";

/** What the warm-up checks: the tutorial agents, whose imports the notebooks' agents share. */
export const WARM_UP_AGENTS = ["strands_agents_openai_identity.ts", "strands_agents_openai.ts"].map((f) => join(PROJECT_DIR, "assets", "agents", f));

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

let checker: Checker | undefined;

/** Where the last check ran and how many parsed files it reused (tests, the bench). */
export const agentCheckCache: AgentCheckStats & { worker: boolean } = { reused: 0, parsed: 0, worker: false };

/** Starts the warm checker (once; later calls do nothing). Never throws: a checker that cannot start is simply absent. */
export function startAgentChecker(warm: string[] = WARM_UP_AGENTS): void {
  if (checker) return;
  try {
    const { port1, port2 } = new MessageChannel();
    const signal = new Int32Array(new SharedArrayBuffer(8));
    const worker = new Worker(new URL("./agent-check-worker.mjs", import.meta.url), {
      workerData: { port: port2, signal, warm: warm.filter((f) => existsSync(f)) },
      transferList: [port2],
      stdout: true, // a stray line from the worker must not land in a cell's output
      stderr: true,
    });
    worker.unref(); // never keeps a kernel or a script alive
    port1.unref();
    worker.on("error", () => stopAgentChecker());
    checker = { worker, port: port1, signal };
  } catch {
    checker = undefined;
  }
}

/** Stops the worker (tests; a checker that failed). */
export function stopAgentChecker(): void {
  const c = checker;
  checker = undefined;
  if (c) void c.worker.terminate().catch(() => {});
}

/** The worker's answer for `file`, or undefined when there is no worker or it did not answer. */
function askWorker(file: string): AgentTypeError[] | undefined {
  const c = checker;
  if (!c) return undefined;
  const before = Atomics.load(c.signal, ANSWERS);
  c.port.postMessage({ file });
  const deadline = Date.now() + ANSWER_TIMEOUT_MS;
  while (Atomics.load(c.signal, ANSWERS) === before) {
    const left = deadline - Date.now();
    if (left <= 0 || Atomics.load(c.signal, FAILED) !== 0) {
      stopAgentChecker();
      return undefined;
    }
    Atomics.wait(c.signal, ANSWERS, before, Math.min(left, 250));
  }
  const reply = receiveMessageOnPort(c.port)?.message as { errors?: AgentTypeError[]; stats?: AgentCheckStats; failure?: string } | undefined;
  if (!reply?.errors) {
    stopAgentChecker();
    return undefined;
  }
  agentCheckCache.reused = reply.stats!.reused;
  agentCheckCache.parsed = reply.stats!.parsed;
  agentCheckCache.worker = true;
  return reply.errors;
}

/** The type errors in an agent file (an empty list when it is fine): by the warm worker if it runs, else here. */
export function checkAgentFile(file: string): AgentTypeError[] {
  const fromWorker = askWorker(file);
  if (fromWorker) return fromWorker;
  const errors = checkAgentFileHere(file);
  agentCheckCache.reused = parseStats.reused;
  agentCheckCache.parsed = parseStats.parsed;
  agentCheckCache.worker = false;
  return errors;
}
