/**
 * The exported pages' CSS, inlined in every page (no network, no extra files): a quiet notebook
 * layout and highlight.js's GitHub theme, read from the installed package.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);

let themeCss: string | undefined;

function highlightTheme(): string {
  themeCss ??= readFileSync(require.resolve("highlight.js/styles/github.css"), "utf8").replace(/\/\*[\s\S]*?\*\//g, "").trim();
  return themeCss;
}

const PAGE_CSS = `
:root {
  --text: #1f2328; --muted: #59636e; --line: #d1d9e0; --accent: #0b5cad; --bg: #ffffff;
  --panel: #f6f8fa; --code-bg: #f6f8fa; --out-bg: #ffffff; --err-bg: #fff1f0; --err-line: #f5a3a3;
  --ok: #1a7f37; --bad: #cf222e;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  color: var(--text); background: var(--bg);
}
* { box-sizing: border-box; }
body { margin: 0; line-height: 1.6; font-size: 16px; }
a { color: var(--accent); text-decoration: none; }
a:hover { text-decoration: underline; }
code, pre { font-family: ui-monospace, SFMono-Regular, "SF Mono", Menlo, Consolas, "Liberation Mono", monospace; font-size: 13.5px; }
.topbar { position: sticky; top: 0; z-index: 10; display: flex; align-items: center; gap: 16px; padding: 10px 24px;
  background: #232f3e; color: #fff; box-shadow: 0 1px 3px rgba(0,0,0,.2); }
.topbar a { color: #ffb74d; font-weight: 600; }
.topbar .site-name { font-weight: 600; letter-spacing: .2px; }
.topbar .spacer { flex: 1; }
.topbar .badge { font-size: 13px; }
.layout { display: grid; grid-template-columns: 250px minmax(0, 1fr); gap: 32px; max-width: 1280px; margin: 0 auto; padding: 24px; }
.toc { position: sticky; top: 64px; align-self: start; max-height: calc(100vh - 88px); overflow-y: auto; font-size: 14px; }
.toc h2 { font-size: 12px; text-transform: uppercase; letter-spacing: .08em; color: var(--muted); margin: 0 0 8px; }
.toc ol { list-style: none; margin: 0; padding: 0; }
.toc li { margin: 2px 0; }
.toc li.level-1 { font-weight: 600; margin-top: 8px; }
.toc li.level-2 { padding-left: 10px; }
.toc li.level-3 { padding-left: 20px; font-size: 13px; }
.toc a { color: var(--text); display: block; padding: 2px 8px; border-left: 2px solid transparent; }
.toc a:hover { border-left-color: var(--accent); color: var(--accent); text-decoration: none; }
main { min-width: 0; }
.run-info { display: flex; flex-wrap: wrap; gap: 8px 20px; font-size: 14px; color: var(--muted); padding: 10px 14px;
  background: var(--panel); border: 1px solid var(--line); border-radius: 8px; margin-bottom: 24px; }
.run-info .ok { color: var(--ok); font-weight: 600; }
.run-info .failed { color: var(--bad); font-weight: 600; }
.cell { margin: 0 0 18px; }
.markdown h1 { font-size: 2em; border-bottom: 1px solid var(--line); padding-bottom: .3em; margin: 1.2em 0 .6em; }
.markdown h2 { font-size: 1.5em; border-bottom: 1px solid var(--line); padding-bottom: .25em; margin: 1.3em 0 .6em; }
.markdown h3 { font-size: 1.25em; margin: 1.2em 0 .5em; }
.markdown h4 { font-size: 1.05em; margin: 1.1em 0 .4em; }
.markdown > :first-child { margin-top: 0; }
.markdown p, .markdown ul, .markdown ol { margin: .6em 0; }
.markdown blockquote { margin: .8em 0; padding: .5em 1em; color: #3d444d; background: #f3f8ff; border-left: 4px solid #4a90d9; border-radius: 0 6px 6px 0; }
.markdown blockquote > :first-child { margin-top: 0; } .markdown blockquote > :last-child { margin-bottom: 0; }
.markdown :not(pre) > code { background: rgba(175,184,193,.2); padding: .15em .4em; border-radius: 6px; font-size: 85%; }
.markdown table { border-collapse: collapse; margin: .8em 0; display: block; overflow-x: auto; }
.markdown th, .markdown td { border: 1px solid var(--line); padding: 6px 12px; text-align: left; }
.markdown th { background: var(--panel); }
.markdown tr:nth-child(2n) td { background: #fafbfc; }
.markdown img { max-width: 100%; }
pre.code-block { background: var(--code-bg); border: 1px solid var(--line); border-radius: 6px; padding: 12px 14px; overflow-x: auto; }
.figure { margin: 1.2em 0; text-align: center; }
.figure svg.diagram { max-width: 100%; height: auto; border: 1px solid var(--line); border-radius: 8px; }
/* The diagrams are drawn for Helvetica/Arial metrics; where neither exists (a bare Linux), a metric-
   compatible or condensed face keeps their labels inside their boxes. CSS beats the SVG's own attribute. */
