/**
 * Runs a notebook in a child process that this process supervises, so that nothing a cell does
 * can end the run unreported. A cell can end the process it runs in (`process.exit(0)`,
 * `process.abort()`, a native module's fatal signal); in-process, that ends the runner with whatever
 * exit code the cell chose and no notebook. So the cells run in a child (run-child.ts), which saves
 * a checkpoint of the notebook before each cell, marking it "running"; if the child ends without
 * reporting a result, this parent finishes that checkpoint: an error output on the running cell,
 * the run marked failed, the JUnit report, exit 1. The child gets no standard input (as a headless
 * Jupyter kernel has none), so a cell reading it sees end-of-input at once instead of waiting on ours.
 */
import path from "node:path";
import { forkChild, type ReusableChild } from "./child-process.js";
import { writeJunitReport } from "./junit-report.js";
import { checkKernelspec } from "./kernelspec.js";
import { type CodeCell, type ErrorOutput, type Notebook, readNotebook, sourceText, writeNotebook } from "./notebook-file.js";
import type { CellReport, CellRunStatus, RunOptions, RunResult } from "./run-notebook.js";
import { isTypeScript, resolveRequired } from "./required-modules.js";
export { ReusableChild } from "./child-process.js";
import { SecretGuard } from "./secret-guard.js";
import { TerminalView } from "./terminal-view.js";

/** Messages between this process and the child running the cells. */
export type ToChild =
  | { type: "start"; options: Omit<RunOptions, "vaultDigests">; hasVault: boolean; reuse?: boolean }
  | { type: "vault"; id: number; digests?: unknown; failed?: boolean };
/** `reusable`: the child put the process back to a fresh kernel state and can run another notebook. */
/** `booted`: the child started from the startup snapshot (sent before it loads anything). */
export type FromChild = { type: "result"; code: number; result?: RunResult; reusable?: boolean } | { type: "vault"; id: number } | { type: "booted"; snapshot: boolean };


const FORWARDED: NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP"];

/** Runs the notebook in a supervised child; returns the exit code (0 passed, 1 failed, 2 not runnable). */
export async function runSupervised(options: RunOptions): Promise<number> {
  return (await runNotebookSupervised(options)).code;
}

export interface SupervisedResult {
  code: number;
  /** What the run did (absent when the child reported none: not runnable, or died before the first cell). */
  result?: RunResult;
}

/** Runs the notebook in a supervised child and returns what it ran, even when a cell ended the child early. */
export async function runNotebookSupervised(options: RunOptions, keep?: ReusableChild): Promise<SupervisedResult> {
  const notebookPath = path.resolve(options.notebookPath);
  // Refused before anything starts (NotebookFormatError, RequireError below: the caller's exit 2).
  checkKernelspec(await readNotebook(notebookPath), notebookPath);
  const outputPath = options.outputPath ? path.resolve(options.outputPath) : path.join(path.resolve(options.outDir), path.basename(notebookPath));
  // A checkpoint counts only if this run wrote it (the output may be an earlier run's, or the input itself).
  const launchedAt = Date.now();

  // Resolved here, from this process's directory (a missing one is refused before a child starts).
  const required = (options.require ?? []).map((spec) => resolveRequired(spec, process.cwd()));
  const { vaultDigests, ...rest } = options;
  const plain = { ...rest, require: required };
  const child = (await keep?.take()) ?? (await forkChild(required.some(isTypeScript)));
  const send = (m: ToChild) => {
    if (child.connected) child.send(m);
  };
  let reported: SupervisedResult | undefined;
  let offered: (() => void) | undefined;
  const onMessage = (m: FromChild) => {
    if (m.type === "result") {
      reported = { code: m.code, result: m.result };
      if (m.reusable && keep) offered?.();
    } else if (m.type === "vault") {
      Promise.resolve()
        .then(() => vaultDigests?.())
        .then(
          (digests) => send({ type: "vault", id: m.id, digests }),
          () => send({ type: "vault", id: m.id, failed: true }),
        );
    }
  };
  child.on("message", onMessage);
  // Signals are the child's to handle (SIGINT interrupts the running cell and saves); a Ctrl+C from
  // the terminal reaches it twice (directly and forwarded), which it treats as one interrupt.
  const forward = (signal: NodeJS.Signals) => child.kill(signal);
  for (const signal of FORWARDED) process.on(signal, forward);
  send({ type: "start", options: plain, hasVault: vaultDigests !== undefined, reuse: keep !== undefined });
  let onExit: ((c: number | null, s: NodeJS.Signals | null) => void) | undefined;
  const ended = await new Promise<[number | null, NodeJS.Signals | null] | "reusable">((resolve) => {
    onExit = (c, s) => resolve([c, s]);
    offered = () => resolve("reusable");
    child.on("exit", onExit);
  });
  child.off("exit", onExit!);
  child.off("message", onMessage);
  for (const signal of FORWARDED) process.off(signal, forward);
  if (ended === "reusable") {
    keep!.child = child;
    return reported!;
  }
  const [code, signal] = ended;
  if (reported !== undefined) return reported;
  const result = await finishAfterEarlyEnd({ ...options, notebookPath }, outputPath, launchedAt, code, signal);
  return { code: 1, result };
}

