/**
 * Display helpers: `require("tslab")` inside a cell is tslab's own module, and both its display API
 * and ours are recorded by the runner; outside a kernel our helpers print to the terminal instead.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { describe, test } from "node:test";
import { markdownTable } from "../../lib/notebook/display.js";
import { codeCells, fixture, projectRoot, readExecuted, runNb, tempDir } from "./helpers.js";

describe("display", () => {
  test("tslab's own display API works in the runner, including in-place updates", async () => {
    const out = await tempDir();
    const run = await runNb([fixture("tslab-display.ipynb"), "--out", out]);
    assert.equal(run.code, 0, run.stderr);
    const [plain, updated] = codeCells(readExecuted(out, "tslab-display.ipynb"));
    assert.deepEqual(plain!.outputs, [{ output_type: "display_data", data: { "text/plain": ["plain via tslab"] }, metadata: {} }]);
    assert.deepEqual(updated!.outputs, [{ output_type: "display_data", data: { "text/plain": ["step 2 of 2"] }, metadata: {} }]);
  });

  test("outside Jupyter and the runner, helpers print a terminal rendering", async () => {
    const script = `import { display } from "./lib/index.ts";
display.json({ a: 1 });
display.table([{ k: "x", v: 2 }]);
display.png(new Uint8Array(3));
display.markdown("**strong** text");
display.link("http://127.0.0.1:1/sign-in?a=1&b=2", "Sign in", "a new tab");`;
    const stdout = await new Promise<string>((resolve, reject) =>
      execFile(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], { cwd: projectRoot, env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: undefined } }, (e, out, err) =>
        e ? reject(new Error(err)) : resolve(out),
      ),
    );
    assert.match(stdout, /^\{\n {2}"a": 1\n\}$/m);
    assert.match(stdout, /│ k +│ v +│/);
    assert.match(stdout, /\[image\/png, 3 bytes\]/);
    assert.match(stdout, /^strong text$/m);
    // No HTML in a terminal: the text and the whole address to copy.
    assert.match(stdout, /^Sign in \(a new tab\): http:\/\/127\.0\.0\.1:1\/sign-in\?a=1&b=2$/m);
  });

  test("markdownTable escapes pipes and newlines, and takes columns from all rows", () => {
    assert.equal(
      markdownTable([{ a: "x|y", b: 1 }, { a: "line\nbreak", c: null }]),
      ["| a | b | c |", "| --- | --- | --- |", "| x\\|y | 1 |  |", "| line break |  |  |"].join("\n"),
    );
    assert.equal(markdownTable([[1, 2]], ["first", "second"]), ["| first | second |", "| --- | --- |", "| 1 | 2 |"].join("\n"));
  });
});
