/**
 * `npm run bench -- --quick` on a small subset (per-cell overhead, invoke overhead): it exits 0,
 * writes the JSON the issue documents (an array of { name, unit, value, baseline, ratio, goal, met,
 * runs }) and prints the table. No timing assertions: only the shape and that figures are numbers.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, test } from "node:test";

const projectRoot = fileURLToPath(new URL("../../", import.meta.url));
const tmp = mkdtempSync(path.join(os.tmpdir(), "bench-test-"));
const outFile = path.join(tmp, "results.json");
let run: { code: number | null; stdout: string; stderr: string };

before(async () => {
  run = await new Promise((resolve) => {
    execFile(
      process.execPath,
      ["--import", "tsx", path.join(projectRoot, "scripts", "bench", "main.ts"), "--quick", "--only", "cells,invoke", "--out", outFile],
      { cwd: projectRoot, env: { ...process.env, NO_COLOR: "1", INIT_CWD: undefined }, timeout: 120_000, maxBuffer: 16 << 20 },
      (error, stdout, stderr) => resolve({ code: error ? (typeof error.code === "number" ? error.code : null) : 0, stdout, stderr }),
    );
  });
});
after(() => rmSync(tmp, { recursive: true, force: true }));

test("--quick exits 0 and writes an array of results in the documented shape", () => {
  assert.equal(run.code, 0, run.stderr.slice(-3000));
  const results = JSON.parse(readFileSync(outFile, "utf8")) as Record<string, unknown>[];
  assert.ok(Array.isArray(results));
  assert.deepEqual(
    results.map((r) => r.name),
    ["cell-overhead", "invoke.p50", "invoke.p95", "invoke.p99", "invoke.sdk.p50", "invoke.sdk.p95", "invoke.sdk.p99", "invoke.server-cpu"],
  );
  for (const r of results) {
    assert.deepEqual(Object.keys(r), ["name", "unit", "value", "baseline", "ratio", "goal", "met", "runs"], `keys of ${r.name}`);
    assert.equal(typeof r.unit, "string");
    assert.ok(typeof r.value === "number" && Number.isFinite(r.value) && r.value > 0, `${r.name} value ${r.value}`);
    assert.ok(r.baseline === null || (typeof r.baseline === "number" && r.baseline > 0), `${r.name} baseline`);
    assert.ok(r.ratio === null || typeof r.ratio === "number", `${r.name} ratio`);
    assert.equal(r.ratio === null, r.baseline === null, `${r.name}: a ratio exactly when there is a baseline`);
    assert.ok(typeof r.goal === "string" && r.goal.length > 0);
    assert.equal(typeof r.met, "boolean");
    assert.ok(Number.isInteger(r.runs) && (r.runs as number) > 1, `${r.name} runs`);
  }
  const invoke = results.find((r) => r.name === "invoke.p50")!;
  assert.equal(invoke.unit, "ms");
  assert.notEqual(invoke.baseline, null, "invoke overhead has the direct POST as its alternative");
  const sdk = results.find((r) => r.name === "invoke.sdk.p50")!;
  assert.equal(sdk.baseline, invoke.baseline, "the SDK client's row has the same direct POST as its alternative");
});

test("prints the table with every metric, and the machine it ran on", () => {
  for (const name of ["cell-overhead", "invoke.p50", "invoke.p99"]) assert.match(run.stdout, new RegExp(`\\| ${name.replace(".", "\\.")}\\s+\\|`));
  assert.match(run.stdout, /\| metric\s+\| ours\s+\| alternative/);
  assert.match(run.stdout, /Node v\d+/);
});

test("--help and an unknown benchmark: usage, exit 0 and 2", async () => {
  const exec = (args: string[]) =>
    new Promise<{ code: number | null; out: string }>((resolve) =>
      execFile(process.execPath, ["--import", "tsx", path.join(projectRoot, "scripts", "bench", "main.ts"), ...args], { cwd: projectRoot }, (e, stdout, stderr) =>
        resolve({ code: e ? (typeof e.code === "number" ? e.code : null) : 0, out: stdout + stderr }),
      ),
    );
  const help = await exec(["--help"]);
  assert.equal(help.code, 0);
  assert.match(help.out, /--quick/);
  const bad = await exec(["--only", "nope"]);
  assert.equal(bad.code, 2);
  assert.match(bad.out, /unknown benchmark nope/);
});
