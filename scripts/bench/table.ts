/** The results as a Markdown table (for the terminal and for README's Performance section). */
import type { BenchResult } from "./result.js";

const fmt = (n: number | null, unit = "") => (n === null || Number.isNaN(n) ? "–" : `${n}${unit ? ` ${unit}` : ""}`);

export function resultsTable(results: BenchResult[]): string {
  const head = ["metric", "ours", "alternative", "ratio", "Δ", "goal", "met", "runs"];
  const rows = results.map((r) => [
    r.name,
    fmt(r.value, r.unit),
    fmt(r.baseline, r.baseline === null ? "" : r.unit),
    r.ratio === null ? "–" : `${r.ratio}×`,
    r.baseline === null ? "–" : fmt(Number((r.value - r.baseline).toPrecision(3)), r.unit),
    r.goal,
    r.met ? "yes" : "**no**",
    String(r.runs),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(" | ")} |`;
  return [line(head), `| ${widths.map((w) => "-".repeat(w)).join(" | ")} |`, ...rows.map(line)].join("\n");
}
