/**
 * Cell timeouts. A timer on the main thread cannot fire while a cell spins synchronously, so a
 * worker thread keeps the clock and sends this process SIGINT at the deadline: tslab runs cells with
 * `breakOnSigint`, which aborts synchronous code, and the runner's SIGINT handler interrupts
 * awaiting code through the executor. The shared flag tells the handler the signal was a timeout.
 * The signal is repeated every second until the cell ends: one that lands while tslab is still
 * type-checking the cell (slow on a loaded machine) interrupts nothing, and the synchronous loop
 * that follows would otherwise run on. If the process is still stuck long after (a synchronous loop after an `await`, where V8 cannot
 * break), the worker reports it and kills the process as a last resort.
 */
import { Worker } from "node:worker_threads";

const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const fs = require("node:fs");
const fired = new Int32Array(workerData.fired);
let timer, repeat, killer;
parentPort.on("message", (m) => {
  clearTimeout(timer); clearInterval(repeat); clearTimeout(killer);
  Atomics.store(fired, 1, 0);
  if (!m.arm) return;
  timer = setTimeout(() => {
    const interrupt = () => {
      Atomics.store(fired, 0, m.token);
      Atomics.store(fired, 1, 1);
      process.kill(process.pid, "SIGINT");
    };
    interrupt();
    repeat = setInterval(interrupt, 1000);
    killer = setTimeout(() => {
      fs.writeSync(2, "\\nheadless runner: the cell ignored its timeout interrupt (a synchronous loop after an await?); killing the process\\n");
      process.kill(process.pid, "SIGKILL");
    }, m.graceMs);
  }, m.ms);
});
`;

export class TimeoutWatchdog {
  private readonly worker: Worker;
  private readonly fired: Int32Array;
  private token = 0;

  constructor(private readonly graceMs = 10_000) {
    // [0]: token of the cell whose timeout fired; [1]: 1 while a timeout SIGINT is unclaimed.
    const shared = new SharedArrayBuffer(8);
    this.fired = new Int32Array(shared);
    this.worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { fired: shared } });
    this.worker.unref();
  }

  arm(ms: number): void {
    this.token += 1;
    this.worker.postMessage({ arm: true, ms, token: this.token, graceMs: this.graceMs });
  }

  disarm(): void {
    this.worker.postMessage({ arm: false });
  }

  /** True when the watchdog fired for the current cell. */
  firedForCurrentCell(): boolean {
    return Atomics.load(this.fired, 0) === this.token;
  }

  /**
   * Classifies a SIGINT the process just received: "current" (timeout of the running cell),
   * "stale" (a timeout that raced with its cell finishing; ignore it) or "none" (someone else sent it).
   */
  claimSignal(): "current" | "stale" | "none" {
    if (Atomics.exchange(this.fired, 1, 0) !== 1) return "none";
    const fired = Atomics.load(this.fired, 0);
    return fired === this.token ? "current" : "stale";
  }

  async close(): Promise<void> {
    await this.worker.terminate();
  }
}
