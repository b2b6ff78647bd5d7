/**
 * The same notebook through real Jupyter (nbconvert --execute, tslab kernel registered by
 * `npm run kernel:install` into a temporary JUPYTER_PATH) and through the headless runner must
 * produce the same outputs. Runs in CI (CI=true: missing Jupyter is a failure); elsewhere it skips
 * with a message when Jupyter is not installed.
 */
import assert from "node:assert/strict";
import { execFile, spawnSync } from "node:child_process";
import path from "node:path";
import { copyFileSync, mkdirSync, rmSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { before, describe, test } from "node:test";
import type { CodeCell, Notebook, Output } from "../../lib/runner/notebook-file.js";
import { codeCells, fixture, projectRoot, readExecuted, runNb, tempDir, text } from "../runner/helpers.js";

const PYTHON = "/usr/bin/python3";
const FIXTURE = "jupyter-parity.ipynb";

function jupyterMissing(): string | undefined {
  const probe = spawnSync(PYTHON, ["-c", "import nbconvert, nbclient, nbformat, jupyter_client"], { encoding: "utf8" });
  if (probe.status === 0) return undefined;
  return `Jupyter is not installed for ${PYTHON} (${(probe.stderr || String(probe.error)).trim().split("\n").at(-1)}); install python3-nbconvert python3-nbclient jupyter-client (see .ci/run)`;
}

function exec(file: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(file, args, { cwd: projectRoot, env: { ...process.env, ...env }, maxBuffer: 16 << 20 }, (error, stdout, stderr) =>
      resolve({ code: error ? (typeof error.code === "number" ? error.code : -1) : 0, stdout, stderr }),
    );
  });
}

/** What a reader sees: consecutive stream writes merged, multiline strings joined, no metadata. */
function visibleOutputs(cell: CodeCell): unknown[] {
  const result: Record<string, unknown>[] = [];
  for (const out of cell.outputs as Output[]) {
    const last = result.at(-1);
    switch (out.output_type) {
      case "stream":
        if (last?.type === "stream" && last.name === out.name) last.text = String(last.text) + text(out.text);
        else result.push({ type: "stream", name: out.name, text: text(out.text) });
        break;
      case "display_data":
      case "execute_result":
        result.push({
          type: out.output_type,
          data: Object.fromEntries(Object.entries(out.data).map(([k, v]) => [k, Array.isArray(v) && k.startsWith("text/") ? v.join("") : v])),
        });
        break;
      case "error":
        result.push({ type: "error", ename: out.ename, evalue: out.evalue });
        break;
    }
  }
  return result;
}

describe("real Jupyter (tslab kernel) and the headless runner agree", () => {
  const missing = jupyterMissing();
  if (missing && process.env.CI) {
    test("Jupyter is installed (required in CI)", () => assert.fail(missing));
    return;
  }
  if (missing) {
    test("parity with real Jupyter", (t) => t.skip(missing));
    return;
  }

  let jupyterNb: Notebook;
  let headlessNb: Notebook;
  let tmp: string;
  let env: Record<string, string>;

  before(async () => {
    tmp = await tempDir("nb-jupyter-");
    env = {
      JUPYTER_PATH: path.join(tmp, "share", "jupyter"),
      JUPYTER_CONFIG_DIR: path.join(tmp, "config"),
      JUPYTER_RUNTIME_DIR: path.join(tmp, "runtime"),
      JUPYTER_DATA_DIR: path.join(tmp, "data"),
    };
    const install = await exec(process.execPath, ["--import", "tsx", "scripts/kernel-install.ts", "--prefix", tmp, "--python", PYTHON], env);
    assert.equal(install.code, 0, `kernel:install failed:\n${install.stdout}\n${install.stderr}`);

    const [jupyter, headless] = [
      await exec(
        PYTHON,
        ["-m", "nbconvert", "--to", "notebook", "--execute", "--ExecutePreprocessor.kernel_name=tslab", "--ExecutePreprocessor.timeout=120",
          "--ExecutePreprocessor.startup_timeout=120", "--output-dir", tmp, "--output", "jupyter.ipynb", fixture(FIXTURE)],
        env,
      ),
      await runNb([fixture(FIXTURE), "--out", path.join(tmp, "headless")]),
    ];
    assert.equal(jupyter.code, 0, `nbconvert failed:\n${jupyter.stderr}`);
    assert.equal(headless.code, 0, `headless run failed:\n${headless.stderr}`);
    jupyterNb = readExecuted(tmp, "jupyter.ipynb");
    headlessNb = readExecuted(path.join(tmp, "headless"), FIXTURE);
  });

  test("Jupyter really executed the notebook through the tslab kernel", () => {
    const outputs = codeCells(jupyterNb).flatMap((c) => visibleOutputs(c));
    assert.ok(outputs.length >= 5, JSON.stringify(outputs));
    assert.deepEqual(visibleOutputs(codeCells(jupyterNb)[1]!)[0], { type: "stream", name: "stdout", text: "hello 2,4,6\n" });
  });

  test("every code cell has the same outputs", () => {
    const j = codeCells(jupyterNb);
    const h = codeCells(headlessNb);
    assert.equal(h.length, j.length);
    for (let i = 0; i < j.length; i++) {
      assert.deepEqual(visibleOutputs(h[i]!), visibleOutputs(j[i]!), `code cell ${i + 1} differs`);
    }
  });
  test("in Jupyter too, a cell that creates node_modules next to the notebook does not break the next cells", async () => {
    // The notebook runs in a folder inside the project (so @types/node resolves), as notebooks/ does.
    mkdirSync(path.join(projectRoot, "out"), { recursive: true });
    const dir = await mkdtemp(path.join(projectRoot, "out", "watched-jupyter-"));
    try {
      copyFileSync(fixture("watched-folder.ipynb"), path.join(dir, "watched-folder.ipynb"));
      const run = await exec(
        PYTHON,
        ["-m", "nbconvert", "--to", "notebook", "--execute", "--ExecutePreprocessor.kernel_name=tslab", "--ExecutePreprocessor.timeout=120",
          "--ExecutePreprocessor.startup_timeout=120", "--output-dir", tmp, "--output", "watched.ipynb", path.join(dir, "watched-folder.ipynb")],
        env,
      );
      assert.equal(run.code, 0, `nbconvert failed:\n${run.stderr}`);
      const cells = codeCells(readExecuted(tmp, "watched.ipynb"));
      assert.deepEqual(visibleOutputs(cells[2]!), [{ type: "stream", name: "stdout", text: "late = 42\n" }]);
      assert.deepEqual(visibleOutputs(cells[3]!), [{ type: "stream", name: "stdout", text: "two = 2\n" }]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  // Not compared: execution_count. tslab sends no execute_input message, so nbclient leaves it null;
  // the runner numbers executed cells as the issue asks.
});
