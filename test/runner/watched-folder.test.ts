/**
 * A cell that changes a folder TypeScript watches (it creates `node_modules` where an earlier import
 * failed) must not break the cells after it. tslab's converter has one timer slot and used to throw
 * "Unexpected pending rebuildTimer" at the next cell, or crash the runner, depending on timing.
 */
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import path from "node:path";
import { mkdirSync } from "node:fs";
import { after, test } from "node:test";
import { codeCells, fixture, projectRoot, readExecuted, runNb, streamOf, tempDir } from "./helpers.js";

// Inside the project, so the cells resolve @types/node as notebooks/ does; out/ is ignored by git.
mkdirSync(path.join(projectRoot, "out"), { recursive: true });
const cwd = await mkdtemp(path.join(projectRoot, "out", "watched-folder-"));
after(() => rm(cwd, { recursive: true, force: true }));

test("a cell that creates node_modules next to the notebook: the next cells run and see the new package", async () => {
  const out = await tempDir();
  const run = await runNb([fixture("watched-folder.ipynb"), "--out", out, "--cwd", cwd]);
  assert.equal(run.code, 0, run.stderr);
  assert.doesNotMatch(run.stderr, /rebuildTimer/);
  const cells = codeCells(readExecuted(out, "watched-folder.ipynb"));
  assert.match(streamOf(cells[2]!, "stdout"), /late = 42/);
  assert.match(streamOf(cells[3]!, "stdout"), /two = 2/);
});
