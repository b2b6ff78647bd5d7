/** The headless notebook runner: run `.ipynb` files on tslab's converter and executor, in-process. */
export { runCli, parseCliArgs, USAGE, UsageError, type CliServices, type CliCommand, type CliOptions } from "./cli.js";
export { runBatch, type BatchResult, type NotebookOutcome } from "./batch.js";
export { compareNotebooks, type Comparison } from "./compare.js";
export { BUILT_IN_SANITIZERS, parseSanitizerFile, sanitize, type Sanitizer } from "./sanitizers.js";
export { runSupervised, runNotebookSupervised } from "./supervised-run.js";
export { runNotebook, type RunOptions, type RunResult, type CellReport, type CellRunStatus } from "./run-notebook.js";
export { readNotebook, writeNotebook, serializeNotebook, NotebookFormatError, type Notebook, type Cell, type Output } from "./notebook-file.js";
export { parseParameterArg, injectParameters, type Parameters } from "./parameters.js";
export type { VaultDigestSource, SecretDigest } from "./secret-guard.js";
