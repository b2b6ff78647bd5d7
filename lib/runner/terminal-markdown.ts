/**
 * Markdown for the terminal via marked + marked-terminal, loaded on first use: both are sizeable
 * and many runs (or cells importing the lib) never render any markdown.
 */
import { createRequire } from "node:module";
import type { Marked, MarkedExtension } from "marked";

let renderer: Marked | undefined;

/** FORCE_COLOR wins, then NO_COLOR, then whether stdout is a terminal (chalk's rules, simplified). */
export function terminalHasColor(): boolean {
  const forced = process.env.FORCE_COLOR;
  if (forced !== undefined) return forced !== "0" && forced !== "false";
  return process.stdout.isTTY === true && !process.env.NO_COLOR;
}

function markedForTerminal(): Marked {
  if (!renderer) {
    const req = createRequire(import.meta.url);
    const { Marked: MarkedClass } = req("marked") as typeof import("marked");
    const { markedTerminal } = req("marked-terminal") as typeof import("marked-terminal");
    const width = Math.min(process.stdout.columns || 80, 100);
    // cli-table3 colours table borders even off a TTY; keep plain text plain.
    const tableOptions = terminalHasColor() ? {} : { style: { head: [], border: [] } };
    renderer = new MarkedClass().use(markedTerminal({ width, reflowText: true, tab: 2, tableOptions }) as MarkedExtension);
  }
  return renderer;
}

export function renderMarkdown(markdown: string): string {
  const out = markedForTerminal().parse(markdown, { async: false });
  return out.replace(/\n+$/, "\n");
}
