// The agent checker's worker thread (see agent-check-service.ts). Plain JavaScript, so it starts in
// any host (tslab's kernel loads the library through tsx's CommonJS hook, the runner through
// `--import tsx`); it registers tsx itself to load the TypeScript check.
import { readlinkSync } from "node:fs";
import os from "node:os";
import { workerData } from "node:worker_threads";
import { register } from "tsx/esm/api";

/**
 * Checking ahead must not slow what the learner waits for now (the first cells' own type checks, a
 * Local AgentCore starting): this thread yields the CPU to them. On Linux a thread has its own
 * scheduling priority, set through its thread id; elsewhere (no /proc/thread-self) nothing changes.
 * A blocking check finds the caller's thread waiting, so it runs as fast as before.
 */
function yieldToForeground() {
  try {
    const tid = Number(readlinkSync("/proc/thread-self").split("/").pop());
    if (Number.isInteger(tid) && tid > 0 && tid !== process.pid) os.setPriority(tid, Math.min(19, os.getPriority(tid) + 10));
  } catch {
    // Not Linux, or not allowed: the checker runs at the process's priority.
  }
}
yieldToForeground();

const { port, signal, warm, ahead } = workerData;
const ANSWERS = 0;
const FAILED = 1;

let check;
try {
  register();
  check = await import("./agent-check.ts");
} catch (e) {
  // The caller stops waiting and checks in its own thread.
  Atomics.store(signal, FAILED, 1);
  Atomics.notify(signal, ANSWERS);
  throw e;
}
const { checkAgentFileHere, checkAgentTextAhead, parseStats, saveTypescriptCodeCache, warmAgentCheck } = check;

function answer(message) {
  port.postMessage(message);
  Atomics.add(signal, ANSWERS, 1);
  Atomics.notify(signal, ANSWERS);
}

// Background work, one piece per turn of the event loop, so that a cell's check that arrives
// meanwhile is answered after at most the piece under way.
const queue = [];
let draining = false;
function schedule(work) {
  queue.push(work);
  if (draining) return;
  draining = true;
  setImmediate(function next() {
    const piece = queue.shift();
    try {
      piece?.();
    } catch {
      // Work done ahead that fails only leaves the caches cold; the real check reports for itself.
    }
    if (queue.length > 0) setImmediate(next);
    else {
      draining = false;
      saveTypescriptCodeCache(); // idle: what ran so far is compiled, keep it for the next process
    }
  });
}

port.on("message", (message) => {
  if (message.ahead) {
    for (const { file, text } of message.ahead) schedule(() => checkAgentTextAhead(file, text));
    return;
  }
  if (message.settle) {
    if (draining) schedule(() => answer({ settled: true }));
    else answer({ settled: true });
    return;
  }
  try {
    answer({ errors: checkAgentFileHere(message.file), stats: { ...parseStats } });
  } catch (e) {
    answer({ failure: String(e?.stack ?? e) });
  }
});

if (warm.length > 0) schedule(() => warmAgentCheck(warm)); // parses TypeScript's libs and the packages' declarations
for (const { file, text } of ahead) schedule(() => checkAgentTextAhead(file, text));
