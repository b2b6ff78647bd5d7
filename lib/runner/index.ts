/** The headless notebook runner: run `.ipynb` files on tslab's converter and executor, in-process. */
export { runCli, parseCliArgs, USAGE, UsageError, type CliServices } from "./cli.js";
export { runSupervised } from "./supervised-run.js";
export { runNotebook, type RunOptions, type RunResult, type CellReport, type CellRunStatus } from "./run-notebook.js";
export { readNotebook, writeNotebook, serializeNotebook, NotebookFormatError, type Notebook, type Cell, type Output } from "./notebook-file.js";
export { parseParameterArg, injectParameters, type Parameters } from "./parameters.js";
export type { VaultDigestSource, SecretDigest } from "./secret-guard.js";
