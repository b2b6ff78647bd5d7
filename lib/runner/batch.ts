/**
 * Several notebooks in one run, one after the other, each in a fresh kernel state. How a notebook
 * runs is passed in (`runOne`): the CLI runs each in a supervised child process; the default runs
 * them in this process (its own tslab converter and executor per notebook, so no variable, import
 * or declaration carries over; the environment variables cells set are restored), sharing what
 * loading costs once (TypeScript, tslab, the runner). Then, per notebook, the output regression check; one JUnit file with a test
 * suite per notebook; a summary table. Exit status: 2 if an input was unusable, else 1 if any
 * notebook failed or differed from its reference, else 0.
 */
import { existsSync } from "node:fs";
import path from "node:path";
import { asReference, compareNotebooks, type Comparison, describeCell, formatComparison } from "./compare.js";
import { writeJunitSuites, type JunitSuite } from "./junit-report.js";
import { NotebookFormatError, readNotebook, writeNotebook } from "./notebook-file.js";
import { type CliOptions, outputPathFor, referencePathFor } from "./options.js";
import { type CellReport, type RunOptions, type RunResult, runNotebook } from "./run-notebook.js";
import { contextSanitizers, type Sanitizer } from "./sanitizers.js";
import { SecretGuard, type VaultDigestSource } from "./secret-guard.js";
import { formatElapsed } from "./terminal-view.js";

export type NotebookStatus = "ok" | "failed" | "mismatch" | "input-error" | "not-run";

export interface NotebookOutcome {
  notebook: string;
  status: NotebookStatus;
  /** Why it failed, differed or could not run (one line). */
  detail?: string;
  outputPath?: string;
  cells: CellReport[];
  elapsedMs: number;
  comparison?: Comparison;
}

/** Runs one notebook; throws NotebookFormatError when it cannot run at all. */
export type NotebookRunner = (options: RunOptions) => Promise<RunResult>;

export interface BatchContext {
  vaultDigests?: VaultDigestSource;
  /** How each notebook runs (the CLI: in a supervised child process; default: in this process). */
  runOne?: NotebookRunner;
  /** Sanitizers from --sanitize-with (the built-ins are added here). */
  userSanitizers: Sanitizer[];
  builtInSanitizers: Sanitizer[];
  /** stdout is a terminal (the progress line may be rewritten in place). */
  live: boolean;
  write(text: string): void;
  writeError(text: string): void;
  /** Paths in messages are shown relative to this folder. */
  baseDir: string;
}

export interface BatchResult {
  code: 0 | 1 | 2;
  outcomes: NotebookOutcome[];
}

/** Puts process.env back as it was: a cell's `process.env.X = …` must not reach the next notebook. */
function restoreEnv(saved: NodeJS.ProcessEnv): void {
  for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
  for (const [key, value] of Object.entries(saved)) if (process.env[key] !== value) process.env[key] = value;
}

export async function runBatch(options: CliOptions, context: BatchContext): Promise<BatchResult> {
  const rel = (p: string) => path.relative(context.baseDir, p) || p;
  const outcomes: NotebookOutcome[] = options.notebooks.map((notebook) => ({ notebook, status: "not-run", cells: [], elapsedMs: 0 }));
  let interrupted = false;
  for (const outcome of outcomes) {
    const { notebook } = outcome;
    const outputPath = outputPathFor(options.output, notebook);
    const savedEnv = { ...process.env };
    const t0 = performance.now();
    try {
      const result = await (context.runOne ?? runNotebook)({
        notebookPath: notebook,
        outDir: path.dirname(outputPath),
        outputPath,
        parameters: options.parameters,
        cellTimeoutSeconds: options.cellTimeoutSeconds,
        cwd: options.cwd,
        require: options.require,
        echo: options.logOutput,
        view: { log: options.logOutput, progress: options.progress, live: context.live },
        skipTags: options.compare ? ["skip-headless", "nbval-skip"] : ["skip-headless"],
        allowSecrets: options.allowSecrets,
        allowBackgroundErrors: options.allowBackgroundErrors,
        killChildren: options.killChildren,
        vaultDigests: context.vaultDigests,
      });
      outcome.outputPath = result.outputPath;
      outcome.cells = result.cells;
      outcome.status = result.ok ? "ok" : "failed";
      if (result.failed) outcome.detail = `failed at ${result.failed.label}${result.failed.error ? `: ${result.failed.error.ename}` : ""}`;
    } catch (e) {
      if (!(e instanceof NotebookFormatError)) throw e;
      outcome.status = "input-error";
      outcome.detail = e.message;
      context.writeError(`error: ${e.message}\n`);
    } finally {
      outcome.elapsedMs = performance.now() - t0;
      restoreEnv(savedEnv);
    }
    if (options.compare && outcome.outputPath) await checkReference(options, context, outcome, rel);
    if (options.failFast && outcome.status !== "ok") break;
    // Ctrl+C stops the whole run, not just the notebook it interrupted.
    if (outcome.cells.some((c) => c.status === "interrupted")) {
      interrupted = true;
      break;
    }
  }

  if (options.junitPath) {
    const suites: JunitSuite[] = outcomes
      .filter((o) => o.status !== "not-run" && o.status !== "input-error")
      .map((o) => ({
        notebookName: path.basename(o.notebook, ".ipynb"),
        cells: o.cells,
        elapsedMs: o.elapsedMs,
        mismatches: new Map((o.comparison?.cells ?? []).filter((c) => ["mismatch", "new", "removed"].includes(c.verdict)).map((c) => [c.label, describeCell(c)])),
      }));
    // Test names hold cells' first source lines (the injected-parameters cell among them): the
    // report is masked like the saved notebooks.
    const guard = new SecretGuard({ allowSecrets: options.allowSecrets, vault: context.vaultDigests });
    await guard.refresh();
    writeJunitSuites(options.junitPath, suites, (xml) => guard.maskParameterValues(xml, options.parameters));
  }
  if (outcomes.length > 1) context.write(summaryTable(outcomes, rel, interrupted ? "interrupted (SIGINT)" : options.failFast ? "--fail-fast: an earlier notebook failed" : ""));
  const code = outcomes.some((o) => o.status === "input-error") ? 2 : outcomes.every((o) => o.status === "ok") ? 0 : 1;
  return { code, outcomes };
}

