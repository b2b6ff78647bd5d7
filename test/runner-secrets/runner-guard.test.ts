/**
 * The secret-leak guard through the real `nb` CLI (a child process, as CI runs it): a cell that
 * prints a secret fails the run naming the cell, the secret is masked in the saved notebook and
 * the JUnit report, and later cells do not run; `--allow-secrets` keeps it and says so loudly.
 * The vaulted case runs against a Local AgentCore of the test's own, started by the notebook.
 */
import assert from "node:assert/strict";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { after, before, test } from "node:test";
import { ownLocal, type OwnLocal } from "../notebook01/helpers.js";
import { codeCells, projectRoot, readExecuted, runNb, streamOf, tempDir } from "../runner/helpers.js";

const TOKEN = "tok-runner-guard-5566778899";
const AWS_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
let dir: string;

function notebook(name: string, sources: string[]): string {
  const file = path.join(dir, name);
  const cells = sources.map((source, i) => ({ cell_type: "code", execution_count: null, id: `c${i}`, metadata: {}, outputs: [], source }));
  writeFileSync(file, JSON.stringify({ cells, metadata: { kernelspec: { name: "tslab", display_name: "TypeScript", language: "typescript" } }, nbformat: 4, nbformat_minor: 5 }));
  return file;
}

before(async () => {
  dir = await tempDir("runner-secrets-");
});
after(() => rmSync(dir, { recursive: true, force: true }));

const ENV_CELLS = ['console.log("hello");', 'console.log("the token is", process.env.RUNNER_GUARD_API_TOKEN);', 'console.log("not reached");'];

test("an environment secret in a cell's output fails the run at that cell; masked in the notebook, the JUnit report and the terminal", async () => {
  const nb = notebook("env-leak.ipynb", ENV_CELLS);
  const out = path.join(dir, "out");
  const junit = path.join(dir, "junit.xml");
  const run = await runNb([nb, "--out", out, "--junit", junit], { RUNNER_GUARD_API_TOKEN: TOKEN });
  assert.equal(run.code, 1, run.stderr);
  assert.match(run.stdout + run.stderr, /cell 2/);
  assert.match(run.stdout + run.stderr, /SecretLeakError: cell 2 printed the value of RUNNER_GUARD_API_TOKEN \(tok…8899\) in stdout/);
  assert.equal((run.stdout + run.stderr).includes(TOKEN), false, "not even the live echo shows it");
  const saved = readFileSync(path.join(out, "env-leak.ipynb"), "utf8");
  assert.equal(saved.includes(TOKEN), false, "the saved notebook holds no secret");
  const cells = codeCells(readExecuted(out, "env-leak.ipynb"));
  assert.equal(streamOf(cells[1]!, "stdout"), "the token is tok…8899\n");
  assert.equal(cells[2]!.execution_count, null, "the run stopped at the leaking cell");
  const meta = readExecuted(out, "env-leak.ipynb").metadata.headless as Record<string, any>;
  assert.equal(meta.status, "failed");
  assert.equal(meta.failed_cell, "cell 2");
  assert.deepEqual(meta.secret_leaks, [{ cell: "cell 2", kind: "environment variable", where: "stdout", masked: "tok…8899", env: "RUNNER_GUARD_API_TOKEN" }]);
  const report = readFileSync(junit, "utf8");
  assert.match(report, /SecretLeakError/);
  assert.equal(report.includes(TOKEN), false);
});

test("an AWS secret access key shape fails the run too, masked in the saved notebook", async () => {
  const nb = notebook("aws-leak.ipynb", [`const k = "${AWS_SECRET.slice(0, 20)}" + "${AWS_SECRET.slice(20)}";\nconsole.log("key:", k);`]);
  const out = path.join(dir, "out-aws");
  const run = await runNb([nb, "--out", out], {});
  assert.equal(run.code, 1);
  assert.match(run.stdout + run.stderr, /cell 1 printed an AWS secret access key \(wJa…EKEY\) in stdout/);
  assert.equal(readFileSync(path.join(out, "aws-leak.ipynb"), "utf8").includes(AWS_SECRET), false);
});

test("--allow-secrets: the run passes, the value stays, and the runner says so loudly", async () => {
  const nb = notebook("env-allowed.ipynb", ENV_CELLS);
  const out = path.join(dir, "out-allowed");
  const run = await runNb([nb, "--out", out, "--allow-secrets"], { RUNNER_GUARD_API_TOKEN: TOKEN });
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stderr, /--allow-secrets: secrets that cells print are NOT masked and do NOT fail the run/);
  assert.match(run.stderr, /cell 2 printed secrets, kept because of --allow-secrets: the value of RUNNER_GUARD_API_TOKEN/);
  assert.ok(readFileSync(path.join(out, "env-allowed.ipynb"), "utf8").includes(TOKEN));
  assert.equal((readExecuted(out, "env-allowed.ipynb").metadata.headless as Record<string, unknown>).allow_secrets, true);
});

test("a value Local AgentCore vaulted during the run is recognised by digest alone and masked", { timeout: 120_000 }, async () => {
  let own: OwnLocal | undefined;
  try {
    own = await ownLocal();
    const out = path.join(dir, "out-vault");
    const nb = path.join(projectRoot, "test", "runner-secrets", "fixtures", "vault-leak.ipynb");
    const run = await runNb([nb, "--out", out], own.env);
    assert.equal(run.code, 1, run.stdout + run.stderr);
    assert.match(run.stdout + run.stderr, /cell 3 printed a secret Local AgentCore holds in its vault \(pla…4242\) in stdout/);
    const saved = readFileSync(path.join(out, "vault-leak.ipynb"), "utf8");
    assert.equal(saved.includes("plain-vaulted-value-4242"), false);
    const cells = codeCells(readExecuted(out, "vault-leak.ipynb"));
    assert.equal(streamOf(cells[0]!, "stdout"), "provider created\n");
    assert.equal(streamOf(cells[1]!, "stdout"), "the key is pla…4242 (oops)\n");
    assert.equal(cells[2]!.execution_count, null);
  } finally {
    await own?.stop();
  }
});
