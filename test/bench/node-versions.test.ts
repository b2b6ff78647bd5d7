/**
 * The "nodes" benchmark's choices, without running it: which Node binaries it measures (this one
 * always, Node 22 when BENCH_NODE22 names a binary that exists, with its own project copy), and the
 * peak RSS it reads from the kernel.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { nodesUnderTest, peakRssMiB } from "../../scripts/bench/node-versions.js";
import { PROJECT_DIR } from "../../scripts/bench/own-local.js";

test("this Node always; Node 22 only when BENCH_NODE22 is given, from BENCH_NODE22_PROJECT when given", () => {
  const alone = nodesUnderTest({});
  assert.equal(alone.length, 1);
  assert.equal(alone[0]!.bin, process.execPath);
  assert.equal(alone[0]!.projectDir, PROJECT_DIR);
  const both = nodesUnderTest({ BENCH_NODE22: process.execPath, BENCH_NODE22_PROJECT: "/elsewhere" });
  assert.deepEqual(both[1], { label: "node22", bin: process.execPath, projectDir: "/elsewhere" });
  assert.equal(nodesUnderTest({ BENCH_NODE22: process.execPath })[1]!.projectDir, PROJECT_DIR);
});

test("a BENCH_NODE22 that does not exist is refused with how to get one", () => {
  assert.throws(() => nodesUnderTest({ BENCH_NODE22: "/no/such/node" }), /does not exist \(install one with: npm install --prefix/);
});

test("peak RSS is this process's high-water mark, at least its current RSS", () => {
  const peak = peakRssMiB(process.pid);
  assert.ok(peak >= process.memoryUsage().rss / 2 ** 20 - 1, `${peak} MiB`);
});
