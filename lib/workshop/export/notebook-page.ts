/**
 * One executed notebook as a self-contained HTML page: markdown cells rendered, code cells
 * highlighted with their outputs, a table of contents from the headings, and the run's summary
 * (when, how long, which target, whether every cell ran). Secrets are masked before anything renders.
 */
import type { Cell, CodeCell, Notebook } from "../../runner/notebook-file.js";
import { highlightCode } from "./highlight.js";
import { escapeHtml } from "./html.js";
import { inlineImages } from "./images.js";
import { renderMarkdown } from "./markdown.js";
import { renderOutputs } from "./outputs.js";
import { redactNotebook } from "./redact-notebook.js";
import { pageCss } from "./styles.js";

export interface RunSummary {
  status?: "ok" | "failed";
  startTime?: string;
  durationMs?: number;
  failedCell?: string;
  error?: string;
  parameters?: Record<string, unknown>;
}

export interface RenderedNotebook {
  html: string;
  title: string;
  /** The first paragraph of prose, for the index. */
  summary: string;
  run: RunSummary;
  codeCells: number;
  /** Image sources that were not found (the page shows their alt text). */
  missingImages: string[];
}

export interface RenderOptions {
  /** File name of the executed notebook (shown in the footer). */
  fileName: string;
  /** Folders in which relative image paths of markdown cells are looked up, first hit wins. */
  imageDirs: string[];
  /** Environment whose secret-named variables are masked too (default process.env). */
  env?: NodeJS.ProcessEnv;
  siteTitle?: string;
}

const text = (v: string | string[]) => (Array.isArray(v) ? v.join("") : v);

function runSummary(nb: Notebook): RunSummary {
  const h = (nb.metadata.headless ?? {}) as Record<string, unknown>;
  return {
    status: h.status === "ok" || h.status === "failed" ? h.status : undefined,
    startTime: typeof h.start_time === "string" ? h.start_time : undefined,
    durationMs: typeof h.duration_ms === "number" ? h.duration_ms : undefined,
    failedCell: typeof h.failed_cell === "string" ? h.failed_cell : undefined,
    error: typeof h.error === "string" ? h.error : undefined,
    parameters: h.parameters && typeof h.parameters === "object" ? (h.parameters as Record<string, unknown>) : undefined,
  };
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  return s < 60 ? `${s.toFixed(1)} s` : `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
}

function formatTime(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : `${d.toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

interface Heading {
  level: number;
  id: string;
  text: string;
}

/** Unique ids for the page's headings (the same title may appear twice), collected for the contents. */
function numberHeadings(html: string, used: Map<string, number>, headings: Heading[]): string {
  return html.replace(/<h([1-6]) id="([^"]*)">([\s\S]*?)<\/h\1>/g, (_all, level: string, id: string, inner: string) => {
    const base = id || "section";
    const n = used.get(base) ?? 0;
    used.set(base, n + 1);
    const unique = n === 0 ? base : `${base}-${n}`;
    headings.push({ level: Number(level), id: unique, text: inner.replace(/<[^>]+>/g, "") });
    return `<h${level} id="${unique}">${inner}</h${level}>`;
  });
}

