/** The `npm run nb` command: parse (usage errors exit 2), then help, version, parameter listing or a run. */
import path from "node:path";
import { runBatch } from "./batch.js";
import { NotebookFormatError, readNotebook } from "./notebook-file.js";
import { type CliCommand, parseCliArgs, USAGE, UsageError } from "./options.js";
import { formatParameterListing, listParameters } from "./parameter-list.js";
import { BUILT_IN_SANITIZERS, readSanitizerFile, type Sanitizer, SanitizerFileError } from "./sanitizers.js";
import type { VaultDigestSource } from "./secret-guard.js";
import { runnerVersion } from "./version.js";
import { ReusableChild, runNotebookSupervised } from "./supervised-run.js";

import type { RunOptions, RunResult } from "./run-notebook.js";

/**
 * Each notebook's cells run in a supervised child process, so a cell that ends its process fails the
 * run (see supervised-run.ts). The notebooks of one run share a child while it stays reusable: a
 * fresh kernel state for each, the compiler and library typings loaded once.
 */
async function runInChild(options: RunOptions, keep: ReusableChild): Promise<RunResult> {
  const { code, result } = await runNotebookSupervised(options, keep);
  if (result) return result;
  if (code === 2) throw new NotebookFormatError(`${path.basename(options.notebookPath)}: the notebook could not be run (see the error above)`);
  return { ok: false, outputPath: options.outputPath ?? path.join(options.outDir, path.basename(options.notebookPath)), cells: [] };
}

export { parseCliArgs, USAGE, UsageError, outputPathFor, type CliCommand, type CliOptions } from "./options.js";

/** What the command line cannot say and the runner cannot know by itself: the program running it passes it in. */
export interface CliServices {
  /** Where the secret-leak guard learns vaulted secrets' digests (`scripts/nb.ts`: Local AgentCore). */
  vaultDigests?: VaultDigestSource;
  /** The cells' child, started before the runner loaded (child-process.ts's prestartChild). */
  child?: ReusableChild;
  /** Whether stdout is a terminal (default: process.stdout.isTTY). */
  stdoutIsTTY?: boolean;
  /** Modules (files) loaded before the first cell ahead of the user's --require ones: the program's kernel startup code. */
  require?: string[];
}

const usageError = (message: string) => {
  process.stderr.write(`error: ${message}\n\n${USAGE}`);
  return 2;
};

/** Runs the CLI and returns the process exit code: 0 ok, 1 a cell failed or differed, 2 usage or input error. */
export async function runCli(argv: string[], baseDir = process.cwd(), services: CliServices = {}): Promise<number> {
  const tty = services.stdoutIsTTY ?? process.stdout.isTTY === true;
  let command: CliCommand;
  try {
    command = parseCliArgs(argv, baseDir, { stdoutIsTTY: tty });
  } catch (e) {
    if (e instanceof UsageError) return usageError(e.message);
    throw e;
  }
  switch (command.kind) {
    case "help":
      process.stdout.write(USAGE);
      return 0;
    case "version":
      process.stdout.write(`${runnerVersion()} (headless notebook runner; node ${process.version})\n`);
      return 0;
    case "list-parameters":
      try {
        for (const nb of command.notebooks) process.stdout.write(formatParameterListing(path.relative(baseDir, nb) || nb, listParameters(await readNotebook(nb))));
        return 0;
      } catch (e) {
        if (!(e instanceof NotebookFormatError)) throw e;
        process.stderr.write(`error: ${e.message}\n`);
        return 2;
      }
  }
  const options = { ...command.options, require: [...(services.require ?? []), ...command.options.require] };
  let userSanitizers: Sanitizer[] = [];
  if (options.sanitizeWith) {
    try {
      userSanitizers = readSanitizerFile(options.sanitizeWith, path.relative(baseDir, options.sanitizeWith));
    } catch (e) {
      if (e instanceof SanitizerFileError) return usageError(e.message);
      throw e;
    }
  }
  const keep = services.child ?? new ReusableChild();
  const result = await runBatch(options, {
    vaultDigests: services.vaultDigests,
    runOne: (o) => runInChild(o, keep),
    userSanitizers,
    builtInSanitizers: BUILT_IN_SANITIZERS,
    live: tty,
    write: (t) => process.stdout.write(t),
    writeError: (t) => process.stderr.write(t),
    baseDir,
  }).finally(() => keep.close());
  return result.code;
}
