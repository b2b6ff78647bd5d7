/**
 * Output regression, nbval's way for TypeScript notebooks: each code cell's outputs, as text and
 * after sanitizers, must equal the reference notebook's. Tags `nbval-ignore-output` (run, not
 * compared) and `nbval-skip` (not run, not compared) work as in nbval. Tracebacks are not compared
 * (their frames name files and lines of the machine that ran them); error names and messages are.
 */
import { createTwoFilesPatch } from "diff";
import { type CodeCell, cellTags, type Notebook, type Output, sourceText } from "./notebook-file.js";
import { type Sanitizer, sanitize } from "./sanitizers.js";
import { firstLine } from "./terminal-view.js";

export type CellVerdict = "match" | "mismatch" | "ignored" | "skipped" | "new" | "removed";

export interface CellComparison {
  /** "cell 4": the position in the executed notebook (or, for a removed cell, the reference). */
  label: string;
  firstLine: string;
  verdict: CellVerdict;
  /** For a mismatch: a unified diff, reference (-) against this run (+), of the sanitized outputs. */
  diff?: string;
  /** The cell's source is not the reference's: the reference may just be stale. */
  sourceChanged?: boolean;
}

export interface Comparison {
  ok: boolean;
  cells: CellComparison[];
}

const IGNORE = "nbval-ignore-output";
const SKIP = "nbval-skip";
const INJECTED = "injected-parameters";

const joined = (v: unknown) => (Array.isArray(v) ? v.join("") : typeof v === "string" ? v : JSON.stringify(v, null, 1));

/** A cell's outputs as comparable text: one block per output, consecutive streams of one name merged. */
export function outputsText(outputs: Output[]): string {
  const blocks: string[] = [];
  let lastStream: string | undefined;
  for (const o of outputs) {
    if (o.output_type === "stream") {
      const text = joined(o.text);
      if (lastStream === o.name) blocks[blocks.length - 1] += text;
      else blocks.push(`[${o.name}]\n${text}`);
      lastStream = o.name;
      continue;
    }
    lastStream = undefined;
    if (o.output_type === "error") {
      blocks.push(`[error]\n${o.ename}: ${o.evalue}`);
      continue;
    }
    for (const mime of Object.keys(o.data).sort()) {
      // Binary data is compared by its presence: encoders do not promise identical bytes.
      blocks.push(mime.startsWith("image/") ? `[${o.output_type} ${mime}]` : `[${o.output_type} ${mime}]\n${joined(o.data[mime])}`);
    }
  }
  return blocks.map((b) => (b.endsWith("\n") ? b : `${b}\n`)).join("");
}

function unifiedDiff(reference: string, actual: string): string {
  const patch = createTwoFilesPatch("reference", "this run", reference, actual, "", "", { context: 3 });
  // Drop the "Index:"/"====" and file header lines; keep the hunks.
  return patch
    .split("\n")
    .filter((l) => !/^(Index: |={5,}|--- reference|\+\+\+ this run)/.test(l) && l !== "\\ No newline at end of file")
    .join("\n")
    .trimEnd();
}

/** Code cells with the run's labels: positions in the input notebook, so the injected-parameters cell does not count. */
function comparedCells(nb: Notebook): { cell: CodeCell; label: string }[] {
  const inputCells = nb.cells.filter((c) => !cellTags(c).includes(INJECTED));
  return inputCells.flatMap((c, i) => (c.cell_type === "code" ? [{ cell: c, label: `cell ${i + 1}` }] : []));
}

/**
 * Pairs cells by id (an added or removed cell then shows as such); by position only when no id is
 * shared, as with a notebook saved without ids (the reader gives such cells new ones on each read).
 */
function pairCells(actual: Notebook, reference: Notebook) {
  const run = comparedCells(actual);
  const ref = comparedCells(reference);
  const refById = new Map(ref.map((r) => [r.cell.id, r]));
  const byId = run.some((r) => refById.has(r.cell.id));
  const pairs: { run?: (typeof run)[number]; ref?: (typeof ref)[number] }[] = [];
  if (byId) {
    const used = new Set<string>();
    for (const r of run) {
      pairs.push({ run: r, ref: refById.get(r.cell.id) });
      used.add(r.cell.id);
    }
    for (const r of ref) if (!used.has(r.cell.id)) pairs.push({ ref: r });
  } else {
    for (let i = 0; i < Math.max(run.length, ref.length); i++) pairs.push({ run: run[i], ref: ref[i] });
  }
  return pairs;
}