.figure svg.diagram { font-family: Helvetica, Arial, "Liberation Sans", Arimo, "DejaVu Sans Condensed", sans-serif; }
.figure figcaption { font-size: 13px; color: var(--muted); margin: 6px auto 0; max-width: 80%; }
.code-cell { display: grid; grid-template-columns: 56px minmax(0, 1fr); gap: 8px; }
.prompt { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 12.5px; color: #3b6fb6; text-align: right; padding-top: 11px; }
.cell-body { min-width: 0; border: 1px solid var(--line); border-radius: 8px; overflow: hidden; background: var(--out-bg); }
.cell-body.failed { border-color: var(--err-line); box-shadow: 0 0 0 2px #ffd7d5; }
.source { margin: 0; padding: 12px 14px; background: var(--code-bg); overflow-x: auto; position: relative; }
/* A handout: long lines wrap rather than hide behind a scroll bar. */
.source code, pre.code-block code { white-space: pre-wrap; overflow-wrap: anywhere; }
.source .hljs { background: transparent; padding: 0; }
.cell-meta { float: right; font-size: 12px; color: var(--muted); margin-left: 12px; font-family: system-ui, sans-serif; }
.cell-meta .tag { display: inline-block; background: #ddf4ff; color: #0550ae; border-radius: 10px; padding: 0 8px; margin-left: 4px; }
.outputs:empty { display: none; }
.outputs { border-top: 1px solid var(--line); padding: 4px 0; }
.outputs > * { margin: 0; padding: 6px 14px; }
.outputs pre { white-space: pre-wrap; word-break: break-word; overflow-x: auto; }
.output-stream.stderr { background: #fff8e6; color: #5c3b00; }
.output-json { background: #fbfbfc; }
.output-markdown { font-size: 15px; }
.output-image img, .output-image svg { max-width: 100%; }
.output-frame { display: block; width: 100%; border: 1px solid #d0d7de; border-radius: 6px; resize: vertical; background: #fff; }
.output-error { background: var(--err-bg); border-left: 4px solid var(--bad); }
.output-error .error-name { font-weight: 700; color: var(--bad); font-size: 14px; margin-top: 4px; }
.output-error pre { margin: 4px 0; color: #82071e; }
.output-unsupported, .missing-image { color: var(--muted); font-style: italic; }
footer { max-width: 1280px; margin: 0 auto; padding: 16px 24px 40px; color: var(--muted); font-size: 13px; border-top: 1px solid var(--line); }
.index-wrap { max-width: 900px; margin: 0 auto; padding: 32px 24px 24px; }
.index h1 { font-size: 2em; margin: .2em 0 .3em; }
.index .lead { color: var(--muted); margin: 0 0 24px; }
.cards { list-style: none; padding: 0; margin: 0; display: grid; gap: 14px; }
.card { display: block; border: 1px solid var(--line); border-radius: 10px; padding: 16px 18px; background: #fff; color: var(--text); }
a.card:hover { border-color: var(--accent); box-shadow: 0 2px 8px rgba(11,92,173,.12); text-decoration: none; }
.card h2 { margin: 0 0 4px; font-size: 1.2em; color: var(--accent); }
.card p { margin: 4px 0 0; color: var(--muted); font-size: 14px; }
.card .file { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 13px; }
.status-ok { color: var(--ok); font-weight: 600; } .status-failed { color: var(--bad); font-weight: 600; }
@media (max-width: 900px) { .layout { grid-template-columns: 1fr; } .toc { display: none; } .code-cell { grid-template-columns: 1fr; } .prompt { display: none; } }
@media print { .topbar, .toc { display: none; } .layout { display: block; } .cell { break-inside: avoid; } }
`;

export function pageCss(): string {
  return `${PAGE_CSS}\n${highlightTheme()}\n`;
}
