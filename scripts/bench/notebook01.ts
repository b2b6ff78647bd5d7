/**
 * Notebook 01 end to end, as a learner's `npm start` runs it: the headless runner (a child process)
 * against a Local AgentCore started just before (cold: new state folder, so the agent's first
 * instance unpacks its bundle), wall time and each code cell's time from the executed notebook's
 * `metadata.headless.duration_ms`. One fresh Local AgentCore per run; per-cell figures are medians.
 */
import { mkdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { PROJECT_DIR, startOwnLocal } from "./own-local.js";
import { mustSucceed, runTimed } from "./processes.js";
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

export const notebook01: Bench = {
  id: "nb01",
  title: "Notebook 01 end to end against a cold Local AgentCore (npm start's path), per cell",
  async run(ctx) {
    const runs = ctx.quick ? 1 : 3;
    const out = path.join(ctx.tmp, "nb01");
    mkdirSync(out, { recursive: true });
    const walls: number[] = [];
    const perCell = new Map<number, { label: string; s: number[] }>();
    for (let i = 0; i < runs; i++) {
      const local = await startOwnLocal(`nb01-${i}`);
      try {
        const run = mustSucceed(
          "notebook 01",
          await runTimed(process.execPath, ["--import", "tsx", "scripts/nb.ts", NOTEBOOK_01, "--out", out], { cwd: PROJECT_DIR, env: local.env, timeoutMs: 600_000 }),
        );
        walls.push(run.ms / 1000);
        const cells = cellTimes(readFileSync(path.join(out, path.basename(NOTEBOOK_01)), "utf8"));
        for (const c of cells) {
          const entry = perCell.get(c.index) ?? { label: c.label, s: [] };
          entry.s.push(c.s);
          perCell.set(c.index, entry);
        }
        const top = [...cells].sort((a, b) => b.s - a.s).slice(0, 4);
        ctx.log(`run ${i + 1}: ${(run.ms / 1000).toFixed(1)} s; slowest cells: ${top.map((c) => `${c.index} ${c.label} ${c.s.toFixed(2)} s`).join(", ")}`);
      } finally {
        await local.stop();
      }
    }
    const rows: BenchResult[] = [];
    const wall = median(walls);
    rows.push(result({ name: "nb01.wall", unit: "s", value: wall, goal: `≤ ${WALL_GOAL_S} s`, met: wall <= WALL_GOAL_S, runs }));
    const medians = [...perCell.entries()].map(([index, c]) => ({ index, label: c.label, s: median(c.s) }));
    const slowest = Math.max(...medians.map((c) => c.s));
    rows.push(result({ name: "nb01.slowest-cell", unit: "s", value: slowest, goal: `≤ ${CELL_GOAL_S} s`, met: slowest <= CELL_GOAL_S, runs }));
    for (const c of medians) {
      rows.push(result({ name: `nb01.cell-${String(c.index).padStart(2, "0")}.${c.label}`, unit: "s", value: c.s, goal: `≤ ${CELL_GOAL_S} s`, met: c.s <= CELL_GOAL_S, runs }));
    }
    return rows;
  },
};
