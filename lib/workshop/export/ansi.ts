/**
 * Terminal output to HTML with ansi-to-html: colours and bold become styled spans, everything else
 * is escaped. The palette is darkened so colours stay readable on the page's light output area.
 */
import AnsiToHtml from "ansi-to-html";

const PALETTE = {
  0: "#1f2328", 1: "#cf222e", 2: "#116329", 3: "#9a6700", 4: "#0550ae", 5: "#8250df", 6: "#1b7c83", 7: "#6e7781",
  8: "#57606a", 9: "#a40e26", 10: "#1a7f37", 11: "#633c01", 12: "#218bff", 13: "#a475f9", 14: "#3192aa", 15: "#8c959f",
};

/** `text` (with ANSI escape codes) as HTML for a `<pre>`. A fresh converter per text: no colour leaks between outputs. */
export function ansiToHtml(text: string): string {
  const converter = new AnsiToHtml({ fg: "#1f2328", bg: "transparent", escapeXML: true, newline: false, stream: false, colors: PALETTE });
  return converter.toHtml(text);
}
