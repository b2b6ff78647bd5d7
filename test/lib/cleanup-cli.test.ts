import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const run = (args: string[], env: NodeJS.ProcessEnv = {}) =>
  spawnSync(process.execPath, ["--import", "tsx", "scripts/cleanup.ts", ...args], { encoding: "utf8", env: { ...process.env, ...env } });

test("npm run cleanup: --help, usage errors, and an empty ledger folder", () => {
  const help = run(["--help"]);
  assert.equal(help.status, 0);
  assert.match(help.stdout, /Usage: npm run cleanup/);
  assert.match(help.stdout, /notebooks\/\.agentcore-ledger\.json/);

  const bad = run(["--force"]);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /Usage: npm run cleanup/);

  const dir = mkdtempSync(join(tmpdir(), "cleanup-cli-"));
  try {
    const byArg = run([dir]);
    assert.equal(byArg.status, 0);
    assert.match(byArg.stdout, new RegExp(`Nothing recorded in ${dir}/\\.agentcore-ledger\\.json`));
    const byEnv = run([], { AGENTCORE_LEDGER_DIR: dir });
    assert.equal(byEnv.status, 0);
    assert.match(byEnv.stdout, new RegExp(`Nothing recorded in ${dir}/\\.agentcore-ledger\\.json:`));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