export function compareNotebooks(actual: Notebook, reference: Notebook, sanitizers: readonly Sanitizer[]): Comparison {
  const cells: CellComparison[] = [];
  for (const { run, ref } of pairCells(actual, reference)) {
    const shown = (run ?? ref)!;
    const base = { label: shown.label, firstLine: firstLine(sourceText(shown.cell)) };
    const tags = [...(run ? cellTags(run.cell) : []), ...(ref ? cellTags(ref.cell) : [])];
    if (tags.includes(SKIP)) cells.push({ ...base, verdict: "skipped" });
    else if (tags.includes(IGNORE)) cells.push({ ...base, verdict: "ignored" });
    else if (!ref) cells.push({ ...base, verdict: "new" });
    else if (!run) cells.push({ ...base, verdict: "removed" });
    else {
      const expected = sanitize(outputsText(ref.cell.outputs), sanitizers);
      const got = sanitize(outputsText(run.cell.outputs), sanitizers);
      const sourceChanged = sourceText(run.cell) !== sourceText(ref.cell);
      if (expected === got) cells.push({ ...base, verdict: "match", ...(sourceChanged ? { sourceChanged } : {}) });
      else cells.push({ ...base, verdict: "mismatch", diff: unifiedDiff(expected, got), ...(sourceChanged ? { sourceChanged } : {}) });
    }
  }
  return { ok: cells.every((c) => !["mismatch", "new", "removed"].includes(c.verdict)), cells };
}

/** The per-cell report of a failed comparison, for the terminal and JUnit. */
export function describeCell(c: CellComparison): string {
  switch (c.verdict) {
    case "new":
      return "this cell is not in the reference: run with --update-reference if it is meant to be there";
    case "removed":
      return "this reference cell is not in the notebook any more: run with --update-reference if that is intended";
    case "mismatch":
      return `${c.sourceChanged ? "(its source differs from the reference's too: the reference may be stale)\n" : ""}${c.diff ?? ""}`;
    default:
      return c.verdict;
  }
}

export function formatComparison(notebookLabel: string, referenceLabel: string, comparison: Comparison): string {
  const compared = comparison.cells.filter((c) => c.verdict === "match" || c.verdict === "mismatch").length;
  const bad = comparison.cells.filter((c) => ["mismatch", "new", "removed"].includes(c.verdict));
  const ignored = comparison.cells.filter((c) => c.verdict === "ignored" || c.verdict === "skipped").length;
  const counts = `${compared} cells compared${ignored ? `, ${ignored} ignored or skipped by nbval tags` : ""}`;
  if (bad.length === 0) return `✓ outputs match ${referenceLabel} (${counts})\n`;
  const parts = bad.map((c) => `--- ${c.label}: ${c.firstLine}\n${describeCell(c)}\n`);
  return (
    `✗ ${notebookLabel}: ${bad.length} ${bad.length === 1 ? "cell differs" : "cells differ"} from ${referenceLabel} (${counts}; - reference, + this run):\n` +
    parts.join("") +
    `If the new outputs are right: add --update-reference; if a value changes on every run: --sanitize-with <file> or tag the cell nbval-ignore-output.\n`
  );
}

/**
 * The executed notebook as a reference: its outputs as they are, except machine paths (`pathSanitizers`:
 * the cells' folder, the home folder) so a reference names no one's machine; run-specific timings
 * dropped so regenerating it changes only what changed.
 */
export function asReference(executed: Notebook, pathSanitizers: readonly Sanitizer[] = []): Notebook {
  const clean = (v: unknown): unknown =>
    typeof v === "string" ? sanitize(v, pathSanitizers) : Array.isArray(v) ? v.map(clean) : v && typeof v === "object" ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, clean(x)])) : v;
  const cells = executed.cells.map((c) => {
    const { execution: _e, headless: _h, ...metadata } = c.metadata as Record<string, unknown>;
    return c.cell_type === "code" ? { ...c, metadata, outputs: c.outputs.map((o) => clean(o) as Output) } : { ...c, metadata };
  }) as Notebook["cells"];
  const { headless: _headless, ...metadata } = executed.metadata;
  return { ...executed, metadata, cells };
}
