/**
 * What a person watching the run sees: markdown cells rendered, one progress line per code cell
 * (index, first source line, elapsed) around its live output, rich outputs summarised, and on
 * failure the cell, its first lines and the error. `--quiet` keeps only warnings, failures and the
 * summary; the progress display adds `[k/N]` and, on a terminal with nothing else printing, one
 * line rewritten in place whose elapsed time ticks while the cell runs.
 */
import type { ErrorOutput, MimeBundle } from "./notebook-file.js";
import { renderMarkdown, terminalHasColor } from "./terminal-markdown.js";

export interface TerminalWriter {
  stdout(text: string): void;
  stderr(text: string): void;
}

const useColor = terminalHasColor();
const paint = (code: string) => (s: string) => (useColor ? `\u001b[${code}m${s}\u001b[0m` : s);
const dim = paint("2");
const red = paint("31");
const green = paint("32");
const bold = paint("1");

export function firstLine(source: string): string {
  // The first line that says what the cell does: skip blank lines and, if there is code, comments.
  const lines = source.split("\n").map((l) => l.trim()).filter((l) => l !== "");
  const line = lines.find((l) => !l.startsWith("//")) ?? lines[0] ?? "";
  return line.length > 72 ? `${line.slice(0, 71)}…` : line;
}

export function formatElapsed(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(2)} s`;
}

export interface ViewOptions {
  /** Markdown, per-cell lines and displays (the live echo of streams is the session's). */
  log: boolean;
  /** `[k/N]` before each cell line; without `log`, one line per cell. */
  progress: boolean;
  /** The terminal is a TTY: the quiet progress line is rewritten in place and ticks. */
  live: boolean;
}

const LOG: ViewOptions = { log: true, progress: false, live: false };
const CLEAR_LINE = "\r\u001b[K";

export class TerminalView {
  private total = 0;
  private done = 0;
  /** A live progress line without its newline yet. */
  private openLine = false;
  private ticker: ReturnType<typeof setInterval> | undefined;

  constructor(
    private readonly out: TerminalWriter,
    private readonly label: string,
    private readonly options: ViewOptions = LOG,
  ) {}

  runStart(codeCells: number): void {
    this.total = codeCells;
    this.out.stdout(bold(`▶ ${this.label}`) + dim(` (${codeCells} code cells)`) + "\n");
  }

  private counter(): string {
    return this.options.progress ? dim(`[${this.done}/${this.total}] `) : "";
  }

  private closeLine(): void {
    if (this.ticker) clearInterval(this.ticker);
    this.ticker = undefined;
    if (this.openLine) this.out.stdout("\n");
    this.openLine = false;
  }

  markdown(source: string): void {
    if (!this.options.log) return;
    try {
      this.out.stdout(renderMarkdown(source));
    } catch {
      this.out.stdout(source + "\n"); // never fail a run over presentation
    }
  }

  /** `label` is the cell's position in the notebook ("cell 4"), the same name failures use. */
  cellStart(label: string, source: string): void {
    this.done += 1;
    if (this.options.log) return this.out.stdout(this.counter() + dim(`[${label}] `) + firstLine(source) + "\n");
    if (!this.options.progress || !this.options.live) return;
    const started = performance.now();
    const draw = () => this.out.stdout(CLEAR_LINE + this.counter() + dim(`[${label}] `) + firstLine(source) + dim(` ${formatElapsed(performance.now() - started)}`));
    draw();
    this.openLine = true;
    this.ticker = setInterval(draw, 1000);
    this.ticker.unref();
  }

  cellEnd(label: string, elapsedMs: number, ok: boolean, note = "", source = ""): void {
    const mark = ok ? green("✓") : red("✗");
    const result = `${mark} ${formatElapsed(elapsedMs)}${note ? ` ${note}` : ""}`;
    if (this.options.log) return this.out.stdout(this.counter() + dim(`[${label}] `) + result + "\n");
    if (!this.options.progress) return;
    const wasOpen = this.openLine;
    this.openLine = false; // the result line replaces the open one
    this.closeLine();
    const line = this.counter() + dim(`[${label}] `) + result + (source ? dim(` ${firstLine(source)}`) : "") + "\n";
    this.out.stdout(wasOpen ? CLEAR_LINE + line : line);
  }

  skipped(label: string, source: string, why: string): void {
    this.done += 1;
    if (!this.options.log && !this.options.progress) return;
    this.closeLine();
    this.out.stdout(this.counter() + dim(`[${label}] ${firstLine(source)} — skipped (${why})`) + "\n");
  }

  display(data: MimeBundle): void {
    if (!this.options.log) return;
    const md = data["text/markdown"];
    if (typeof md === "string") return this.markdown(md);
    const plain = data["text/plain"];
    if (typeof plain === "string") return this.out.stdout(plain.endsWith("\n") ? plain : plain + "\n");
    const html = data["text/html"];
    if (typeof html === "string") return this.out.stdout(html.replace(/<[^>]*>/g, "").trim() + dim("  [html]") + "\n");
    const json = Object.keys(data).find((m) => /^application\/(.*\+)?json$/.test(m));
    if (json) return this.out.stdout(JSON.stringify(data[json], null, 2) + "\n");
    const mime = Object.keys(data)[0] ?? "unknown";
    const size = typeof data[mime] === "string" ? ` ${(data[mime] as string).length} chars` : "";
    this.out.stdout(dim(`[${mime} output${size}]`) + "\n");
  }

  warn(message: string): void {
    this.closeLine();
    this.out.stderr(red("warning: ") + message + "\n");
  }

  failure(where: string, source: string, error: ErrorOutput): void {
    this.closeLine();
    const lines = source.split("\n").slice(0, 5);
    const more = source.split("\n").length > lines.length ? ["  …"] : [];
    this.out.stderr(
      [
        "",
        red(bold(`✗ ${where} failed`)),
        ...lines.map((l) => dim("  │ ") + l),
        ...more,
        red(`${error.ename}: ${error.evalue.split("\n")[0]}`),
        ...error.traceback.slice(1).map((l) => dim(l)),
        "",
      ].join("\n"),
    );
  }

  summary(text: string, ok: boolean): void {
    this.closeLine();
    this.out.stdout((ok ? green(text) : red(text)) + "\n");
  }
}
