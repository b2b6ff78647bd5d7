/**
 * The child process that runs the cells (see supervised-run.ts): takes the run's options from its
 * parent, asks the parent for vault digests when the leak guard refreshes, and reports the exit
 * code before exiting. Ending any other way (a cell's process.exit, abort, a fatal signal) is what
 * the parent watches for.
 */
import path from "node:path";
import { NotebookFormatError } from "./notebook-file.js";
import { runNotebook, type RunResult } from "./run-notebook.js";
import type { SecretDigest } from "./secret-guard.js";
import type { FromChild, ToChild } from "./supervised-run.js";
import { type ProcessSnapshot, snapshotProcess } from "./process-state.js";
import { loadRequired } from "./required-modules.js";

const send = (m: FromChild) => new Promise<void>((resolve) => process.send!(m, () => resolve()));

if (!process.send) {
  process.stderr.write("run-child: started without its supervising parent; use the nb command instead\n");
  process.exit(2);
}

let nextId = 0;
const pending = new Map<number, (m: Extract<ToChild, { type: "vault" }>) => void>();

/** The leak guard's vault source, answered by the parent (which holds the real one). */
function vaultFromParent(): Promise<SecretDigest[] | undefined> {
  const id = ++nextId;
  return new Promise((resolve, reject) => {
    pending.set(id, (m) => (m.failed ? reject(new Error("vault digests unavailable")) : resolve(m.digests as SecretDigest[] | undefined)));
    void send({ type: "vault", id });
  });
}

// The parent is gone (killed): nobody will read the result, and cells must not run on unsupervised.
process.on("disconnect", () => process.exit(1));

process.on("message", (m: ToChild) => {
  if (m.type === "vault") {
    pending.get(m.id)?.(m);
    pending.delete(m.id);
    return;
  }
  void run(m);
});

async function run(m: Extract<ToChild, { type: "start" }>): Promise<void> {
  let code: number;
  let result: RunResult | undefined;
  let before: ProcessSnapshot | undefined;
  try {
    // --require modules load before the snapshot: what they set up (globals, a worker thread) is
    // the process's, as with node -r, and stays for the next notebook of a batch.
    await loadRequired(m.options.require ?? [], path.resolve(m.options.cwd ?? path.dirname(path.resolve(m.options.notebookPath))));
    before = snapshotProcess();
    result = await runNotebook({ ...m.options, vaultDigests: m.hasVault ? vaultFromParent : undefined });
    code = result.ok ? 0 : 1;
  } catch (e) {
    if (e instanceof NotebookFormatError) {
      process.stderr.write(`error: ${e.message}\n`);
      code = 2;
    } else {
      process.stderr.write(`headless runner: internal error: ${(e as Error)?.stack ?? String(e)}\n`);
      code = 1;
    }
  }
  // Another notebook may follow in this process only from a fresh kernel state: what the cells
  // changed is put back, and if they left anything running (timers, sockets, processes), it is not
  // offered.
  before?.restore();
  const reusable = m.reuse === true && before !== undefined && before.leftHandles().length === 0;
  await send({ type: "result", code, result, reusable });
  // Cells may leave timers, sockets or child processes behind; the run is over.
  if (!reusable) process.exit(code);
}
