/** Code highlighting with highlight.js: class-annotated HTML that the page's inlined theme colours. */
import hljs from "highlight.js";
import { escapeHtml } from "./html.js";

const ALIASES: Record<string, string> = { ts: "typescript", tsx: "typescript", js: "javascript", sh: "bash", shell: "bash", console: "bash", py: "python", yml: "yaml" };

/** `code` as highlighted HTML (without the surrounding `<pre><code>`); unknown languages are escaped only. */
export function highlightCode(code: string, language: string | undefined): string {
  const lang = language ? (ALIASES[language.toLowerCase()] ?? language.toLowerCase()) : undefined;
  if (lang && hljs.getLanguage(lang)) return hljs.highlight(code, { language: lang, ignoreIllegals: true }).value;
  return escapeHtml(code);
}
