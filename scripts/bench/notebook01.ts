/**
 * Notebook 01 end to end, as a learner's `npm start` runs it: the headless runner (a child process)
 * against a Local AgentCore started just before (cold: new state folder, so the agent's first
 * instance unpacks its bundle), wall time and each code cell's time from the executed notebook's
 * `metadata.headless.duration_ms`. One fresh Local AgentCore per run; per-cell figures are medians.
 * With BENCH_BEFORE_PROJECT=<another checkout, installed>, that checkout's runner and notebook run
 * too, alternating with ours (each on its own fresh Local AgentCore), as the alternative.
 */
import { mkdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { PROJECT_DIR, startOwnLocal } from "./own-local.js";
import { mustSucceed, nbNodeArgs, runTimed } from "./processes.js";
import { type Bench, type BenchResult, result } from "./result.js";
import { median } from "./stats.js";

const NOTEBOOK_01 = path.join(PROJECT_DIR, "notebooks", "01-outbound-auth-api-key.ipynb");
const CELL_GOAL_S = 3;
const WALL_GOAL_S = 20;

interface Cell {
  cell_type: string;
  source: string[] | string;
  metadata: { headless?: { duration_ms?: number } };
}

/** A short name for a code cell: what it imports from the library, else what it defines. */
export function cellLabel(source: string): string {
  const lib = /import\s*\{\s*([\w$]+)[^}]*\}\s*from\s*"agentcore-kit"/.exec(source)?.[1];
  if (lib) return lib;
  const decl = /^(?:const|let|async function|function)\s+([\w$]+)/m.exec(source)?.[1];
  return decl ?? "cell";
}

/** Each code cell's index in the notebook, label and seconds, from an executed notebook. */
export function cellTimes(executed: string): { index: number; label: string; s: number }[] {
  const cells = (JSON.parse(executed) as { cells: Cell[] }).cells;
  return cells.flatMap((c, index) => {
    if (c.cell_type !== "code") return [];
    const ms = c.metadata.headless?.duration_ms;
    if (typeof ms !== "number") throw new Error(`cell ${index} has no headless duration`);
    const source = Array.isArray(c.source) ? c.source.join("") : c.source;
    return [{ index, label: cellLabel(source), s: ms / 1000 }];
  });
}

interface Sample {
  wall: number;
  cells: { index: number; label: string; s: number }[];
}

/** One cold run of notebook 01 from `project` (its runner, its notebook) on a new Local AgentCore. */
async function coldRun(project: string, out: string, label: string): Promise<Sample> {
  const local = await startOwnLocal(label);
  try {
    const notebook = path.join(project, "notebooks", path.basename(NOTEBOOK_01));
    const run = mustSucceed(
      `notebook 01 (${label})`,
      await runTimed(process.execPath, [...nbNodeArgs(project), notebook, "--out", out], { cwd: project, env: local.env, timeoutMs: 600_000 }),
    );
    return { wall: run.ms / 1000, cells: cellTimes(readFileSync(path.join(out, path.basename(NOTEBOOK_01)), "utf8")) };
  } finally {
    await local.stop();
  }
}

const slowestCells = (s: Sample) =>
  [...s.cells]
    .sort((a, b) => b.s - a.s)
    .slice(0, 4)
    .map((c) => `${c.index} ${c.label} ${c.s.toFixed(2)} s`)
    .join(", ");

export const notebook01: Bench = {
  id: "nb01",
  title: "Notebook 01 end to end against a cold Local AgentCore (npm start's path), per cell",
  async run(ctx) {
    const runs = ctx.quick ? 1 : 3;
    const before = process.env.BENCH_BEFORE_PROJECT ? path.resolve(process.env.BENCH_BEFORE_PROJECT) : undefined;
    const out = path.join(ctx.tmp, "nb01");
    mkdirSync(out, { recursive: true });
    const ours: Sample[] = [];
    const theirs: Sample[] = [];
    for (let i = 0; i < runs; i++) {
      // Alternate the order, so both see the same load on average.
      const order = before && i % 2 ? ["before", "ours"] : ["ours", "before"];
      for (const which of order) {
        if (which === "before" && !before) continue;
        const sample = await coldRun(which === "ours" ? PROJECT_DIR : before!, out, `nb01-${which}-${i}`);
        (which === "ours" ? ours : theirs).push(sample);
        ctx.log(`${which} run ${i + 1}: ${sample.wall.toFixed(1)} s; slowest cells: ${slowestCells(sample)}`);
      }
    }
    const perCell = (samples: Sample[]) => {
      const by = new Map<number, { label: string; s: number[] }>();
      for (const sample of samples) for (const c of sample.cells) by.set(c.index, { label: c.label, s: [...(by.get(c.index)?.s ?? []), c.s] });
      return new Map([...by].map(([index, c]) => [index, { label: c.label, s: median(c.s) }]));
    };
    const cells = perCell(ours);
    const beforeCells = before ? perCell(theirs) : undefined;
    const baseline = (v: number | undefined) => (before && v !== undefined ? v : null);

    const rows: BenchResult[] = [];
    const wall = median(ours.map((s) => s.wall));
    rows.push(result({ name: "nb01.wall", unit: "s", value: wall, baseline: baseline(median(theirs.map((s) => s.wall))), goal: `≤ ${WALL_GOAL_S} s`, met: wall <= WALL_GOAL_S, runs }));
    const slowest = Math.max(...[...cells.values()].map((c) => c.s));
    const slowestBefore = beforeCells ? Math.max(...[...beforeCells.values()].map((c) => c.s)) : undefined;
    rows.push(result({ name: "nb01.slowest-cell", unit: "s", value: slowest, baseline: baseline(slowestBefore), goal: `≤ ${CELL_GOAL_S} s`, met: slowest <= CELL_GOAL_S, runs }));
    for (const [index, c] of cells) {
      // Matched by label: the cells are the same in both notebooks, not always at the same index.
      const then = beforeCells ? [...beforeCells.values()].find((b) => b.label === c.label)?.s : undefined;
      rows.push(
        result({ name: `nb01.cell-${String(index).padStart(2, "0")}.${c.label}`, unit: "s", value: c.s, baseline: baseline(then), goal: `≤ ${CELL_GOAL_S} s`, met: c.s <= CELL_GOAL_S, runs }),
      );
    }
    return rows;
  },
};
