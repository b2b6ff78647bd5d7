/**
 * tslab's own converter and executor, in this process: what the tslab kernel does for one
 * notebook, minus ZeroMQ. Cells get per-cell type checking, shared scope and top-level await
 * exactly as in Jupyter. Where tslab only prints a failure, we keep the error value and turn it
 * into an nbformat `error` output.
 */
import { createRequire } from "node:module";
import { format } from "node:util";
import type { ErrorOutput, JsonObject, MimeBundle } from "./notebook-file.js";
import { captureStdio, type StdioCapture, type StreamName } from "./stdio-capture.js";
import { TimeoutWatchdog } from "./watchdog.js";

/** The subset of tslab's internal modules we use (tslab 1.0.22, pinned in package.json). */
interface TslabConverter {
  close(): void;
}
interface TslabExecutor {
  execute(src: string): Promise<boolean>;
  interrupt(): void;
  close(): void;
}
interface TslabDiagnosticConsole {
  log(...args: unknown[]): void;
  error(...args: unknown[]): void;
}
interface DisplayMessage {
  data: MimeBundle;
  metadata: JsonObject;
  transient?: { display_id?: string };
}

/** The format string tslab's executor prints type-check diagnostics with. */
const DIAGNOSTIC_FORMAT = "%s%d:%d - %s";

export interface CellSink {
  stream(name: StreamName, text: string): void;
  display(message: DisplayMessage, update: boolean): void;
}

export type CellStatus = "ok" | "error" | "timeout" | "interrupted";
export interface CellOutcome {
  status: CellStatus;
  error?: ErrorOutput;
}

export interface SessionOptions {
  /** Working directory of the cells; also where tslab resolves modules from. */
  cwd: string;
  /** Echo cell output live to the terminal. */
  echo: boolean;
  /** Per-cell timeout in milliseconds (0: none). */
  cellTimeoutMs: number;
  /** Rewrites the live echo (masks secrets); the recorded output is scanned separately. */
  echoFilter?: (text: string) => string;
}

export class TslabSession {
  readonly terminal: StdioCapture["terminal"];
  private readonly capture: StdioCapture;
  private readonly executor: TslabExecutor;
  private readonly watchdog?: TimeoutWatchdog;
  private failure: unknown[] | undefined;
  private diagnostics: string[] = [];
  private running = false;
  private userInterrupted = false;
  private sink: CellSink = { stream() {}, display() {} };

  private readonly onSigint = () => {
    const source = this.watchdog?.claimSignal() ?? "none";
    if (source === "stale") return;
    if (source === "none") this.userInterrupted = true;
    if (this.running) this.executor.interrupt();
  };
  /**
   * Errors no cell awaited (thrown in a timer or callback, promises rejected with no handler). tslab
   * only prints them; we keep them for the runner to record on a cell (and, by default, fail the run).
   */
  private background: ErrorOutput[] = [];
  private readonly onUncaught = (err: unknown) => this.background.push(backgroundErrorOutput(err, "uncaught exception in a timer or callback"));
  private readonly onUnhandled = (reason: unknown) => this.background.push(backgroundErrorOutput(reason, "unhandled promise rejection"));

  constructor(private readonly options: SessionOptions) {
    // tslab's converter type-checks relative to process.cwd(), so move there first.
    process.chdir(options.cwd);
    const req = createRequire(import.meta.url);
    // First of all: TypeScript itself, from V8's code cache when this Node has compiled it before,
    // not parsing declaration files' JSDoc (no type error depends on it).
    const { skipDeclarationJSDoc } = req("./declaration-jsdoc.cjs") as { skipDeclarationJSDoc(source: string): string | undefined };
    (req("./code-cache.cjs") as { loadWithCodeCache(r: NodeRequire, o: object): unknown }).loadWithCodeCache(req, { transform: skipDeclarationJSDoc });
    // Before the converter exists: a cell that changes a watched folder must not break the next one.
    (req("./tslab-timers.cjs") as { guardTslabTimers(r: NodeRequire): void }).guardTslabTimers(req);
    // Before the converter loads: the library's files are not re-checked by every cell while unchanged.
    (req("./tslab-check-cache.cjs") as { installTslabCheckCache(r: NodeRequire): unknown }).installTslabCheckCache(req);
    // A second notebook in this process gets the standard library typings its predecessor parsed.
    (req("./shared-lib-files.cjs") as { installSharedLibFiles(r: NodeRequire): unknown }).installSharedLibFiles(req);
    const { createConverter } = req("tslab/dist/converter") as { createConverter(o: object): TslabConverter };
    const { createExecutor } = req("tslab/dist/executor") as {
      createExecutor(root: string, convs: object, console: TslabDiagnosticConsole): TslabExecutor;
    };
    // `require("tslab")` in a cell returns tslab's public module, whose display API writes through
    // this hook, which the kernel sets per request; we point it at the running cell.
    const jupyter = req("tslab/dist/jupyter") as { lastWriteDisplayData: unknown };
    jupyter.lastWriteDisplayData = (message: DisplayMessage, update: boolean) => this.sink.display(message, update);

    this.capture = captureStdio(options.echo, options.echoFilter);
    this.capture.listener = (name, text) => this.sink.stream(name, text);
    this.terminal = this.capture.terminal;

    const converter = createConverter({ isJS: false, isBrowser: false });
    this.executor = createExecutor(
      options.cwd,
      { node: converter, browser: null, close: () => converter.close() },
      {
        log: (...args) => console.log(...args),
        error: (...args) => {
          if (args[0] === DIAGNOSTIC_FORMAT) {
            const [, file, line, col, message] = args;
            this.diagnostics.push(`${file}${line}:${col} - ${message}`);
          } else {
            this.failure = args;
          }
        },
      },
    );
    if (options.cellTimeoutMs > 0) this.watchdog = new TimeoutWatchdog();
    process.on("SIGINT", this.onSigint);
    process.on("uncaughtException", this.onUncaught);
    process.on("unhandledRejection", this.onUnhandled);
  }

