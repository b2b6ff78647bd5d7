/**
 * The notebooks of one run share the process that runs their cells (TypeScript loaded and the
 * library typings parsed once), and each still starts from a fresh kernel state: no variable,
 * global, environment variable or module state of an earlier notebook, and the same type error
 * stops the same cell as when the notebook runs alone. A notebook that leaves something running
 * hands the next one a new process.
 */
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { codeCells, codeNotebook as notebook, errorOf, readExecuted, runNb, streamOf, tempDir } from "./helpers.js";

const FIRST = [
  "const carried: number = 1;",
  '(globalThis as any).leaked = "from the first notebook";\nprocess.env.NB_SHARED_LEAK = "1";',
  'import { bump } from "./counter";\nconsole.log(`count ${bump()}`);',
  "console.log(`pid ${process.pid}`);",
];
const SECOND = [
  "console.log(`pid ${process.pid}`);",
  'console.log(`leaked ${typeof (globalThis as any).leaked} env ${process.env.NB_SHARED_LEAK ?? "unset"}`);',
  'import { bump } from "./counter";\nconsole.log(`count ${bump()}`);',
  'const fine: string = "ok";',
  'const carried: string = 5;\nconsole.log("after the type error");',
  'console.log("never");',
];
const LEAVES_TIMER = ["setInterval(() => {}, 60_000);", "console.log(`pid ${process.pid}`);"];

const pidOf = (text: string) => /pid (\d+)/.exec(text)?.[1];

test("a second notebook in the shared process: fresh state, the same type error stops the same cell", async () => {
  const dir = await tempDir("nb-shared-");
  writeFileSync(path.join(dir, "counter.ts"), "let n = 0;\nexport function bump(): number {\n  return ++n;\n}\n");
  writeFileSync(path.join(dir, "first.ipynb"), notebook(FIRST));
  writeFileSync(path.join(dir, "second.ipynb"), notebook(SECOND));
  writeFileSync(path.join(dir, "timer.ipynb"), notebook(LEAVES_TIMER));
  writeFileSync(path.join(dir, "third.ipynb"), notebook(SECOND));

  // Alone: the reference behaviour of the second notebook.
  const aloneOut = path.join(dir, "alone");
  const alone = await runNb([path.join(dir, "second.ipynb"), "--out", aloneOut, "-q"]);
  assert.equal(alone.code, 1, alone.stderr);
  const aloneCells = codeCells(readExecuted(aloneOut, "second.ipynb"));

  const out = path.join(dir, "batch");
  const run = await runNb(["first.ipynb", "second.ipynb", "timer.ipynb", "third.ipynb"].map((n) => path.join(dir, n)).concat(["--out", out, "-q"]));
  assert.equal(run.code, 1, run.stdout + run.stderr);
  const first = codeCells(readExecuted(out, "first.ipynb"));
  const second = codeCells(readExecuted(out, "second.ipynb"));
  const timer = codeCells(readExecuted(out, "timer.ipynb"));
  const third = codeCells(readExecuted(out, "third.ipynb"));
  assert.equal(streamOf(first[2]!, "stdout"), "count 1\n");

  // The same process ran both (so the second found the compiler warm)…
  assert.equal(pidOf(streamOf(second[0]!, "stdout")), pidOf(streamOf(first[3]!, "stdout")), "the second notebook ran in the first one's process");
  // …and saw nothing of the first: globals, environment, module state, declarations.
  assert.equal(streamOf(second[1]!, "stdout"), "leaked undefined env unset\n");
  assert.equal(streamOf(second[2]!, "stdout"), "count 1\n");
  assert.equal(second[3]!.metadata.headless && (second[3]!.metadata.headless as { status: string }).status, "ok");
  // The type error stops cell 5 exactly as when the notebook runs alone.
  for (const cells of [second, aloneCells]) {
    assert.equal((cells[4]!.metadata.headless as { status: string }).status, "error");
    assert.equal(errorOf(cells[4]!)?.ename, "TypeScriptError");
    assert.equal(streamOf(cells[4]!, "stdout"), "");
    assert.equal((cells[5]!.metadata.headless as { status?: string } | undefined)?.status ?? "not-run", "not-run");
  }
  assert.equal(errorOf(second[4]!)?.evalue, errorOf(aloneCells[4]!)?.evalue);
  assert.match(errorOf(second[4]!)!.evalue, /Type 'number' is not assignable to type 'string'/);

  // A notebook that leaves a timer running is not followed in its process.
  const timerPid = pidOf(streamOf(timer[1]!, "stdout"));
  assert.equal(timerPid, pidOf(streamOf(first[3]!, "stdout")));
  assert.notEqual(pidOf(streamOf(third[0]!, "stdout")), timerPid, "the notebook after one that left a timer gets a new process");
  assert.equal(errorOf(third[4]!)?.evalue, errorOf(aloneCells[4]!)?.evalue);
});
