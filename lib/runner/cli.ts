/** The `npm run nb` command line: argument parsing, usage errors (exit 2), run (exit 0 or 1). */
import { existsSync, statSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { NotebookFormatError } from "./notebook-file.js";
import { ParameterError, parseParameterArg, type Parameters } from "./parameters.js";
import type { RunOptions } from "./run-notebook.js";
import type { VaultDigestSource } from "./secret-guard.js";
import { runSupervised } from "./supervised-run.js";

export const USAGE = `Usage: npm run nb -- <notebook.ipynb> [options]

Runs a TypeScript notebook headlessly on tslab's converter and executor (no Jupyter needed)
and writes the executed notebook, with its outputs, to the output folder.

Options:
  --out <dir>              folder for the executed notebook (default: out/)
  -p, --param name=value   override a parameter declared in the cell tagged "parameters";
                           the value is JSON if it parses as JSON, otherwise a string (repeatable)
  --junit <file>           also write a JUnit XML report, one test case per code cell
  --cell-timeout <seconds> interrupt and fail a cell that runs longer than this
  --cwd <dir>              working directory of the cells (default: the notebook's folder)
  --allow-secrets          do not fail a cell whose output holds a secret (vaulted by Local
                           AgentCore, an env var named *KEY*/*SECRET*/*TOKEN*/*PASSWORD*, or an
                           AWS secret key) and do not mask it; by default it fails and is masked
  --allow-background-errors
                           record errors thrown in timers/callbacks and unhandled promise
                           rejections on the cell, but do not fail the run (tslab's behaviour)
  --kill-children          stop the processes cells leave running when the run ends, detached
                           ones (a Local AgentCore started by a cell) included; by default they
                           are listed in the summary and left alone
  -h, --help               show this help

Cell tags: "parameters", "raises-exception" (an error is expected), "skip-headless".
Exit status: 0 all cells ran, 1 a cell failed, printed a secret, threw in the background or ended the
process (the notebook so far is saved), 2 usage error or not a TypeScript (tslab) notebook.
`;

export class UsageError extends Error {
  override name = "UsageError";
}

export interface CliOptions extends RunOptions {
  help: false;
}

/** Parses argv (without node and script) into run options; relative paths resolve against baseDir. */
export function parseCliArgs(argv: string[], baseDir: string): CliOptions | { help: true } {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        out: { type: "string" },
        param: { type: "string", short: "p", multiple: true },
        junit: { type: "string" },
        "cell-timeout": { type: "string" },
        cwd: { type: "string" },
        "allow-secrets": { type: "boolean" },
        "allow-background-errors": { type: "boolean" },
        "kill-children": { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) return { help: true };
  if (positionals.length !== 1) {
    throw new UsageError(positionals.length === 0 ? "missing <notebook.ipynb>" : `expected one notebook, got ${positionals.length}: ${positionals.join(" ")}`);
  }
  const notebookPath = path.resolve(baseDir, positionals[0]!);
  if (!existsSync(notebookPath) || !statSync(notebookPath).isFile()) throw new UsageError(`notebook not found: ${positionals[0]}`);

  let cellTimeoutSeconds: number | undefined;
  if (values["cell-timeout"] !== undefined) {
    cellTimeoutSeconds = Number(values["cell-timeout"]);
    if (!Number.isFinite(cellTimeoutSeconds) || cellTimeoutSeconds <= 0) {
      throw new UsageError(`--cell-timeout expects a positive number of seconds, got "${values["cell-timeout"]}"`);
    }
  }
  let cwd: string | undefined;
  if (values.cwd !== undefined) {
    cwd = path.resolve(baseDir, values.cwd);
    if (!existsSync(cwd) || !statSync(cwd).isDirectory()) throw new UsageError(`--cwd: not a directory: ${values.cwd}`);
  }
  const parameters: Parameters = new Map();
  for (const arg of values.param ?? []) {
    try {
      const [name, value] = parseParameterArg(arg);
      parameters.set(name, value);
    } catch (e) {
      if (e instanceof ParameterError) throw new UsageError(e.message);
      throw e;
    }
  }
  return {
    help: false,
    notebookPath,
    outDir: path.resolve(baseDir, values.out ?? "out"),
    parameters,
    junitPath: values.junit === undefined ? undefined : path.resolve(baseDir, values.junit),
    cellTimeoutSeconds,
    cwd,
    allowSecrets: values["allow-secrets"] ?? false,
    allowBackgroundErrors: values["allow-background-errors"] ?? false,
    killChildren: values["kill-children"] ?? false,
  };
}

/** What the command line cannot say and the runner cannot know by itself: the program running it passes it in. */
export interface CliServices {
  /** Where the secret-leak guard learns vaulted secrets' digests (`scripts/nb.ts`: Local AgentCore). */
  vaultDigests?: VaultDigestSource;
}

/** Runs the CLI and returns the process exit code. */
export async function runCli(argv: string[], baseDir = process.cwd(), services: CliServices = {}): Promise<number> {
  let options;
  try {
    options = parseCliArgs(argv, baseDir);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    process.stderr.write(`error: ${e.message}\n\n${USAGE}`);
    return 2;
  }
  if (options.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  try {
    return await runSupervised({ ...options, vaultDigests: services.vaultDigests });
  } catch (e) {
    if (e instanceof NotebookFormatError) {
      process.stderr.write(`error: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
}