  /** Ctrl+C arrived between cells: the run should stop (and save) instead of starting another. */
  get interruptRequested(): boolean {
    return this.userInterrupted && !this.running;
  }

  async execute(source: string, sink: CellSink): Promise<CellOutcome> {
    this.sink = sink;
    this.failure = undefined;
    this.diagnostics = [];
    this.userInterrupted = false;
    this.running = true;
    if (this.watchdog) this.watchdog.arm(this.options.cellTimeoutMs);
    let ok: boolean;
    try {
      ok = await this.executor.execute(source);
    } finally {
      this.watchdog?.disarm();
      this.running = false;
      this.capture.flush();
    }
    if (ok) return { status: "ok" };
    if (this.diagnostics.length > 0) {
      return { status: "error", error: { output_type: "error", ename: "TypeScriptError", evalue: this.diagnostics.join("\n"), traceback: this.diagnostics } };
    }
    if (this.watchdog?.firedForCurrentCell() && !this.userInterrupted) {
      const seconds = this.options.cellTimeoutMs / 1000;
      const evalue = `cell did not finish within --cell-timeout ${seconds} s and was interrupted`;
      return { status: "timeout", error: { output_type: "error", ename: "TimeoutError", evalue, traceback: [`TimeoutError: ${evalue}`] } };
    }
    if (this.userInterrupted || isScriptInterrupted(this.failure)) {
      return { status: "interrupted", error: { output_type: "error", ename: "KeyboardInterrupt", evalue: "interrupted (SIGINT)", traceback: ["KeyboardInterrupt: interrupted (SIGINT)"] } };
    }
    return { status: "error", error: errorOutput(this.failure ?? ["cell failed"]) };
  }

  /**
   * The background errors that arrived since the last call, oldest first. Timers that were already
   * due get a few turns of the event loop first, so an error a cell scheduled "right after" it is seen.
   */
  async takeBackgroundErrors(): Promise<ErrorOutput[]> {
    for (let i = 0; i < 3; i++) await new Promise((resolve) => setImmediate(resolve));
    const taken = this.background;
    this.background = [];
    return taken;
  }

  close(): void {
    process.off("SIGINT", this.onSigint);
    process.off("uncaughtException", this.onUncaught);
    process.off("unhandledRejection", this.onUnhandled);
    void this.watchdog?.close();
    this.executor.close();
    this.capture.restore();
  }
}

/** vm's breakOnSigint aborts synchronous code with this error when Ctrl+C arrives. */
function isScriptInterrupted(failure: unknown[] | undefined): boolean {
  const e = failure?.[0] as { code?: unknown } | undefined;
  return failure?.length === 1 && e?.code === "ERR_SCRIPT_EXECUTION_INTERRUPTED";
}

/** tslab compiles each cell with vm.runInThisContext, whose frames are named like this. */
const CELL_FRAME = "evalmachine.<anonymous>";
/** Stack frames of the runner and tslab's vm plumbing say nothing about the notebook. */
const PLUMBING = /\(node:vm[:)]|node:internal|tslab[\\/]dist[\\/]|lib[\\/]runner[\\/]/;

/** An error nothing awaited, as an error output whose first traceback line says how it escaped. */
export function backgroundErrorOutput(value: unknown, how: string): ErrorOutput {
  const out = errorOutput([value]);
  out.traceback[0] = `${out.ename}: ${out.evalue} (${how}; no cell awaited it)`;
  return out;
}

/** Turns what tslab would have printed (`console.error(value)`) into an nbformat error output. */
export function errorOutput(args: unknown[]): ErrorOutput {
  const value = args.length === 1 ? args[0] : format(...args);
  if (value instanceof Error) {
    const ename = value.name || value.constructor?.name || "Error";
    const evalue = value.message;
    let frames = (value.stack ?? "").split("\n").filter((l) => /^\s+at /.test(l)).map((l) => l.trimEnd());
    // Frames below the outermost cell frame are the runner calling the cell.
    const lastCellFrame = frames.findLastIndex((l) => l.includes(CELL_FRAME));
    if (lastCellFrame >= 0) frames = frames.slice(0, lastCellFrame + 1);
    frames = frames.filter((l) => !PLUMBING.test(l));
    return { output_type: "error", ename, evalue, traceback: [`${ename}: ${evalue}`, ...frames] };
  }
  const evalue = typeof value === "string" ? value : format("%o", value);
  return { output_type: "error", ename: "Error", evalue, traceback: [`Uncaught ${evalue}`] };
}
