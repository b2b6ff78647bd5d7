/**
 * The fuzz-repeat script's command line (its runs take minutes each, so they are not run here):
 * --help, --version, and usage errors that say what is wrong.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { PROJECT_DIR } from "../../lib/project-dir.js";

const script = join(PROJECT_DIR, "scripts", "fuzz-repeat.ts");
const run = (...args: string[]) => spawnSync(process.execPath, ["--import", "tsx", script, ...args], { cwd: PROJECT_DIR, encoding: "utf8", timeout: 60_000 });

describe("npm run fuzz:repeat", () => {
  it("--help explains the runs, the seeds and how to replay one", () => {
    const r = run("--help");
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /--runs N/);
    assert.match(r.stdout, /BAD_INPUT_SEED=<seed>/);
  });

  it("--version prints the project's version", () => {
    const r = run("--version");
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), (JSON.parse(readFileSync(join(PROJECT_DIR, "package.json"), "utf8")) as { version: string }).version);
  });

  it("a bad --runs or an unknown argument: exit 2 with what is wrong", () => {
    for (const [args, said] of [
      [["--runs", "0"], /--runs must be a positive integer/],
      [["--runs"], /--runs needs a value/],
      [["--seed", "x"], /--seed must be an integer/],
      [["--fast"], /Unknown argument "--fast"/],
    ] as const) {
      const r = run(...args);
      assert.equal(r.status, 2, `${args.join(" ")}: ${r.stdout}`);
      assert.match(r.stderr, said);
    }
  });
});
