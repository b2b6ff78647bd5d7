/**
 * Runs one notebook headlessly: papermill's semantics (parameters, tags, stop at the first failure,
 * the executed notebook is the report) on tslab's in-process converter and executor.
 */
import path from "node:path";
import { CellOutputs, DisplayRegistry } from "./cell-outputs.js";
import { writeJunitReport } from "./junit-report.js";
import { type Cell, type CodeCell, cellTags, type ErrorOutput, type JsonObject, type Notebook, readNotebook, sourceText, writeNotebook } from "./notebook-file.js";
import { injectParameters, type Parameters } from "./parameters.js";
import { describeLeak, type Leak, SecretGuard, type VaultDigestSource } from "./secret-guard.js";
import { TerminalView, type ViewOptions } from "./terminal-view.js";
import { TslabSession } from "./tslab-session.js";
import { checkKernelspec } from "./kernelspec.js";
import { loadRequired } from "./required-modules.js";
import { describeLeftover, descendants, killProcesses, type Leftover } from "./leftover-processes.js";

export interface RunOptions {
  notebookPath: string;
  /** Folder the executed notebook is written to (same file name as the input). */
  outDir: string;
  /** The executed notebook's file, instead of `outDir` and the input's name. */
  outputPath?: string;
  /** What the terminal shows (default: everything, no [k/N] counter). */
  view?: ViewOptions;
  /** Tags of cells not to run (default: skip-headless). */
  skipTags?: string[];
  parameters?: Parameters;
  junitPath?: string;
  /** Per-cell timeout in seconds; 0 or undefined for none. */
  cellTimeoutSeconds?: number;
  /** Working directory of the cells; defaults to the notebook's folder. */
  cwd?: string;
  /**
   * Modules to load before the first cell, once per process (`--require`; see required-modules.ts):
   * paths resolve from the current directory, other names as packages. Not found or throwing:
   * RequireError (a NotebookFormatError: exit 2), before any cell.
   */
  require?: string[];
  /** Echo cell output live to the terminal (default true). */
  echo?: boolean;
  /** Keep secrets found in outputs and do not fail for them (`--allow-secrets`); loudly warned. */
  allowSecrets?: boolean;
  /**
   * Where the leak guard learns the digests of vaulted secrets (the `nb` CLI passes Local
   * AgentCore's); without one it knows secret-named environment values and secret shapes only.
   */
  vaultDigests?: VaultDigestSource;
  /**
   * Record errors no cell awaited (thrown in timers, unhandled rejections) without failing the run
   * (`--allow-background-errors`, tslab's own behaviour); by default they fail it.
   */
  allowBackgroundErrors?: boolean;
  /** Stop the processes cells leave running, detached ones included (`--kill-children`); by default they are only listed. */
  killChildren?: boolean;
}

export type CellRunStatus =
  | "ok"
  | "error"
  | "timeout"
  | "interrupted"
  | "expected-error"
  | "missing-error"
  | "secret-leak"
  | "background-error"
  | "process-ended"
  | "skipped"
  | "not-run";

export interface CellReport {
  /** "cell 4" (position in the input notebook) or "injected-parameters cell". */
  label: string;
  source: string;
  status: CellRunStatus;
  elapsedMs: number;
  error?: ErrorOutput;
  stdout?: string;
  stderr?: string;
}

export interface RunResult {
  ok: boolean;
  outputPath: string;
  cells: CellReport[];
  failed?: CellReport;
}

export const FAILING: CellRunStatus[] = ["error", "timeout", "interrupted", "missing-error", "secret-leak", "background-error", "process-ended"];

function streamText(cell: CodeCell, name: "stdout" | "stderr"): string {
  return cell.outputs
    .filter((o) => o.output_type === "stream" && o.name === name)
    .map((o) => (o.output_type === "stream" ? (Array.isArray(o.text) ? o.text.join("") : o.text) : ""))
    .join("");
}

function labelCells(nb: Notebook): Map<Cell, string> {
  return new Map(nb.cells.map((c, i) => [c, `cell ${i + 1}`]));
}

