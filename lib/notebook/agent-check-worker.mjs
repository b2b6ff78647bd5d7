// The agent checker's worker thread (see agent-check-service.ts). Plain JavaScript, so it starts in
// any host (tslab's kernel loads the library through tsx's CommonJS hook, the runner through
// `--import tsx`); it registers tsx itself to load the TypeScript check.
import { workerData } from "node:worker_threads";
import { register } from "tsx/esm/api";

const { port, signal, warm } = workerData;
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
const { checkAgentFileHere, parseStats, warmAgentCheck } = check;

function answer(message) {
  port.postMessage(message);
  Atomics.add(signal, ANSWERS, 1);
  Atomics.notify(signal, ANSWERS);
}

// Requests are served in order, after the warm-up: a request that comes during it waits for less
// than a cold check would take.
port.on("message", ({ file }) => {
  try {
    answer({ errors: checkAgentFileHere(file), stats: { ...parseStats } });
  } catch (e) {
    answer({ failure: String(e?.stack ?? e) });
  }
});

try {
  warmAgentCheck(warm); // parses TypeScript's libs and the packages' declarations
} catch {
  // A warm-up that fails only leaves the cache cold; the real check reports for itself.
}
