/** Markdown cells and `text/markdown` outputs to HTML with marked (GitHub-flavoured), code blocks highlighted, then sanitized. */
import { Marked } from "marked";
import { highlightCode } from "./highlight.js";
import { escapeHtml } from "./html.js";
import { sanitizeMarkdownHtml } from "./sanitize.js";

const marked = new Marked({
  gfm: true,
  renderer: {
    code({ text, lang }) {
      const language = lang?.trim().split(/\s+/)[0];
      return `<pre class="code-block"><code class="hljs${language ? ` language-${escapeHtml(language)}` : ""}">${highlightCode(text, language)}</code></pre>\n`;
    },
  },
});

/** Heading text to a fragment id (GitHub's convention, roughly): lowercase, dashes, no punctuation. */
export function slug(text: string): string {
  return text
    .toLowerCase()
    .replace(/<[^>]+>/g, "")
    .replace(/&[a-z#0-9]+;/g, "")
    .replace(/[^\p{L}\p{N}\s-]/gu, "")
    .trim()
    .replace(/\s+/g, "-");
}

export function renderMarkdown(markdown: string): string {
  // Raw HTML in markdown passes through marked: it is sanitized before it reaches the page.
  const html = sanitizeMarkdownHtml(marked.parse(markdown, { async: false }));
  // Headings get ids so the page's table of contents can link to them.
  return html.replace(/<h([1-6])>([\s\S]*?)<\/h\1>/g, (_all, level: string, inner: string) => `<h${level} id="${slug(inner)}">${inner}</h${level}>`);
}