/** --compare: check (or with --update-reference, rewrite) the reference of one executed notebook. */
async function checkReference(options: CliOptions, context: BatchContext, outcome: NotebookOutcome, rel: (p: string) => string): Promise<void> {
  const refPath = referencePathFor(options.compare!, outcome.notebook);
  if (outcome.status !== "ok") {
    context.writeError(`${rel(outcome.notebook)}: ${options.updateReference ? "reference not updated" : "outputs not compared"}: the run failed\n`);
    return;
  }
  const executed = await readNotebook(outcome.outputPath!);
  const pathSanitizers = contextSanitizers({ cwd: options.cwd ?? path.dirname(outcome.notebook) });
  if (options.updateReference) {
    await writeNotebook(refPath, asReference(executed, pathSanitizers));
    context.write(`✓ reference written: ${rel(refPath)}\n`);
    return;
  }
  if (!existsSync(refPath)) {
    outcome.status = "input-error";
    outcome.detail = `no reference ${rel(refPath)}`;
    context.writeError(`error: --compare: reference not found: ${rel(refPath)} (create it with --update-reference)\n`);
    return;
  }
  let reference;
  try {
    reference = await readNotebook(refPath);
  } catch (e) {
    if (!(e instanceof NotebookFormatError)) throw e;
    outcome.status = "input-error";
    outcome.detail = `unusable reference: ${e.message}`;
    context.writeError(`error: --compare: ${e.message}\n`);
    return;
  }
  const sanitizers = [...pathSanitizers, ...context.builtInSanitizers, ...context.userSanitizers];
  const comparison = compareNotebooks(executed, reference, sanitizers);
  outcome.comparison = comparison;
  const report = formatComparison(rel(outcome.notebook), rel(refPath), comparison);
  if (comparison.ok) context.write(report);
  else {
    outcome.status = "mismatch";
    const bad = comparison.cells.filter((c) => c.verdict !== "match" && c.verdict !== "ignored" && c.verdict !== "skipped");
    outcome.detail = `outputs differ from the reference in ${bad.map((c) => c.label).join(", ")}`;
    context.writeError(report);
  }
}

function summaryTable(outcomes: NotebookOutcome[], rel: (p: string) => string, whyNotRun: string): string {
  const statusText: Record<NotebookStatus, string> = { ok: "✓ ok", failed: "✗ failed", mismatch: "✗ differs", "input-error": "✗ input error", "not-run": "- not run" };
  const rows = outcomes.map((o) => {
    const ran = o.cells.filter((c) => c.status === "ok" || c.status === "expected-error").length;
    return [
      rel(o.notebook),
      statusText[o.status],
      o.cells.length ? `${ran}/${o.cells.length}` : "",
      o.status === "not-run" ? "" : formatElapsed(o.elapsedMs),
      o.status === "not-run" ? whyNotRun : (o.detail ?? ""),
    ];
  });
  const header = ["notebook", "status", "cells", "time", ""];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => `  ${r.map((c, i) => c.padEnd(widths[i]!)).join("  ")}`.trimEnd();
  const failed = outcomes.filter((o) => o.status !== "ok").length;
  const total = outcomes.reduce((t, o) => t + o.elapsedMs, 0);
  return [
    "",
    `Summary: ${outcomes.length - failed} of ${outcomes.length} notebooks ok in ${formatElapsed(total)}`,
    line(header),
    ...rows.map(line),
    "",
  ].join("\n");
}
