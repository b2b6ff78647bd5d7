/**
 * nbformat 4 reading and writing: the shapes the runner touches, and the on-disk conventions of
 * Jupyter's own writer (multiline strings split into lines, one-space indent, cell ids).
 */
import { randomUUID } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import type * as nbformat from "@jupyterlab/nbformat";

/**
 * The notebook shapes are nbformat's own (`@jupyterlab/nbformat`, types only), narrowed to what
 * this runner writes and relies on: cells always have an id (nbformat 4.5, see normalizeNotebook),
 * and outputs are the four kinds a kernel run produces (no unrecognized ones).
 */
export type MultilineString = nbformat.MultilineString;
/** A JSON object (metadata): nbformat exports lumino's PartialJSONObject under this name only. */
export type JsonObject = nbformat.OutputMetadata;
export type MimeBundle = nbformat.IMimeBundle;

export type StreamOutput = nbformat.IStream;
export type DisplayDataOutput = nbformat.IDisplayData;
export type ExecuteResultOutput = nbformat.IExecuteResult;
export type ErrorOutput = nbformat.IError;
export type Output = StreamOutput | DisplayDataOutput | ExecuteResultOutput | ErrorOutput;

export interface CodeCell extends nbformat.ICodeCell {
  id: string;
  outputs: Output[];
}
export interface MarkdownCell extends nbformat.IMarkdownCell {
  id: string;
}
export interface RawCell extends nbformat.IRawCell {
  id: string;
}
export type Cell = CodeCell | MarkdownCell | RawCell;

export interface Notebook extends nbformat.INotebookContent {
  nbformat: 4;
  cells: Cell[];
}

/** Raised when a file is not a notebook this runner can execute (a usage problem, not a cell failure). */
export class NotebookFormatError extends Error {
  override name = "NotebookFormatError";
}

export function sourceText(cell: Cell): string {
  return Array.isArray(cell.source) ? cell.source.join("") : cell.source;
}

export function cellTags(cell: Cell): string[] {
  const tags = cell.metadata?.tags;
  return Array.isArray(tags) ? tags.filter((t): t is string => typeof t === "string") : [];
}

export function newCellId(): string {
  return randomUUID().replace(/-/g, "").slice(0, 8);
}

export async function readNotebook(file: string): Promise<Notebook> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (e) {
    throw new NotebookFormatError(`cannot read ${file}: ${(e as Error).message}`);
  }
  let nb: unknown;
  try {
    nb = JSON.parse(text);
  } catch (e) {
    throw new NotebookFormatError(`${file} is not JSON: ${(e as Error).message}`);
  }
  return normalizeNotebook(nb, file);
}

/** Checks the parts we rely on and upgrades nbformat 4.x (< 4.5) to 4.5 by giving cells ids, as nbformat does. */
export function normalizeNotebook(raw: unknown, file = "notebook"): Notebook {
  const nb = raw as Partial<Notebook> | null;
  if (!nb || typeof nb !== "object" || nb.nbformat !== 4 || !Array.isArray(nb.cells)) {
    throw new NotebookFormatError(`${file} is not an nbformat 4 notebook`);
  }
  const seen = new Set<string>();
  const cells = nb.cells.map((c, i): Cell => {
    if (!c || typeof c !== "object" || !["code", "markdown", "raw"].includes(c.cell_type)) {
      throw new NotebookFormatError(`${file}: cell ${i + 1} has no valid cell_type`);
    }
    let id = typeof c.id === "string" && /^[a-zA-Z0-9-_]{1,64}$/.test(c.id) && !seen.has(c.id) ? c.id : newCellId();
    seen.add(id);
    const metadata = c.metadata && typeof c.metadata === "object" ? c.metadata : {};
    const source = c.source ?? "";
    if (c.cell_type === "code") {
      return { ...c, id, metadata, source, outputs: Array.isArray(c.outputs) ? c.outputs : [], execution_count: c.execution_count ?? null };
    }
    return { ...c, id, metadata, source } as Cell;
  });
  return { ...nb, nbformat: 4, nbformat_minor: Math.max(5, nb.nbformat_minor ?? 0), metadata: nb.metadata ?? {}, cells };
}

/** Splits text into lines that keep their "\n", Jupyter's on-disk form for multiline strings. */
export function splitLines(text: MultilineString): string[] {
  const joined = Array.isArray(text) ? text.join("") : text;
  return joined.match(/[^\n]*\n|[^\n]+$/g) ?? [];
}

function isJsonMime(mime: string): boolean {
  return /^application\/(.*\+)?json$/.test(mime);
}

function onDiskOutput(out: Output): Output {
  switch (out.output_type) {
    case "stream":
      return { ...out, text: splitLines(out.text) };
    case "display_data":
    case "execute_result": {
      const data: MimeBundle = {};
      for (const [mime, value] of Object.entries(out.data)) {
        data[mime] = typeof value === "string" && !isJsonMime(mime) && !mime.startsWith("image/") ? splitLines(value) : value;
      }
      return { ...out, data };
    }
    default:
      return out;
  }
}

/** The notebook as Jupyter writes it: same JSON layout, so executed notebooks diff cleanly. */
export function serializeNotebook(nb: Notebook): string {
  const cells = nb.cells.map((cell) => {
    const base = { ...cell, source: splitLines(cell.source) };
    return cell.cell_type === "code" ? { ...base, outputs: cell.outputs.map(onDiskOutput) } : base;
  });
  return JSON.stringify({ ...nb, cells }, null, 1) + "\n";
}

export async function writeNotebook(file: string, nb: Notebook): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, serializeNotebook(nb));
}