/** Links between notebooks point at their exported pages. */
function linkPages(html: string): string {
  return html.replace(/href="(?![a-z][a-z0-9+.-]*:)([^"#]*?)\.ipynb(#[^"]*)?"/gi, (_all, name: string, hash = "") => `href="${name.split("/").pop()}.html${hash}"`);
}

function renderCodeCell(cell: CodeCell, position: number): string {
  const status = (cell.metadata.headless as { status?: string; duration_ms?: number } | undefined) ?? {};
  const failed = status.status === "error" || status.status === "timeout" || status.status === "missing-error" || status.status === "interrupted";
  const tags = (cell.metadata.tags ?? []).map((t) => `<span class="tag">${escapeHtml(t)}</span>`).join("");
  const meta = [
    status.duration_ms !== undefined ? escapeHtml(formatDuration(status.duration_ms)) : "",
    status.status && status.status !== "ok" ? escapeHtml(status.status) : "",
    tags,
  ]
    .filter(Boolean)
    .join(" ");
  const prompt = cell.execution_count === null ? "[ ]" : `[${cell.execution_count}]`;
  return `<section class="cell code-cell" id="cell-${position}">
<div class="prompt" title="cell ${position}">${prompt}</div>
<div class="cell-body${failed ? " failed" : ""}">
<pre class="source">${meta ? `<span class="cell-meta">${meta}</span>` : ""}<code class="hljs language-typescript">${highlightCode(text(cell.source), "typescript")}</code></pre>
<div class="outputs">${renderOutputs(cell.outputs)}</div>
</div>
</section>`;
}

function firstParagraph(cells: Cell[]): string {
  for (const cell of cells) {
    if (cell.cell_type !== "markdown") continue;
    for (const block of text(cell.source).split(/\n\s*\n/)) {
      const t = block.trim();
      if (t && !/^(#|<|!\[|>|\||```|[-*] )/.test(t)) return t.replace(/\s+/g, " ").replace(/[*_`]/g, "").replace(/\[([^\]]*)\]\([^)]*\)/g, "$1");
    }
  }
  return "";
}

function runInfo(run: RunSummary, target: string | undefined): string {
  const parts: string[] = [];
  if (run.status === "ok") parts.push(`<span class="ok">✓ every cell ran</span>`);
  else if (run.status === "failed") parts.push(`<span class="failed">✗ stopped at ${escapeHtml(run.failedCell ?? "a cell")}${run.error ? `: ${escapeHtml(run.error)}` : ""}</span>`);
  else parts.push(`<span>not executed by the headless runner</span>`);
  if (run.startTime) parts.push(`<span>executed ${escapeHtml(formatTime(run.startTime))}</span>`);
  if (run.durationMs !== undefined) parts.push(`<span>in ${escapeHtml(formatDuration(run.durationMs))}</span>`);
  if (target) parts.push(`<span>target <code>${escapeHtml(target)}</code></span>`);
  const params = Object.entries(run.parameters ?? {});
  if (params.length) parts.push(`<span>parameters ${params.map(([k, v]) => `<code>${escapeHtml(k)}=${escapeHtml(JSON.stringify(v))}</code>`).join(" ")}</span>`);
  return `<div class="run-info">${parts.join("")}</div>`;
}

/** Which target the run used, from the first cell output that says so (notebook 01 prints it). */
function targetOf(nb: Notebook): string | undefined {
  for (const cell of nb.cells) {
    if (cell.cell_type !== "code") continue;
    for (const o of cell.outputs) {
      if (o.output_type === "stream") {
        const m = /Target: (local|aws)\b/.exec(text(o.text));
        if (m) return m[1];
      }
    }
  }
  return undefined;
}

export function pageShell(opts: { title: string; body: string; topbar: string; bodyClass?: string; footer: string }): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(opts.title)}</title>
<style>${pageCss()}</style>
</head>
<body${opts.bodyClass ? ` class="${opts.bodyClass}"` : ""}>
<header class="topbar">${opts.topbar}</header>
${opts.body}
<footer>${opts.footer}</footer>
</body>
</html>
`;
}

export function renderNotebookPage(raw: Notebook, opts: RenderOptions): RenderedNotebook {
  const nb = redactNotebook(raw, opts.env);
  const used = new Map<string, number>();
  const headings: Heading[] = [];
  const missingImages: string[] = [];
  const cellsHtml = nb.cells.map((cell, i) => {
    if (cell.cell_type === "code") return renderCodeCell(cell, i + 1);
    if (cell.cell_type === "raw") return `<section class="cell raw-cell" id="cell-${i + 1}"><pre>${escapeHtml(text(cell.source))}</pre></section>`;
    let html = numberHeadings(linkPages(renderMarkdown(text(cell.source))), used, headings);
    const inlined = inlineImages(html, opts.imageDirs, `c${i + 1}`);
    html = inlined.html;
    missingImages.push(...inlined.missing);
    return `<section class="cell markdown-cell markdown" id="cell-${i + 1}">${html}</section>`;
  });
  const title = headings.find((h) => h.level === 1)?.text ?? opts.fileName.replace(/\.ipynb$/, "");
  const run = runSummary(nb);
  const toc = headings
    .filter((h) => h.level <= 3)
    .map((h) => `<li class="level-${h.level}"><a href="#${h.id}">${escapeHtml(h.text)}</a></li>`)
    .join("");
  const site = opts.siteTitle ?? "Workshop notebooks";
  const html = pageShell({
    title: `${title} · ${site}`,
    topbar: `<a href="index.html">← All notebooks</a><span class="site-name">${escapeHtml(site)}</span><span class="spacer"></span><span class="badge">${escapeHtml(opts.fileName)}</span>`,
    body: `<div class="layout">
<nav class="toc" aria-label="Contents"><h2>Contents</h2><ol>${toc}</ol></nav>
<main class="notebook">
${runInfo(run, targetOf(nb))}
${cellsHtml.join("\n")}
</main>
</div>`,
    footer: `Exported from the executed notebook <code>${escapeHtml(opts.fileName)}</code> by <code>npm run workshop -- export</code>. Secrets are masked (<code>sk-…a1b2</code>); the page needs no network.`,
  });
  return { html, title, summary: firstParagraph(nb.cells), run, codeCells: nb.cells.filter((c) => c.cell_type === "code").length, missingImages };
}
