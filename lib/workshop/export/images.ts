/**
 * Makes a page self-contained: every `<img>` whose source is a local file is replaced by the file
 * itself, SVGs inlined as markup (our diagrams: crisp, searchable, styled by the page) and other
 * images as data URIs. A remote image would need the network, so it becomes a link with its alt text.
 */
import { existsSync, readFileSync } from "node:fs";
import { extname, resolve } from "node:path";
import { escapeHtml } from "./html.js";

const IMG_TAG = /<img\b[^>]*>/gi;
const RASTER: Record<string, string> = { ".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".gif": "image/gif", ".webp": "image/webp" };

function attribute(tag: string, name: string): string | undefined {
  const m = new RegExp(`\\s${name}\\s*=\\s*(?:"([^"]*)"|'([^']*)'|([^\\s>]+))`, "i").exec(tag);
  const raw = m ? (m[1] ?? m[2] ?? m[3]) : undefined;
  return raw?.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
}

/** An inline-safe copy of an SVG document: no prolog, scripts, handlers or outside links, ids made unique to this copy, sized by CSS. */
export function inlineSvg(svg: string, idPrefix: string, alt: string | undefined, width: string | undefined): string {
  let body = svg
    .replace(/<\?xml[\s\S]*?\?>/g, "")
    .replace(/<!DOCTYPE[\s\S]*?>/gi, "")
    .replace(/<script[\s\S]*?<\/script>/gi, "")
    .replace(/\son\w+\s*=\s*("[^"]*"|'[^']*'|[^\s>]+)/gi, "")
    // Links inside a diagram may only point within it (markers, symbols): no javascript: or other URL.
    .replace(/\s(?:xlink:)?href\s*=\s*("[^"]*"|'[^']*'|[^\s>]+)/gi, (attr, value: string) => (/^["']?#/.test(value) ? attr : ""))
    .trim();
  // Several diagrams on one page each define `#arrow`: give every copy its own ids.
  const ids = [...body.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]!);
  for (const id of new Set(ids)) {
    const escaped = id.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    body = body
      .replace(new RegExp(`(\\sid=")${escaped}(")`, "g"), `$1${idPrefix}-${id}$2`)
      .replace(new RegExp(`url\\(#${escaped}\\)`, "g"), `url(#${idPrefix}-${id})`)
      .replace(new RegExp(`(href=")#${escaped}(")`, "g"), `$1#${idPrefix}-${id}$2`);
  }
  const label = alt ? ` role="img" aria-label="${escapeHtml(alt)}"` : "";
  body = body.replace(/<svg\b([^>]*)>/i, (_all, attrs: string) => {
    const kept = attrs.replace(/\s(width|height)="[^"]*"/g, "");
    return `<svg${kept}${label} class="diagram"${width ? ` style="width:${escapeHtml(width)}"` : ""}>`;
  });
  return `<figure class="figure">${body}${alt ? `<figcaption>${escapeHtml(alt)}</figcaption>` : ""}</figure>`;
}

export interface InlineResult {
  html: string;
  /** Local image files that could not be found (left as their alt text). */
  missing: string[];
}

/** `html` with its images inlined; a relative source resolves against the first of `baseDirs` that has it. */
export function inlineImages(html: string, baseDirs: string[], idPrefix: string): InlineResult {
  const missing: string[] = [];
  let count = 0;
  const out = html.replace(IMG_TAG, (tag) => {
    const src = attribute(tag, "src");
    const alt = attribute(tag, "alt");
    if (!src || src.startsWith("data:")) return tag;
    if (/^[a-z][a-z0-9+.-]*:/i.test(src)) {
      return `<a class="remote-image" href="${escapeHtml(src)}">${escapeHtml(alt || src)}</a>`;
    }
    const relative = decodeURIComponent(src.split(/[?#]/)[0]!);
    const file = baseDirs.map((dir) => resolve(dir, relative)).find((f) => existsSync(f));
    if (!file) {
      missing.push(src);
      return `<span class="missing-image">[${escapeHtml(alt || src)}]</span>`;
    }
    const ext = extname(file).toLowerCase();
    if (ext === ".svg") return inlineSvg(readFileSync(file, "utf8"), `${idPrefix}-img${++count}`, alt, attribute(tag, "width"));
    const mime = RASTER[ext];
    if (!mime) return tag;
    const width = attribute(tag, "width");
    return `<img src="data:${mime};base64,${readFileSync(file).toString("base64")}" alt="${escapeHtml(alt ?? "")}"${width ? ` style="width:${escapeHtml(width)}"` : ""}>`;
  });
  return { html: out, missing };
}
