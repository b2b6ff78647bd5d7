/**
 * What every benchmark produces: one row per metric, in the shape `out/bench/results.json` holds:
 * the value, the alternative's value where there is one, their ratio, the goal in words,
 * whether it was met, and how many measured runs the figure is the median (or percentile) of.
 */
import { round } from "./stats.js";

export interface BenchResult {
  name: string;
  unit: string;
  value: number;
  /** The alternative's value (Jupyter, a direct POST, …), or null when there is none. */
  baseline: number | null;
  /** value / baseline (for timings: a median of per-pair ratios), or null without a baseline. */
  ratio: number | null;
  goal: string;
  met: boolean;
  runs: number;
}

export interface BenchContext {
  quick: boolean;
  /** A temporary folder of this bench run (removed afterwards). */
  tmp: string;
  /** A progress line on stderr. */
  log(line: string): void;
}

export interface Bench {
  /** Short id, also the `--only` name and the prefix of its result names. */
  id: string;
  title: string;
  run(ctx: BenchContext): Promise<BenchResult[]>;
}

export function result(r: Omit<BenchResult, "ratio" | "baseline"> & { baseline?: number | null; ratio?: number | null }): BenchResult {
  const baseline = r.baseline ?? null;
  const ratio = r.ratio !== undefined ? r.ratio : baseline ? r.value / baseline : null;
  return {
    name: r.name,
    unit: r.unit,
    value: round(r.value),
    baseline: baseline === null ? null : round(baseline),
    ratio: ratio === null || !Number.isFinite(ratio) ? null : round(ratio),
    goal: r.goal,
    met: r.met,
    runs: r.runs,
  };
}
