/**
 * What an exported page may contain from a notebook: outputs and markdown carry text from run
 * parameters and model answers, so raw HTML in them is untrusted. sanitize-html keeps the markup
 * notebooks use (tables, headings, images, code, centred figures) and drops scripts, event
 * handlers, `javascript:` links, frames, forms and styles that could load anything.
 */
import sanitizeHtml from "sanitize-html";
import { escapeHtml } from "./html.js";

const TAGS = [
  ...sanitizeHtml.defaults.allowedTags,
  "img",
  "h1",
  "h2",
  "h3",
  "h4",
  "h5",
  "h6",
  "details",
  "summary",
  "figure",
  "figcaption",
  "del",
  "ins",
  "input",
  "picture",
];

/** Layout styles only: none of them can fetch anything (no `url(...)`). */
const STYLES = {
  "text-align": [/^(left|right|center|justify)$/],
  width: [/^\d+(\.\d+)?(px|%|em|rem)$/],
  "max-width": [/^\d+(\.\d+)?(px|%|em|rem)$/],
};

const base: sanitizeHtml.IOptions = {
  allowedTags: TAGS,
  allowedAttributes: {
    "*": ["class", "id", "title", "role", "aria-label", "align"],
    a: ["href", "name"],
    img: ["src", "alt", "width", "height"],
    input: ["type", "checked", "disabled"],
    td: ["colspan", "rowspan", "style"],
    th: ["colspan", "rowspan", "style"],
    div: ["style"],
    p: ["style"],
    span: ["style"],
    ol: ["start"],
    code: ["class"],
  },
  allowedStyles: { "*": STYLES },
  allowedSchemes: ["http", "https", "mailto"],
  allowedSchemesAppliedToAttributes: ["href", "src", "cite"],
  allowProtocolRelative: false,
  disallowedTagsMode: "discard",
  // Only checkboxes (GitHub task lists): no text fields or buttons that look like a login form.
  exclusiveFilter: (frame) => frame.tag === "input" && frame.attribs.type !== "checkbox",
};

/**
 * Markdown cells and `text/markdown` outputs after marked: relative and http(s) images stay (the
 * exporter embeds local ones and turns remote ones into links), embedded data images too.
 */
export function sanitizeMarkdownHtml(html: string): string {
  return sanitizeHtml(html, { ...base, allowedSchemesByTag: { img: ["http", "https", "data"] } });
}

/** A `text/html` output: only embedded (data:) images, so the page still needs no network. */
export function sanitizeOutputHtml(html: string): string {
  return sanitizeHtml(html, { ...base, allowedSchemesByTag: { img: ["data"] }, exclusiveFilter: (frame) => (frame.tag === "img" && !/^data:/i.test(frame.attribs.src ?? "")) || base.exclusiveFilter!(frame) });
}

/** A policy for the frame's document: nothing runs, nothing loads but embedded images and its own style. */
const FRAME_CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'";

const FRAME_CSS =
  "body{margin:0;padding:.4rem .6rem;font:14px/1.5 system-ui,-apple-system,'Segoe UI',sans-serif;color:#1f2328}" +
  "table{border-collapse:collapse}td,th{border:1px solid #d0d7de;padding:.2rem .5rem}img{max-width:100%}";

/**
 * A `text/html` output in its own frame: sanitized, then shown in a sandbox with no permission at
 * all (no scripts, no same origin, no forms, no navigation of the page), under a CSP. The page has
 * no script to size it to its content, so its height is estimated and the reader may resize it.
 */
export function htmlOutputFrame(html: string): string {
  const clean = sanitizeOutputHtml(html);
  const doc = `<!doctype html><html><head><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="${FRAME_CSP}"><style>${FRAME_CSS}</style></head><body>${clean}</body></html>`;
  return `<iframe class="output-frame" sandbox="" title="HTML output" style="height:${estimateHeightEm(clean)}em" srcdoc="${escapeHtml(doc)}"></iframe>`;
}

/** Lines of text the markup will take, roughly: one per block element or line break, plus images. */
function estimateHeightEm(html: string): number {
  const blocks = (html.match(/<(p|div|tr|li|h[1-6]|br|pre|table|figure|details|blockquote)\b/gi) ?? []).length;
  const lines = html.replace(/<[^>]+>/g, "").split("\n").length;
  const images = (html.match(/<img\b/gi) ?? []).length;
  return Math.min(40, Math.max(3, Math.max(blocks, lines) * 1.6 + images * 8 + 1));
}
