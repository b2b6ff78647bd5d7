/**
 * The "nodes" benchmark's choices, without running it: which Node binaries it measures (this one
 * always, Node 22 when BENCH_NODE22 names a binary that exists, with its own project copy), and the
 * peak RSS it reads from the kernel.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { type NodeFigures, nodeResults, nodesUnderTest, peakRssMiB, sideBySide } from "../../scripts/bench/node-versions.js";
import type { BenchResult } from "../../scripts/bench/result.js";
import { resultsTable } from "../../scripts/bench/table.js";
import { PROJECT_DIR } from "../../scripts/bench/own-local.js";

test("this Node always; Node 22 only when BENCH_NODE22 is given, from BENCH_NODE22_PROJECT when given", () => {
  const alone = nodesUnderTest({});
  assert.equal(alone.length, 1);
  assert.equal(alone[0]!.bin, process.execPath);
  assert.equal(alone[0]!.projectDir, PROJECT_DIR);
  const both = nodesUnderTest({ BENCH_NODE22: process.execPath, BENCH_NODE22_PROJECT: "/elsewhere" });
  // Under Node 22 already, the first row is node22 and the second needs a name of its own.
  const secondLabel = process.versions.node.startsWith("22.") ? "node22-bench" : "node22";
  assert.deepEqual(both[1], { label: secondLabel, bin: process.execPath, projectDir: "/elsewhere" });
  assert.equal(nodesUnderTest({ BENCH_NODE22: process.execPath })[1]!.projectDir, PROJECT_DIR);
});

test("a BENCH_NODE22 that does not exist is refused with how to get one", () => {
  assert.throws(() => nodesUnderTest({ BENCH_NODE22: "/no/such/node" }), /does not exist \(install one with: npm install --prefix/);
});

test("peak RSS is this process's high-water mark, at least its current RSS", () => {
  const peak = peakRssMiB(process.pid);
  assert.ok(peak >= process.memoryUsage().rss / 2 ** 20 - 1, `${peak} MiB`);
});

const figures = (notebookS: number, rssMiB: number): NodeFigures => ({ put: [300, 200, 250], firstStart: [7000], localStart: 1500, notebook: notebookS * 1000, rss: rssMiB });

test("notebook 01's run time and peak RSS are reported per Node, each other Node next to the first with the ratio and goal", () => {
  const node20 = { label: "node20", m: figures(40.2, 244) };
  const base = nodeResults(node20.label, node20.m);
  const byName = (rows: BenchResult[]) => new Map(rows.map((r) => [r.name, r]));
  const first = byName(base);
  assert.equal(first.get("nodes.node20.notebook-01")?.value, 40_200);
  assert.equal(first.get("nodes.node20.notebook-01")?.baseline, null, "the first Node is the baseline, compared to nothing");
  assert.ok(first.has("nodes.node20.peak-rss") && first.has("nodes.node20.local-start"));

  // Issue's Node 22 figures: 56.8 s (1.41×) misses the 1.1× goal; 1,524 MiB misses 1.25×.
  const slow = byName(nodeResults("node22", figures(56.8, 1524), node20));
  const nb = slow.get("nodes.node22.notebook-01")!;
  assert.deepEqual([nb.value, nb.baseline, nb.ratio, nb.met, nb.goal], [56_800, 40_200, 1.41, false, "≤ 1.1 × node20's"]);
  const rss = slow.get("nodes.node22.peak-rss")!;
  assert.deepEqual([rss.baseline, rss.met, rss.goal], [244, false, "≤ 1.25 × node20's"]);
  // Within the goals: 44 s (1.09×) and 300 MiB (1.23×).
  const ok = byName(nodeResults("node22", figures(44, 300), node20));
  assert.equal(ok.get("nodes.node22.notebook-01")!.met, true);
  assert.equal(ok.get("nodes.node22.peak-rss")!.met, true);

  // The table shows Node 22's time with Node 20's as its alternative, on one row.
  const table = resultsTable([...base, ...nodeResults("node22", figures(56.8, 1524), node20)]);
  assert.match(table, /\| nodes\.node22\.notebook-01 +\| 56800 ms +\| 40200 ms +\| 1\.41× /);

  const summary = sideBySide([node20, { label: "node22", m: figures(56.8, 1524) }]);
  assert.equal(summary[0], "notebook 01: node20 40.2 s | node22 56.8 s (1.41×, NOT met) [goal ≤ 1.1× node20]");
  assert.match(summary[1]!, /^peak RSS: node20 244 MiB \| node22 1524 MiB \(6\.25×, NOT met\)/);
});

test("under Node 22 already, BENCH_NODE22's Node gets a label of its own (rows are named by label)", () => {
  const labels = nodesUnderTest({ BENCH_NODE22: process.execPath }, "22.23.0").map((n) => n.label);
  assert.equal(labels[0], "node22");
  assert.equal(new Set(labels).size, labels.length, `labels ${labels.join(", ")}`);
});
