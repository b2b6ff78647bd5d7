/**
 * What every committed tutorial notebook (02 on) must be, as the same three tests: what its
 * source and agent file build, committed without outputs, one `parameters` cell declaring exactly
 * the given names, no cell skipped headless, the library imported by its package name, and the
 * given steps in that order. A notebook's own checks then read the returned cells.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { declaredParameters } from "../../lib/runner/parameters.js";
import { cellTags, sourceText } from "../../lib/runner/notebook-file.js";
import { renderNotebook } from "../../scripts/notebooks/build.js";
import { projectRoot, readNotebook } from "../notebook01/helpers.js";

/** Each step is found (`positionOf` >= 0), and they come in the order given. */
export function assertInOrder(steps: string[], positionOf: (step: string) => number): void {
  const positions = steps.map(positionOf);
  assert.ok(positions.every((p) => p >= 0), `missing: ${steps.filter((_, i) => positions[i]! < 0).join(", ")}`);
  assert.deepEqual(positions, [...positions].sort((a, b) => a - b));
}

/** Defines the shared tests for notebooks/<fileName>; returns its code cells. */
export function testCommittedNotebook(fileName: string, expected: { parameters: string[]; steps: string[] }) {
  const notebookNumber = fileName.slice(0, 2);
  const notebookPath = path.join(projectRoot, "notebooks", fileName);
  const committed = readFileSync(notebookPath, "utf8");
  const nb = readNotebook(notebookPath);
  const code = nb.cells.filter((c) => c.cell_type === "code");

  test(`the notebook is what its source and the agent file build (run scripts/notebooks/build.ts ${notebookNumber} after editing them)`, () => {
    assert.equal(committed, renderNotebook(notebookNumber));
  });

  test("committed without outputs; one parameters cell; every cell runs headless", () => {
    for (const cell of code) assert.deepEqual(cell.cell_type === "code" && cell.outputs, [], sourceText(cell).slice(0, 60));
    const tagged = nb.cells.filter((c) => cellTags(c).includes("parameters"));
    assert.equal(tagged.length, 1);
    assert.deepEqual([...declaredParameters(sourceText(tagged[0]!)).keys()], expected.parameters);
    for (const cell of nb.cells) assert.deepEqual(cellTags(cell).filter((t) => t === "skip-headless" || t === "raises-exception"), []);
  });

  test("cells import the library by its package name; the steps come in order", () => {
    const imports = code.flatMap((c) => [...sourceText(c).matchAll(/^import .* from "([^"]+)";$/gm)].map((m) => m[1]!));
    assert.deepEqual(imports.filter((spec) => spec.startsWith(".") || spec.includes("/lib/")), []);
    assertInOrder(expected.steps, (step) => code.findIndex((c) => sourceText(c).includes(step)));
  });

  return { code };
}
