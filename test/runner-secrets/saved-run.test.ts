/**
 * What the runner writes besides outputs: the saved notebook's run metadata (input path,
 * parameters), the injected-parameters cell and the JUnit report hold no secret and no absolute
 * path of this machine, while the cells still get the real values.
 */
import assert from "node:assert/strict";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { after, before, test } from "node:test";
import { codeCells, readExecuted, runNb, sourceOf, streamOf, tempDir } from "../runner/helpers.js";

const API_KEY = "sk-runner-param-abcdefghijklmnop";
const AWS_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
let dir: string;

before(async () => {
  dir = await tempDir("runner-saved-");
  const cells = [
    { source: 'let apiKey: string = "none";\nlet region: string = "us-east-1";', metadata: { tags: ["parameters"] } },
    { source: 'console.log("region", region, "key length", apiKey.length);', metadata: {} },
    { source: `const pasted = "${AWS_SECRET}"; // pasted by mistake\nconsole.log(pasted.length);`, metadata: {} },
  ].map((c, i) => ({ cell_type: "code", execution_count: null, id: `c${i}`, outputs: [], ...c }));
  const kernelspec = { name: "tslab", display_name: "TypeScript", language: "typescript" };
  writeFileSync(path.join(dir, "params.ipynb"), JSON.stringify({ cells, metadata: { kernelspec }, nbformat: 4, nbformat_minor: 5 }));
});
after(() => rmSync(dir, { recursive: true, force: true }));

test("secret -p values reach the cells but are masked in the saved notebook; input_path is relative; the JUnit report is scanned", async () => {
  const out = path.join(dir, "out");
  const junit = path.join(dir, "junit.xml");
  const run = await runNb([path.join(dir, "params.ipynb"), "--out", out, "--junit", junit, "-p", `apiKey=${API_KEY}`, "-p", "region=eu-west-1"]);
  assert.equal(run.code, 0, run.stdout + run.stderr);
  const nb = readExecuted(out, "params.ipynb");
  assert.equal(streamOf(codeCells(nb)[2]!, "stdout"), `region eu-west-1 key length ${API_KEY.length}\n`, "the cell got the real value");

  const saved = readFileSync(path.join(out, "params.ipynb"), "utf8");
  assert.equal(saved.includes(API_KEY), false, "no raw -p secret in the saved notebook");
  const meta = nb.metadata.headless as { input_path: string; parameters: Record<string, unknown> };
  assert.deepEqual(meta.parameters, { apiKey: "sk-…mnop", region: "eu-west-1" });
  assert.equal(path.isAbsolute(meta.input_path), false, meta.input_path);
  assert.equal(meta.input_path, path.join("..", "params.ipynb"), "relative to the saved notebook's folder");
  assert.equal(saved.includes(dir), false, "no absolute path of this machine");
  const injected = codeCells(nb).find((c) => (c.metadata.tags ?? []).includes("injected-parameters"))!;
  assert.match(sourceOf(injected), /let apiKey: string = "sk-…mnop";/);
  assert.match(sourceOf(injected), /let region: string = "eu-west-1";/);

  const report = readFileSync(junit, "utf8");
  assert.equal(report.includes(AWS_SECRET), false, "the JUnit report (test names hold first source lines) is scanned");
  assert.equal(report.includes(API_KEY), false);
  assert.equal((run.stdout + run.stderr).includes(API_KEY), false, "the terminal shows the injected cell masked too");
});
