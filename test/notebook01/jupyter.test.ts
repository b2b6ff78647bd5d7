/**
 * Notebook 01 under real Jupyter: nbconvert --execute with the tslab kernel (registered by
 * `npm run kernel:install` into a temporary prefix), against this test's own Local AgentCore,
 * which the notebook's first session() starts. The answers must be the headless run's. Runs in CI
 * (CI=true: missing Jupyter is a failure); elsewhere it skips with a message when Jupyter is absent.
 */
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import type { Notebook } from "../../lib/runner/notebook-file.js";
import { answers, findSecrets, knownSecrets, localInventory, NOTEBOOK_NAME, NOTEBOOK_PATH, ownLocal, readNotebook, run, type OwnLocal, type Run } from "./helpers.js";

const PYTHON = "/usr/bin/python3";

function jupyterMissing(): string | undefined {
  if (!existsSync(PYTHON)) return `${PYTHON} not found`;
  return undefined;
}

describe("notebook 01 under real Jupyter (nbconvert, tslab kernel)", () => {
  const missing = jupyterMissing();
  let local: OwnLocal;
  let nbconvert: Run;
  let nb: Notebook | undefined;
  let nbText = "";

  before(async () => {
    if (missing) return;
    local = await ownLocal();
    const probe = await run(PYTHON, ["-c", "import nbconvert, nbclient, nbformat, jupyter_client"], local.env);
    if (probe.code !== 0) {
      nbconvert = { code: -1, stdout: "", stderr: `Jupyter is not installed for ${PYTHON}: ${probe.stderr.trim().split("\n").at(-1)}` };
      return;
    }
    const env = {
      ...local.env,
      JUPYTER_PATH: path.join(local.tmp, "share", "jupyter"),
      JUPYTER_CONFIG_DIR: path.join(local.tmp, "config"),
      JUPYTER_RUNTIME_DIR: path.join(local.tmp, "runtime"),
      JUPYTER_DATA_DIR: path.join(local.tmp, "data"),
    };
    const install = await run(process.execPath, ["--import", "tsx", "scripts/kernel-install.ts", "--prefix", local.tmp, "--python", PYTHON], env);
    assert.equal(install.code, 0, `kernel:install failed:\n${install.stdout}\n${install.stderr}`);
    nbconvert = await run(
      PYTHON,
      ["-m", "nbconvert", "--to", "notebook", "--execute", "--ExecutePreprocessor.kernel_name=tslab", "--ExecutePreprocessor.timeout=600",
        "--ExecutePreprocessor.startup_timeout=120", "--output-dir", local.tmp, "--output", NOTEBOOK_NAME, NOTEBOOK_PATH],
      env,
    );
    const outFile = path.join(local.tmp, NOTEBOOK_NAME);
    if (existsSync(outFile)) {
      nbText = readFileSync(outFile, "utf8");
      nb = readNotebook(outFile);
    }
  });

  after(async () => {
    await local?.stop();
  });

  test("nbconvert executes every cell", (t) => {
    if (missing || (nbconvert.code === -1 && !process.env.CI)) return t.skip(missing ?? nbconvert.stderr);
    assert.equal(nbconvert.code, 0, `nbconvert failed:\n${nbconvert.stderr.slice(-6000)}`);
    assert.ok(nb);
  });

  test("same answers as the headless run", (t) => {
    if (!nb) return t.skip("no executed notebook");
    const a = answers(nb);
    assert.match(a.local, /weather right now is: sunny/i);
    assert.match(a.provider, /arn:aws:bedrock-agentcore:[a-z0-9-]+:\d{12}:token-vault\/default\/apikeycredentialprovider\/openai-apikey-provider/);
    assert.match(a.launch, /arn:aws:bedrock-agentcore:[a-z0-9-]+:\d{12}:runtime\/strands_agents_openai-/);
    assert.match(a.status, /READY/);
    assert.match(a.hello, /^Hello! I am the Local AgentCore stand-in model/m);
    assert.match(a.sdk, /2\s*\*\s*2 = 4\b/);
    assert.match(a.cleanup, /credential-provider.*deleted/);
    assert.match(a.remaining, /Nothing remains/);
  });

  test("no secret in the executed notebook or nbconvert's output", (t) => {
    if (!nb) return t.skip("no executed notebook");
    const known = knownSecrets(local.stateDir);
    assert.deepEqual(findSecrets(nbText, known), []);
    assert.deepEqual(findSecrets(nbconvert.stdout + nbconvert.stderr, known), []);
  });

  test("Local AgentCore holds nothing afterwards", async (t) => {
    if (!nb) return t.skip("no executed notebook");
    assert.deepEqual(await localInventory(local.env), []);
  });
});