export async function runNotebook(options: RunOptions): Promise<RunResult> {
  const notebookPath = path.resolve(options.notebookPath);
  const outputPath = options.outputPath ? path.resolve(options.outputPath) : path.join(path.resolve(options.outDir), path.basename(notebookPath));
  const nb = await readNotebook(notebookPath);
  const kernelWarning = checkKernelspec(nb, notebookPath);
  const labels = labelCells(nb);
  const parameters = options.parameters ?? new Map();
  const injection = injectParameters(nb, parameters);
  const cellsCwd = path.resolve(options.cwd ?? path.dirname(notebookPath));
  // Already loaded when run in the supervised child (run-child.ts); in this process, here.
  await loadRequired(options.require ?? [], cellsCwd);
  if (injection) labels.set(nb.cells[injection.index]!, "injected-parameters cell");

  const startedAt = new Date();
  // What the saved notebook says about the run, in every checkpoint and at the end: paths relative
  // to the saved notebook (an absolute one tells readers this machine's user and folders),
  // parameter values as the leak guard lets them be shown.
  const runMetadata = () => ({
    input_path: path.relative(path.dirname(outputPath), notebookPath),
    // Parameter values come from JSON/YAML text (-p, parameter files), so they are JSON values.
    parameters: Object.fromEntries(guard.maskParameters(parameters)) as JsonObject,
    start_time: startedAt.toISOString(),
  });
  const initialCwd = process.cwd();
  const allowSecrets = options.allowSecrets ?? false;
  const allowBackgroundErrors = options.allowBackgroundErrors ?? false;
  const guard = new SecretGuard({ allowSecrets, vault: options.vaultDigests });
  // Asked now, answered while the compiler is built below (the parent may first have to load its
  // vault client); awaited before the first cell, as if asked then: no cell runs in between.
  const firstRefresh = guard.refresh();
  const session = new TslabSession({
    cwd: cellsCwd,
    echo: options.echo ?? true,
    cellTimeoutMs: Math.round((options.cellTimeoutSeconds ?? 0) * 1000),
    echoFilter: (text) => guard.maskText(text),
  });
  const view = new TerminalView(session.terminal, path.relative(initialCwd, notebookPath) || notebookPath, options.view);
  const registry = new DisplayRegistry();
  const reports: CellReport[] = [];
  let failed: CellReport | undefined;
  let leftovers: Leftover[] = [];
  const leaks: (Leak & { cell: string })[] = [];

  // The cells run the injected values as given; the saved notebook shows them masked.
  const injectedCell = injection ? nb.cells[injection.index] : undefined;
  /** A cell's source as the terminal, the reports and the saved notebook show it. */
  const shownSource = (c: Cell) => (c === injectedCell ? guard.maskParameterValues(sourceText(c), parameters) : sourceText(c));
  const save = () =>
    writeNotebook(
      outputPath,
      !injectedCell ? nb : { ...nb, cells: nb.cells.map((c) => (c === injectedCell ? { ...c, source: shownSource(c) } : c)) },
    );

  /** Puts errors nothing awaited on `cell` (the running one, or the last that ran); fails it unless allowed. */
  const recordBackgroundErrors = async (cell: CodeCell | undefined, report: CellReport | undefined) => {
    const errors = await session.takeBackgroundErrors();
    if (errors.length === 0 || !cell || !report) return;
    cell.outputs.push(...errors);
    await guard.refresh();
    leaks.push(...guard.inspect(errors).map((l) => ({ ...l, cell: report.label })));
    for (const error of errors) {
      if (allowBackgroundErrors) view.warn(`${report.label}: ${error.traceback[0]} (kept because of --allow-background-errors)`);
    }
    if (allowBackgroundErrors || failed) return;
    report.status = "background-error";
    report.error = errors[0];
    report.stderr = streamText(cell, "stderr");
    cell.metadata.headless = { ...(cell.metadata.headless as object), status: report.status };
    failed = report;
    view.failure(`${report.label} (execution count [${cell.execution_count}])`, report.source, errors[0]!);
  };
  let lastRan: { cell: CodeCell; report: CellReport } | undefined;

  try {
    view.runStart(nb.cells.filter((c) => c.cell_type === "code" && sourceText(c).trim() !== "").length);
    if (allowSecrets) {
      view.warn(
        "--allow-secrets: secrets that cells print are NOT masked and do NOT fail the run. The executed notebook may hold live keys: do not share or commit it.",
      );
    }
    if (kernelWarning) view.warn(kernelWarning);
    if (allowBackgroundErrors) {
      view.warn("--allow-background-errors: errors thrown in timers and unhandled rejections are recorded but do NOT fail the run.");
    }
    await firstRefresh;
    const before = new Set(descendants(process.pid).map((p) => p.pid));
    for (const name of injection?.unknownNames ?? []) {
      view.warn(`parameter "${name}" is not declared in the cell tagged "parameters"; injected as a new const`);
    }
    let executionCount = 0;
    for (const cell of nb.cells) {
      const label = labels.get(cell)!;
      const source = sourceText(cell);
      const shown = shownSource(cell);
      if (cell.cell_type === "markdown") {
        view.markdown(source);
        continue;
      }
      if (cell.cell_type !== "code") continue;
      cell.outputs = [];
      cell.execution_count = null;
      const tags = cellTags(cell);
      const report: CellReport = { label, source: shown, status: "not-run", elapsedMs: 0 };
      reports.push(report);
      if (!failed) await recordBackgroundErrors(lastRan?.cell, lastRan?.report);
      if (failed) continue;
      const skipTag = (options.skipTags ?? ["skip-headless"]).find((t) => tags.includes(t));
      if (skipTag) {
        report.status = "skipped";
        cell.metadata.headless = { status: "skipped" };
        view.skipped(label, shown, skipTag);
        continue;
      }
      if (session.interruptRequested) {
        report.status = "interrupted";
        report.error = { output_type: "error", ename: "KeyboardInterrupt", evalue: "interrupted (SIGINT) before this cell", traceback: [] };
        failed = report;
        view.failure(label, shown, report.error);
        continue;
      }
      if (source.trim() === "") {
        report.status = "skipped"; // Jupyter does not execute empty cells either
        continue;
      }

      cell.execution_count = ++executionCount;
      // A checkpoint: if this cell ends the process, the supervising parent finishes the notebook from here.
      cell.metadata.headless = { status: "running" };
      nb.metadata.headless = { ...runMetadata(), status: "running", running_cell: label };
      await save();
      view.cellStart(label, shown);
      const outputs = new CellOutputs(registry, (data) => view.display(guard.maskBundle(data)));
      const start = new Date();
      const t0 = performance.now();
      const outcome = await session.execute(source, outputs);
      lastRan = { cell, report };
      report.elapsedMs = performance.now() - t0;
      cell.outputs = outputs.outputs;
      if (outcome.error) cell.outputs.push(outcome.error);
      // The leak guard: masks what it finds (in place, so the report's error is masked too).
      await guard.refresh();
      const found = guard.inspect(cell.outputs);
      leaks.push(...found.map((l) => ({ ...l, cell: label })));

      const expectsError = tags.includes("raises-exception");
      report.error = outcome.error;
      if (outcome.status === "ok") report.status = expectsError ? "missing-error" : "ok";
      else if (outcome.status === "error" && expectsError) report.status = "expected-error";
      else report.status = outcome.status;
      if (report.status === "missing-error") {
        report.error = {
          output_type: "error",
          ename: "MissingExpectedError",
          evalue: 'the cell is tagged "raises-exception" but raised no error',
          traceback: [],
        };
      }
      if (found.length > 0) {
        const list = found.map(describeLeak).join("; ");
        if (allowSecrets) view.warn(`${label} printed secrets, kept because of --allow-secrets: ${list}`);
        else if (!FAILING.includes(report.status)) {
          report.status = "secret-leak";
          report.error = {
            output_type: "error",
            ename: "SecretLeakError",
            evalue: `${label} printed ${list}. It is masked in the saved notebook; print a masked form instead (maskSecret from agentcore-kit), or run with --allow-secrets.`,
            traceback: [],
          };
          report.error.traceback = [`SecretLeakError: ${report.error.evalue}`];
          cell.outputs.push(report.error);
        }
      }
      report.stdout = streamText(cell, "stdout");
      report.stderr = streamText(cell, "stderr");
      cell.metadata.execution = {
        "iopub.execute_input": start.toISOString(),
        "shell.execute_reply": new Date().toISOString(),
      };
      cell.metadata.headless = { status: report.status, duration_ms: Math.round(report.elapsedMs * 10) / 10 };

      const ok = !FAILING.includes(report.status);
      view.cellEnd(label, report.elapsedMs, ok, report.status === "expected-error" ? "(expected error)" : "", shown);
      if (!ok) {
        failed = report;
        view.failure(`${label} (execution count [${executionCount}])`, shown, report.error!);
      }
    }
    if (!failed) await recordBackgroundErrors(lastRan?.cell, lastRan?.report);
    leftovers = descendants(process.pid).filter((p) => !before.has(p.pid));
  } finally {
    session.close();
    process.chdir(initialCwd);
  }

  const endedAt = new Date();
  const elapsedMs = endedAt.getTime() - startedAt.getTime();
  nb.metadata.headless = {
    ...runMetadata(),
    end_time: endedAt.toISOString(),
    duration_ms: elapsedMs,
    status: failed ? "failed" : "ok",
    ...(failed ? { failed_cell: failed.label, error: failed.error ? `${failed.error.ename}: ${failed.error.evalue}` : failed.status } : {}),
    ...(allowSecrets ? { allow_secrets: true } : {}),
    ...(leaks.length ? { secret_leaks: leaks.map((l) => ({ cell: l.cell, kind: l.kind, where: l.where, masked: l.masked, ...(l.envName ? { env: l.envName } : {}) })) } : {}),
  };
  await save();
  if (options.junitPath) {
    writeJunitReport(path.resolve(options.junitPath), path.basename(notebookPath, ".ipynb"), reports, elapsedMs, (xml) => guard.maskParameterValues(xml, parameters));
  }
  const rel = path.relative(initialCwd, outputPath);
  if (leftovers.length > 0) {
    if (options.killChildren) {
      const killed = await killProcesses(leftovers);
      view.warn(`--kill-children: killed ${killed} processes the cells left running:\n  ${leftovers.map(describeLeftover).join("\n  ")}`);
    } else {
      view.warn(
        `left running: ${leftovers.length} processes the cells started outlive the run:\n  ${leftovers.map(describeLeftover).join("\n  ")}\n` +
          "  Stop them when done (a detached Local AgentCore: npm run local -- stop), or pass --kill-children in CI.",
      );
    }
  }
  view.summary(failed ? `✗ failed at ${failed.label}; executed notebook so far: ${rel}` : `✓ done in ${(elapsedMs / 1000).toFixed(1)} s → ${rel}`, !failed);
  return { ok: !failed, outputPath, cells: reports, failed };
}
