/**
 * The bench's side-by-side pieces that need no server: the eager-mathjs alternative to notebook
 * 01's agent differs from it only in where mathjs is imported, and per-cell times are read from an
 * executed notebook's headless metadata (a cell without one is an error, not a zero).
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { eagerMathjsAgent, NOTEBOOK_AGENT } from "../../scripts/bench/agents.js";
import { cellLabel, cellTimes } from "../../scripts/bench/notebook01.js";

test("the eager alternative imports mathjs at the top and is otherwise the notebook's agent", () => {
  const lazy = readFileSync(NOTEBOOK_AGENT, "utf8");
  const eager = readFileSync(eagerMathjsAgent(), "utf8");
  assert.match(lazy, /await import\("mathjs"\)/);
  assert.doesNotMatch(eager, /import\("mathjs"\)/);
  assert.match(eager, /^import \{ evaluate \} from "mathjs";$/m);
  assert.match(eager, /callback: \(\{ expression \}\) => String\(evaluate\(expression\)\),/);
  const strip = (s: string) => s.split("\n").filter((l) => !/mathjs|evaluate|^\s*(return String|\},?$)/.test(l));
  assert.deepEqual(strip(eager).filter((l) => !/callback/.test(l)), strip(lazy).filter((l) => !/callback/.test(l)));
});

test("cell times come from each code cell's headless duration, labelled by what it imports or defines", () => {
  const nb = {
    cells: [
      { cell_type: "markdown", source: ["# t"], metadata: {} },
      { cell_type: "code", source: ['import { doctor } from "agentcore-kit";\n', "await doctor();"], metadata: { headless: { duration_ms: 1500 } } },
      { cell_type: "code", source: "const statusResponse = await x();", metadata: { headless: { duration_ms: 20 } } },
    ],
  };
  assert.deepEqual(cellTimes(JSON.stringify(nb)), [
    { index: 1, label: "doctor", s: 1.5 },
    { index: 2, label: "statusResponse", s: 0.02 },
  ]);
  assert.equal(cellLabel("await y();"), "cell");
  nb.cells[2]!.metadata = {};
  assert.throws(() => cellTimes(JSON.stringify(nb)), /cell 2 has no headless duration/);
});
