/**
 * The `npm run nb` command line: what it accepts (papermill's conventions where they exist) and
 * the checks that turn a bad command line into a usage error (exit 2) before anything runs.
 */
import { existsSync, readdirSync, statSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { ParameterError, type Parameters } from "./parameters.js";
import { collectParameters, joinParameterPairs } from "./parameter-sources.js";
import { RequireError, resolveRequired } from "./required-modules.js";

export const USAGE = `Usage: npm run nb -- <notebook.ipynb | folder>... [options]

Runs TypeScript notebooks headlessly on tslab's converter and executor (no Jupyter needed) and
writes each executed notebook, with its outputs, to the output folder. Several notebooks run one
after the other, each in a fresh supervised child process (a cell that ends its process fails
only its own notebook).

Output:
  -o, --out <dir | file.ipynb>  output folder (default: out/), or the output file when running one notebook
  --junit <file>                write a JUnit XML report: one test suite per notebook, one test case per code cell

Parameters (the cell tagged "parameters" holds the defaults; later sources win: -f, then -y, then -p):
  -p, --param <name> <value>    set a parameter; also -p name=value (papermill's --parameters works
                                too). The value is JSON if it parses as JSON, otherwise a string
                                (repeatable)
  -f, --parameters-file <file>  YAML (or JSON) file of name: value pairs (repeatable)
  -y, --parameters-yaml <yaml>  YAML text of name: value pairs (repeatable)
  --list-parameters             print each notebook's parameters (names, types, defaults) and exit

Running:
  -r, --require <module>        load a module in the process that runs the cells, once, before the
                                first cell (node -r's convention: a kernel's startup code). A path
                                (./setup.ts) is resolved from the current directory, else a package
                                name; .ts works. It loads with the cells' working directory as the
                                current one. Not found or throws: exit 2, no cell runs (repeatable)
  --cell-timeout <seconds>      interrupt and fail a cell that runs longer than this
  --cwd <dir>                   working directory of the cells (default: each notebook's folder)
  --fail-fast                   stop at the first notebook that fails (default: run them all)
  --allow-secrets               do not fail a cell whose output holds a secret (vaulted by Local
                                AgentCore, an env var named *KEY*/*SECRET*/*TOKEN*/*PASSWORD*, or an
                                AWS secret key) and do not mask it; by default it fails and is masked
  --allow-background-errors     record errors thrown in timers or callbacks and unhandled promise
                                rejections on the cell, but do not fail the run (tslab's behaviour)
  --kill-children               stop the processes cells leave running when a notebook ends, detached
                                ones (a Local AgentCore a cell started) included; by default they are
                                listed in the summary and left alone

Output regression (nbval's conventions):
  --compare <ref.ipynb | dir>   compare each code cell's outputs with a reference notebook (a folder:
                                the reference of the same file name); a mismatch fails the run
  --sanitize-with <file>        extra sanitizers, nbval's format ([name] / regex: … / replace: …),
                                applied after the built-ins (timestamps, UUIDs and ids, ARNs' random
                                parts, durations, temporary paths)
  --update-reference            write the executed notebook as the reference (with --compare)

Terminal:
  --log-output                  echo cell outputs and markdown as they run (the default)
  -q, --quiet                   print only warnings, failures and the summary
  --progress-bar                show [k/N], the cell and its elapsed time per code cell (default on a TTY)
  --no-progress-bar             do not
  -V, --version                 print the version and exit
  -h, --help                    show this help

Cell tags: "parameters", "injected-parameters" (written by -p), "raises-exception" (an error is
expected), "skip-headless" (not run); with --compare also "nbval-skip" (not run, not compared)
and "nbval-ignore-output" (run, not compared).

Exit status: 0 every notebook ran (and matched its reference); 1 a cell failed, printed a secret,
threw in the background, ended the process or did not match the reference (executed notebooks so
far are saved); 2 usage or input error (bad option, missing or malformed notebook, not a TypeScript
(tslab) notebook, parameter or reference file, a --require module not found or throwing).

Examples:
  npm run nb -- notebooks/01-outbound-auth-api-key.ipynb
  npm run nb -- notebooks/01-outbound-auth-api-key.ipynb -p agentName my_agent -p maxTokens=512
  npm run nb -- notebooks/01-outbound-auth-api-key.ipynb -f params.yaml -y 'userId: me'
  npm run nb -- notebooks/01-outbound-auth-api-key.ipynb --out out/run-1.ipynb --quiet
  npm run nb -- notebooks/*.ipynb --out out/ --junit out/junit.xml --fail-fast
  npm run nb -- notebooks/01-outbound-auth-api-key.ipynb --compare test/reference/
  npm run nb -- notebooks/01-outbound-auth-api-key.ipynb --compare test/reference/ --update-reference
  npm run nb -- notebooks/01-outbound-auth-api-key.ipynb --list-parameters
  npm run nb -- notebooks/01-outbound-auth-api-key.ipynb --require ./setup.ts
`;

export class UsageError extends Error {
  override name = "UsageError";
}

/** Where executed notebooks go: a folder (same file names) or, for one notebook, a file. */
export type OutputTarget = { dir: string } | { file: string };

export interface CliOptions {
  /** Absolute paths, in the order given (a folder expands to its notebooks, sorted). */
  notebooks: string[];
  output: OutputTarget;
  parameters: Parameters;
  junitPath?: string;
  cellTimeoutSeconds?: number;
  cwd?: string;
  /** --require: modules' files (resolved), loaded before the first cell. */
  require: string[];
  allowSecrets: boolean;
  allowBackgroundErrors: boolean;
  killChildren: boolean;
  failFast: boolean;
  /** Echo cell outputs and markdown live. */
  logOutput: boolean;
  /** Per-cell [k/N] progress with elapsed times. */
  progress: boolean;
  /** Reference notebook or folder of references. */
  compare?: string;
  sanitizeWith?: string;
  updateReference: boolean;
}

export type CliCommand =
  | { kind: "help" }
  | { kind: "version" }
  | { kind: "list-parameters"; notebooks: string[] }
  | { kind: "run"; options: CliOptions };

export interface ParseContext {
  /** Whether stdout is a terminal: the progress display's default. */
  stdoutIsTTY?: boolean;
}

const OPTIONS = {
  out: { type: "string", short: "o" },
  param: { type: "string", short: "p", multiple: true },
  "parameters-file": { type: "string", short: "f", multiple: true },
  "parameters-yaml": { type: "string", short: "y", multiple: true },
  "list-parameters": { type: "boolean" },
  junit: { type: "string" },
  "cell-timeout": { type: "string" },
  cwd: { type: "string" },
  require: { type: "string", short: "r", multiple: true },
  "fail-fast": { type: "boolean" },
  "allow-secrets": { type: "boolean" },
  "allow-background-errors": { type: "boolean" },
  "kill-children": { type: "boolean" },
  compare: { type: "string" },
  "sanitize-with": { type: "string" },
  "update-reference": { type: "boolean" },
  "log-output": { type: "boolean" },
  quiet: { type: "boolean", short: "q" },
  "progress-bar": { type: "boolean" },
  "no-progress-bar": { type: "boolean" },
  version: { type: "boolean", short: "V" },
  help: { type: "boolean", short: "h" },
} as const;

/** Flags whose next token is their value (so a value like "-p" is not read as a flag). */
export const VALUE_FLAGS: ReadonlySet<string> = new Set(
  Object.entries(OPTIONS).flatMap(([name, o]) => (o.type === "string" && name !== "param" ? [`--${name}`, ...("short" in o ? [`-${o.short}`] : [])] : [])),
);

function isFile(p: string): boolean {
  return existsSync(p) && statSync(p).isFile();
}
function isDir(p: string): boolean {
  return existsSync(p) && statSync(p).isDirectory();
}

/** Positional arguments to notebook files: a folder stands for the notebooks directly in it. */
function resolveNotebooks(positionals: string[], baseDir: string): string[] {
  if (positionals.length === 0) throw new UsageError("missing <notebook.ipynb>: give one or more notebooks or a folder of them");
  const notebooks: string[] = [];
  for (const arg of positionals) {
    const p = path.resolve(baseDir, arg);
    if (isDir(p)) {
      const inside = readdirSync(p).filter((f) => f.endsWith(".ipynb")).sort().map((f) => path.join(p, f));
      if (inside.length === 0) throw new UsageError(`no .ipynb notebooks in the folder ${arg}`);
      notebooks.push(...inside);
    } else if (isFile(p)) notebooks.push(p);
    else throw new UsageError(`notebook not found: ${arg}`);
  }
  const seen = new Map<string, string>();
  for (const nb of notebooks) {
    const name = path.basename(nb);
    const other = seen.get(name);
    if (other === nb) throw new UsageError(`${path.relative(baseDir, nb) || nb} is given twice`);
    if (other) throw new UsageError(`two notebooks are named ${name} (${other} and ${nb}); their executed copies would overwrite each other in the output folder — run them separately`);
    seen.set(name, nb);
  }
  return notebooks;
}

function positiveSeconds(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new UsageError(`--cell-timeout expects a positive number of seconds, got "${raw}"`);
  return n;
}

/** Parses argv (without node and script); relative paths resolve against baseDir. */
export function parseCliArgs(argv: string[], baseDir: string, context: ParseContext = {}): CliCommand {
  let parsed;
  try {
    parsed = parseArgs({ args: joinParameterPairs(argv, VALUE_FLAGS), allowPositionals: true, strict: true, options: OPTIONS });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const { values: v, positionals } = parsed;
  if (v.help) return { kind: "help" };
  if (v.version) return { kind: "version" };
  const notebooks = resolveNotebooks(positionals, baseDir);
  if (v["list-parameters"]) return { kind: "list-parameters", notebooks };

  if (v.quiet && v["log-output"]) throw new UsageError("--quiet and --log-output contradict each other; give one");
  if (v["progress-bar"] && v["no-progress-bar"]) throw new UsageError("--progress-bar and --no-progress-bar contradict each other; give one");

  let output: OutputTarget = { dir: path.resolve(baseDir, "out") };
  if (v.out !== undefined) {
    const out = path.resolve(baseDir, v.out);
    if (v.out.endsWith(".ipynb")) {
      if (notebooks.length > 1) throw new UsageError(`--out ${v.out} is a file, but ${notebooks.length} notebooks are run; give a folder`);
      if (isDir(out)) throw new UsageError(`--out ${v.out} is an existing folder; name a file that is not one, or pass the folder without .ipynb`);
      output = { file: out };
    } else {
      if (isFile(out)) throw new UsageError(`--out ${v.out} is an existing file; give a folder, or a path ending in .ipynb for one notebook`);
      output = { dir: out };
    }
  }

  let cwd: string | undefined;
  if (v.cwd !== undefined) {
    cwd = path.resolve(baseDir, v.cwd);
    if (!isDir(cwd)) throw new UsageError(`--cwd: not a directory: ${v.cwd}`);
  }

  let required: string[];
  try {
    required = (v.require ?? []).map((spec) => resolveRequired(spec, baseDir));
  } catch (e) {
    if (e instanceof RequireError) throw new UsageError(e.message);
    throw e;
  }

  let parameters: Parameters;
  try {
    parameters = collectParameters({
      files: (v["parameters-file"] ?? []).map((f) => ({ path: path.resolve(baseDir, f), shownAs: f })),
      yaml: v["parameters-yaml"] ?? [],
      pairs: v.param ?? [],
    });
  } catch (e) {
    if (e instanceof ParameterError) throw new UsageError(e.message);
    throw e;
  }

  let compare: string | undefined;
  if (v.compare !== undefined) {
    compare = path.resolve(baseDir, v.compare);
    const asFile = v.compare.endsWith(".ipynb");
    if (asFile && notebooks.length > 1) throw new UsageError(`--compare ${v.compare} is one notebook, but ${notebooks.length} notebooks are run; give a folder of references`);
    if (!asFile && existsSync(compare) && !isDir(compare)) throw new UsageError(`--compare ${v.compare}: give a reference .ipynb or a folder of them`);
    if (!v["update-reference"]) {
      if (asFile && !isFile(compare)) throw new UsageError(`--compare: reference not found: ${v.compare} (create it with --update-reference)`);
      if (!asFile && !isDir(compare)) throw new UsageError(`--compare: reference folder not found: ${v.compare} (create it with --update-reference)`);
    }
  } else if (v["update-reference"]) {
    throw new UsageError("--update-reference needs --compare <reference.ipynb | folder>: where to write the reference");
  }
  let sanitizeWith: string | undefined;
  if (v["sanitize-with"] !== undefined) {
    if (compare === undefined) throw new UsageError("--sanitize-with applies to --compare; give --compare <reference> too");
    sanitizeWith = path.resolve(baseDir, v["sanitize-with"]);
    if (!isFile(sanitizeWith)) throw new UsageError(`--sanitize-with: file not found: ${v["sanitize-with"]}`);
  }

  return {
    kind: "run",
    options: {
      notebooks,
      output,
      parameters,
      junitPath: v.junit === undefined ? undefined : path.resolve(baseDir, v.junit),
      cellTimeoutSeconds: positiveSeconds(v["cell-timeout"]),
      cwd,
      require: required,
      allowSecrets: v["allow-secrets"] ?? false,
      allowBackgroundErrors: v["allow-background-errors"] ?? false,
      killChildren: v["kill-children"] ?? false,
      failFast: v["fail-fast"] ?? false,
      logOutput: !v.quiet,
      progress: v["progress-bar"] ? true : v["no-progress-bar"] ? false : (context.stdoutIsTTY ?? false),
      compare,
      sanitizeWith,
      updateReference: v["update-reference"] ?? false,
    },
  };
}

/** The executed notebook's path for one input notebook. */
export function outputPathFor(output: OutputTarget, notebook: string): string {
  return "file" in output ? output.file : path.join(output.dir, path.basename(notebook));
}

/** The reference notebook for one input notebook (`compare` is a file or a folder). */
export function referencePathFor(compare: string, notebook: string): string {
  return compare.endsWith(".ipynb") ? compare : path.join(compare, path.basename(notebook));
}
