/**
 * Rich output from notebook cells: `display.markdown/html/json/table/png/text`.
 *
 * Under the tslab kernel these go through tslab's own display API (`require("tslab").display`),
 * which writes through a hook the kernel sets for the running request. The headless runner sets
 * the same hook, so the same call becomes a `display_data` output there too. Anywhere else (a plain
 * script, a test) the hook is unset and we print a terminal rendering instead of failing.
 *
 * Everything shown passes through `redact` first: a secret never reaches a notebook output.
 */
import { createRequire } from "node:module";
import type { Display as TslabDisplay } from "tslab";
import { renderMarkdown } from "../runner/terminal-markdown.js";
import { redact, redactValue } from "./redact.js";

const requireHere = createRequire(import.meta.url);

function tslabDisplay(): TslabDisplay | undefined {
  const hook = requireHere("tslab/dist/jupyter") as { lastWriteDisplayData: unknown };
  if (hook.lastWriteDisplayData == null) return undefined;
  return (requireHere("tslab") as typeof import("tslab")).display;
}

function printMarkdown(markdown: string): void {
  process.stdout.write(renderMarkdown(markdown));
}

const escapeHtml = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

export type TableRow = Record<string, unknown> | unknown[];

function cellText(value: unknown): string {
  const text = value === undefined || value === null ? "" : typeof value === "object" ? JSON.stringify(value) : String(value);
  return text.replace(/\|/g, "\\|").replace(/\r?\n/g, " ");
}

/** A GitHub-flavoured markdown table: Jupyter renders it as a table, the terminal renderer too. */
export function markdownTable(rows: TableRow[], columns?: string[]): string {
  const cols =
    columns ?? [...new Set(rows.flatMap((r) => (Array.isArray(r) ? r.map((_, i) => String(i)) : Object.keys(r))))];
  const value = (row: TableRow, col: string, i: number) => (Array.isArray(row) ? row[i] : row[col]);
  return [
    `| ${cols.map(cellText).join(" | ")} |`,
    `| ${cols.map(() => "---").join(" | ")} |`,
    ...rows.map((row) => `| ${cols.map((c, i) => cellText(value(row, c, i))).join(" | ")} |`),
  ].join("\n");
}

export const display = {
  markdown(markdown: string): void {
    const text = redact(markdown);
    const d = tslabDisplay();
    if (d) d.markdown(text);
    else printMarkdown(text);
  },
  html(html: string): void {
    const text = redact(html);
    const d = tslabDisplay();
    if (d) d.html(text);
    else process.stdout.write(text.endsWith("\n") ? text : text + "\n");
  },
  /**
   * A link the reader is meant to open (a sign-in page), as an HTML anchor in markdown that opens a
   * new tab: the classic Notebook opens a plain markdown link in the notebook's own tab, leaving
   * the notebook (behind a "leave this page?" prompt). JupyterLab opens links in a new tab anyway.
   */
  link(url: string, text: string, note?: string): void {
    const after = note ? ` (${note})` : "";
    const d = tslabDisplay();
    if (d) d.markdown(redact(`**<a href="${escapeHtml(url)}" target="_blank" rel="noopener">${escapeHtml(text)}</a>**${after}`));
    else printMarkdown(redact(`**${text}**${after}: ${url}`));
  },
  /** JupyterLab shows `application/json` as a collapsible tree. */
  json(value: unknown): void {
    const safe = redactValue(toJson(value));
    const d = tslabDisplay();
    // tslab passes the value through unchanged; nbformat allows any JSON under a JSON mime type.
    if (d) d.raw("application/json", safe as string);
    else process.stdout.write(JSON.stringify(safe, null, 2) + "\n");
  },
  table(rows: TableRow[], columns?: string[]): void {
    display.markdown(markdownTable(redactValue(rows), columns));
  },
  png(bytes: Uint8Array): void {
    const d = tslabDisplay();
    if (d) d.png(bytes);
    else process.stdout.write(`[image/png, ${bytes.byteLength} bytes]\n`);
  },
  text(text: string): void {
    const safe = redact(text);
    const d = tslabDisplay();
    if (d) d.text(safe);
    else process.stdout.write(safe.endsWith("\n") ? safe : safe + "\n");
  },
};

/**
 * The value as plain JSON data (what `JSON.stringify` would keep: dates as strings, `toJSON`
 * honoured, functions and undefined dropped), so the notebook stores exactly what is shown.
 */
function toJson(value: unknown): unknown {
  if (value === undefined) return null;
  return JSON.parse(JSON.stringify(value, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v)) ?? "null");
}
