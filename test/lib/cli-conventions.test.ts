/**
 * Every script behaves like its neighbours (the AWS CLI, LocalStack): `--help` explains it and
 * exits 0, `--version` names the project's version and exits 0, and an unknown flag is a usage
 * error (exit 2) that says which flag, never silently ignored.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";

const PROJECT = join(import.meta.dirname, "..", "..");
const VERSION = (JSON.parse(readFileSync(join(PROJECT, "package.json"), "utf8")) as { version: string }).version;

// The scripts this suite covers; nb (the runner's CLI) and cleanup have their own tests.
const SCRIPTS = ["local.ts", "doctor.ts", "start.ts", "kernel-install.ts", "workshop.ts", "bench/main.ts"];

function run(script: string, args: string[]) {
  const r = spawnSync(process.execPath, ["--import", "tsx", join(PROJECT, "scripts", script), ...args], {
    cwd: PROJECT,
    encoding: "utf8",
    timeout: 120_000,
    env: { ...process.env, AGENTCORE_LOCAL_DIR: join(PROJECT, "out", "cli-conventions-state") },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

for (const script of SCRIPTS) {
  test(`${script}: --help and --version`, () => {
    const help = run(script, ["--help"]);
    assert.equal(help.status, 0, help.stderr);
    assert.match(help.stdout, /usage/i);
    const version = run(script, ["--version"]);
    assert.equal(version.status, 0, version.stderr);
    assert.ok(version.stdout.includes(`agentcore-kit ${VERSION}`), version.stdout);
  });
}

for (const [script, args] of [
  ["local.ts", ["status", "--no-such-flag"]],
  ["doctor.ts", ["--no-such-flag"]],
  ["kernel-install.ts", ["--no-such-flag"]],
  ["workshop.ts", ["prepare", "--no-such-flag"]],
  ["bench/main.ts", ["--no-such-flag"]],
] as const) {
  test(`${script} ${args.join(" ")}: exit 2 naming the flag`, () => {
    const r = run(script, [...args]);
    assert.equal(r.status, 2, r.stdout + r.stderr);
    assert.match(r.stderr, /no-such-flag/);
  });
}
