/**
 * A code cell's outputs as HTML, the way Jupyter shows them: streams (ANSI colours converted, stderr
 * tinted), display data by the richest type we can show offline, and errors with their traceback.
 * Nothing an output holds can run on the page: HTML is sanitized and framed, SVG shown as an image.
 */
import type { MimeBundle, MultilineString, Output } from "../../runner/notebook-file.js";
import { ansiToHtml } from "./ansi.js";
import { highlightCode } from "./highlight.js";
import { escapeHtml } from "./html.js";
import { renderMarkdown } from "./markdown.js";
import { htmlOutputFrame } from "./sanitize.js";

const text = (v: unknown): string => (Array.isArray(v) ? v.join("") : typeof v === "string" ? v : JSON.stringify(v, null, 2));

/** Jupyter's order of preference among the types a display offers. */
const MIME_ORDER = ["text/html", "image/svg+xml", "image/png", "image/jpeg", "image/gif", "text/markdown", "application/json", "text/plain"] as const;

function renderBundle(data: MimeBundle): string {
  const mime = MIME_ORDER.find((m) => data[m] !== undefined);
  if (!mime) {
    const offered = Object.keys(data).join(", ") || "nothing";
    return `<div class="output-unsupported">(output of type ${escapeHtml(offered)} not shown)</div>`;
  }
  const value = data[mime];
  switch (mime) {
    case "text/html":
      // Untrusted (a parameter or a model answer can reach it): sanitized, in a frame that runs nothing.
      return `<div class="output-html">${htmlOutputFrame(text(value))}</div>`;
    case "image/svg+xml":
      // As an image, an SVG runs no script and loads nothing.
      return `<div class="output-image"><img alt="" src="data:image/svg+xml;base64,${Buffer.from(text(value), "utf8").toString("base64")}"></div>`;
    case "image/png":
    case "image/jpeg":
    case "image/gif":
      return `<div class="output-image"><img alt="" src="data:${mime};base64,${text(value).replace(/\s+/g, "")}"></div>`;
    case "text/markdown":
      return `<div class="output-markdown markdown">${renderMarkdown(text(value))}</div>`;
    case "application/json":
      return `<pre class="output-json"><code class="hljs language-json">${highlightCode(JSON.stringify(value, null, 2), "json")}</code></pre>`;
    case "text/plain":
      return `<pre class="output-text">${ansiToHtml(text(value))}</pre>`;
  }
}

/** Consecutive writes to one stream read as one block, as Jupyter merges them. */
function mergeStreams(outputs: Output[]): Output[] {
  const merged: Output[] = [];
  for (const o of outputs) {
    const last = merged[merged.length - 1];
    if (o.output_type === "stream" && last?.output_type === "stream" && last.name === o.name) {
      merged[merged.length - 1] = { ...last, text: text(last.text) + text(o.text) };
    } else merged.push(o);
  }
  return merged;
}

export function renderOutput(o: Output): string {
  switch (o.output_type) {
    case "stream":
      return `<pre class="output-stream ${o.name}">${ansiToHtml(text(o.text as MultilineString))}</pre>`;
    case "display_data":
      return renderBundle(o.data);
    case "execute_result":
      return `<div class="output-result">${renderBundle(o.data)}</div>`;
    case "error": {
      const traceback = o.traceback.length ? o.traceback.join("\n") : `${o.ename}: ${o.evalue}`;
      return `<div class="output-error" role="alert"><div class="error-name">${escapeHtml(o.ename)}</div><pre>${ansiToHtml(traceback)}</pre></div>`;
    }
  }
}

export function renderOutputs(outputs: Output[]): string {
  return mergeStreams(outputs).map(renderOutput).join("\n");
}