/** Why the child ended, for the error output and the terminal. */
function howItEnded(label: string, code: number | null, signal: NodeJS.Signals | null): string {
  if (signal) {
    return `the process running the cells was killed by ${signal} during ${label} (process.abort(), a crashing native module, or a kill from outside); later cells did not run`;
  }
  return `the process running the cells exited with code ${code} during ${label} (did the cell call process.exit(${code})?); later cells did not run`;
}

const headlessOf = (c: { metadata: Record<string, unknown> }) => (c.metadata.headless ?? {}) as { status?: CellRunStatus | "running"; duration_ms?: number };

/** Finishes the child's last checkpoint: the running cell gets the error, the run is marked failed. */
async function finishAfterEarlyEnd(
  options: RunOptions,
  outputPath: string,
  launchedAt: number,
  code: number | null,
  signal: NodeJS.Signals | null,
): Promise<RunResult | undefined> {
  const view = new TerminalView({ stdout: (t) => void process.stdout.write(t), stderr: (t) => void process.stderr.write(t) }, path.relative(process.cwd(), options.notebookPath));
  let nb: Notebook | undefined;
  try {
    nb = await readNotebook(outputPath);
    const run = (nb.metadata.headless ?? {}) as { status?: unknown; start_time?: unknown };
    if (run.status !== "running" || typeof run.start_time !== "string" || Date.parse(run.start_time) < launchedAt) nb = undefined;
  } catch {
    nb = undefined;
  }
  if (!nb) {
    const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
    view.summary(`✗ the process running the cells ${how} before the first cell ran; no notebook was saved`, false);
    return undefined;
  }
  const run = (nb.metadata.headless ?? {}) as Record<string, unknown>;
  const label = typeof run.running_cell === "string" ? run.running_cell : "an unknown cell";
  const running = nb.cells.find((c): c is CodeCell => c.cell_type === "code" && headlessOf(c).status === "running");
  const evalue = howItEnded(label, code, signal);
  const error: ErrorOutput = { output_type: "error", ename: "ProcessEnded", evalue, traceback: [`ProcessEnded: ${evalue}`] };
  if (running) {
    running.outputs.push(error);
    running.metadata.headless = { status: "process-ended" };
  }
  const { running_cell: _running, ...rest } = run;
  const startedAt = typeof rest.start_time === "string" ? Date.parse(rest.start_time) : Date.now();
  const elapsedMs = Date.now() - startedAt;
  nb.metadata.headless = { ...rest, end_time: new Date().toISOString(), duration_ms: elapsedMs, status: "failed", failed_cell: label, error: `ProcessEnded: ${evalue}` };
  await writeNotebook(outputPath, nb);
  const reports = reportsFromNotebook(nb, running, label, error);
  if (options.junitPath) {
    const guard = new SecretGuard({ allowSecrets: options.allowSecrets, vault: options.vaultDigests });
    await guard.refresh();
    writeJunitReport(path.resolve(options.junitPath), path.basename(options.notebookPath, ".ipynb"), reports, elapsedMs, (xml) => guard.maskText(xml));
  }
  view.failure(label, running ? sourceText(running) : "", error);
  view.summary(`✗ failed at ${label}; executed notebook so far: ${path.relative(process.cwd(), outputPath)}`, false);
  return { ok: false, outputPath, cells: reports, failed: reports.find((r) => r.label === label) };
}

/** The per-cell reports the child would have made, read back from the notebook it saved. */
function reportsFromNotebook(nb: Notebook, running: CodeCell | undefined, runningLabel: string, error: ErrorOutput): CellReport[] {
  let position = 0;
  return nb.cells.flatMap((cell) => {
    const injected = Array.isArray(cell.metadata.tags) && cell.metadata.tags.includes("injected-parameters");
    if (!injected) position += 1;
    if (cell.cell_type !== "code") return [];
    const label = cell === running ? runningLabel : injected ? "injected-parameters cell" : `cell ${position}`;
    const meta = headlessOf(cell);
    const streams = (name: string) =>
      cell.outputs.map((o) => (o.output_type === "stream" && o.name === name ? (Array.isArray(o.text) ? o.text.join("") : o.text) : "")).join("");
    const ownError = cell.outputs.find((o): o is ErrorOutput => o.output_type === "error");
    return [
      {
        label,
        source: sourceText(cell),
        status: meta.status === "running" || meta.status === undefined ? "not-run" : meta.status,
        elapsedMs: meta.duration_ms ?? 0,
        error: cell === running ? error : ownError,
        stdout: streams("stdout"),
        stderr: streams("stderr"),
      },
    ];
  });
}
