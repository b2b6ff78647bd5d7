/**
 * `npm run workshop -- export`: the executed notebooks of a folder (default `out/`) as a static
 * site, one page per notebook and an index, each page self-contained (styles, diagrams and images
 * inlined) so it opens from a USB stick or a local server with no network.
 */
import { existsSync, mkdirSync, readdirSync, renameSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { PROJECT_DIR } from "../../project-dir.js";
import { readNotebook } from "../../runner/notebook-file.js";
import { escapeHtml } from "./html.js";
import { formatDuration, pageShell, renderNotebookPage, type RenderedNotebook } from "./notebook-page.js";

export interface ExportOptions {
  /** Folder of executed notebooks (`*.ipynb`). */
  fromDir: string;
  /** Folder the site is written to (created; existing pages of the same names are replaced). */
  outDir: string;
  /** Where the source notebooks live, for relative images when a notebook does not record its path. */
  notebooksDir?: string;
  env?: NodeJS.ProcessEnv;
  siteTitle?: string;
}

export interface ExportedPage {
  notebook: string;
  page: string;
  title: string;
  status?: "ok" | "failed";
  missingImages: string[];
}

export interface ExportResult {
  index: string;
  pages: ExportedPage[];
}

export class NothingToExportError extends Error {}

/** Writes atomically, so a browser refreshing mid-export never sees half a page. */
function writeAtomic(file: string, content: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, content);
  renameSync(tmp, file);
}

function indexPage(pages: { page: string; notebook: string; rendered: RenderedNotebook }[], siteTitle: string): string {
  const cards = pages
    .map(({ page, notebook, rendered }) => {
      const status =
        rendered.run.status === "ok"
          ? `<span class="status-ok">✓ every cell ran</span>`
          : rendered.run.status === "failed"
            ? `<span class="status-failed">✗ stopped at ${escapeHtml(rendered.run.failedCell ?? "a cell")}</span>`
            : `<span>not executed</span>`;
      const facts = [status, `${rendered.codeCells} code cells`, rendered.run.durationMs !== undefined ? `ran in ${escapeHtml(formatDuration(rendered.run.durationMs))}` : "", `<span class="file">${escapeHtml(notebook)}</span>`]
        .filter(Boolean)
        .join(" · ");
      const summary = rendered.summary.length > 260 ? `${rendered.summary.slice(0, 257)}…` : rendered.summary;
      return `<li><a class="card" href="${escapeHtml(page)}"><h2>${escapeHtml(rendered.title)}</h2>${summary ? `<p>${escapeHtml(summary)}</p>` : ""}<p>${facts}</p></a></li>`;
    })
    .join("\n");
  return pageShell({
    title: siteTitle,
    bodyClass: "index",
    topbar: `<span class="site-name">${escapeHtml(siteTitle)}</span>`,
    body: `<div class="index-wrap"><main>
<h1>${escapeHtml(siteTitle)}</h1>
<p class="lead">The notebooks as they ran, outputs included. Open one to follow along; every page works offline.</p>
<ul class="cards">
${cards}
</ul>
</main></div>`,
    footer: `Exported by <code>npm run workshop -- export</code> on ${escapeHtml(new Date().toISOString().slice(0, 16).replace("T", " "))} UTC. Secrets are masked.`,
  });
}

export async function exportSite(o: ExportOptions): Promise<ExportResult> {
  const notebooksDir = o.notebooksDir ?? join(PROJECT_DIR, "notebooks");
  const files = existsSync(o.fromDir) ? readdirSync(o.fromDir).filter((f) => f.endsWith(".ipynb")).sort() : [];
  if (files.length === 0) {
    throw new NothingToExportError(`No executed notebooks in ${o.fromDir}. Run them first: npm run workshop -- prepare (or npm start).`);
  }
  const siteTitle = o.siteTitle ?? "Outbound Auth with AgentCore Identity: workshop notebooks";
  mkdirSync(o.outDir, { recursive: true });
  const pages: { page: string; notebook: string; rendered: RenderedNotebook }[] = [];
  for (const notebook of files) {
    const nb = await readNotebook(join(o.fromDir, notebook));
    const recorded = (nb.metadata.headless as { input_path?: unknown } | undefined)?.input_path;
    const imageDirs = [...(typeof recorded === "string" ? [dirname(recorded)] : []), notebooksDir, o.fromDir];
    const rendered = renderNotebookPage(nb, { fileName: notebook, imageDirs, env: o.env, siteTitle });
    const page = `${basename(notebook, ".ipynb")}.html`;
    writeAtomic(join(o.outDir, page), rendered.html);
    pages.push({ page, notebook, rendered });
  }
  const index = join(o.outDir, "index.html");
  writeAtomic(index, indexPage(pages, siteTitle));
  return {
    index,
    pages: pages.map(({ page, notebook, rendered }) => ({ notebook, page: join(o.outDir, page), title: rendered.title, status: rendered.run.status, missingImages: rendered.missingImages })),
  };
}
