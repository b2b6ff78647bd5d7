/**
 * Metric 2, per-cell overhead: on tslab's converter and executor in this process (the runner's
 * TslabSession), the time from handing a small cell to the session until the cell's first
 * statement runs — tslab's type check and transpile, plus the executor's plumbing — after warm-up.
 */
import { TslabSession, type CellSink } from "../../lib/runner/tslab-session.js";
import { type Bench, result } from "./result.js";
import { median, percentile } from "./stats.js";

const MARK = "__benchCellStart";
const g = globalThis as unknown as Record<string, number>;

/** Small cells of the kinds notebooks have; the first statement records when the cell began running. */
function smallCell(i: number): string {
  const first = `globalThis.${MARK} = performance.now();\n`;
  switch (i % 4) {
    case 0:
      return `${first}const v${i}: number = ${i} * 2;`;
    case 1:
      return `${first}function f${i}(x: number): string {\n  return String(x + ${i});\n}`;
    case 2:
      return `${first}const s${i} = ["a", "b"].map((c) => c.repeat(${(i % 3) + 1})).join("");`;
    default:
      return `${first}interface T${i} { id: number; name: string }\nconst t${i}: T${i} = { id: ${i}, name: "n" };`;
  }
}

export const cellOverhead: Bench = {
  id: "cells",
  title: "Per-cell overhead: cell start to first statement (type check + transpile), small cells",
  async run(ctx) {
    const warmup = 5;
    const cells = ctx.quick ? 20 : 80;
    const initialCwd = process.cwd();
    const sink: CellSink = { stream() {}, display() {} };
    const session = new TslabSession({ cwd: ctx.tmp, echo: false, cellTimeoutMs: 0 });
    const samples: number[] = [];
    try {
      for (let i = 0; i < warmup + cells; i++) {
        delete g[MARK];
        const t0 = performance.now();
        const outcome = await session.execute(smallCell(i), sink);
        if (outcome.status !== "ok") throw new Error(`cell ${i} failed: ${outcome.error?.evalue}`);
        const started = g[MARK];
        if (started === undefined) throw new Error(`cell ${i} did not run its first statement`);
        if (i >= warmup) samples.push(started - t0);
      }
    } finally {
      session.close();
      process.chdir(initialCwd);
      delete g[MARK];
    }
    const value = median(samples);
    ctx.log(`cells: p90 ${percentile(samples, 90).toFixed(1)} ms, max ${Math.max(...samples).toFixed(1)} ms`);
    return [result({ name: "cell-overhead", unit: "ms", value, goal: "≤ 30 ms median", met: value <= 30, runs: samples.length })];
  },
};
