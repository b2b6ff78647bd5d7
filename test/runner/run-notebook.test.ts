/**
 * A passing run of test/fixtures/basics.ipynb through the real CLI: shared variables and imports
 * across cells, top-level await, streams, display data, tags, timing metadata, markdown rendered
 * in the terminal, JUnit, and an executed notebook that is valid nbformat 4.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { before, describe, test } from "node:test";
import { type CliRun, codeCells, errorOf, fixture, nbformatValidator, NBFORMAT_SCHEMA, readExecuted, runNb, sourceOf, streamOf, tempDir } from "./helpers.js";
import type { CodeCell, Notebook } from "../../lib/runner/notebook-file.js";

describe("basics.ipynb, default parameters", () => {
  let run: CliRun;
  let nb: Notebook;
  let out: string;
  const cell = (startsWith: string): CodeCell => {
    const found = codeCells(nb).find((c) => sourceOf(c).includes(startsWith));
    assert.ok(found, `no cell containing ${startsWith}`);
    return found;
  };

  before(async () => {
    out = await tempDir();
    run = await runNb([fixture("basics.ipynb"), "--out", out, "--junit", path.join(out, "report.xml")]);
    nb = readExecuted(out, "basics.ipynb");
  });

  test("exits 0", () => assert.equal(run.code, 0, run.stderr));

  test("variables and imports are shared across cells", () => {
    assert.equal(streamOf(cell("first cell sees"), "stdout"), 'first cell sees {"label":"fixture","count":2,"mode":"plain"}\n');
    assert.equal(streamOf(cell("path.basename"), "stdout"), "c.txt fixture 20 PLAIN false\n");
  });

  test("top-level await, stdout and stderr streams", () => {
    const c = cell("const waited = await");
    assert.equal(streamOf(c, "stdout"), "awaited value\n");
    assert.equal(streamOf(c, "stderr"), "a line on stderr\n");
  });

  test("the last expression is printed, as the kernel does", () => {
    assert.equal(streamOf(cell("${waited} / ${label}"), "stdout"), "awaited value / fixture x2\n");
  });

  test("display helpers become display_data outputs", () => {
    const outputs = cell("display.markdown").outputs;
    assert.deepEqual(
      outputs.map((o) => o.output_type),
      ["display_data", "display_data", "display_data", "display_data", "display_data"],
    );
    const data = outputs.map((o) => (o.output_type === "display_data" ? o.data : {}));
    assert.deepEqual(data[0], { "text/markdown": ["**rich** markdown from `display`"] });
    assert.deepEqual(data[1], { "text/html": ["<b>html</b>"] });
    assert.deepEqual(data[2], { "application/json": { answer: 42, list: [1, 2] } });
    assert.match(String((data[3]!["text/markdown"] as string[]).join("")), /\| name \| value \|\n\| --- \| --- \|\n\| a \| 1 \|\n\| b \| 2 \|/);
    assert.deepEqual(data[4], { "image/png": Buffer.from("89504e470d0a1a0a", "hex").toString("base64") });
  });

  test("raises-exception records the error and the run goes on", () => {
    const err = errorOf(cell("expected failure"));
    assert.ok(err);
    assert.equal(err.ename, "RangeError");
    assert.equal(err.evalue, "expected failure");
    assert.equal(err.traceback[0], "RangeError: expected failure");
  });

  test("skip-headless and empty cells are not executed", () => {
    const skipped = cell("must not run headless");
    assert.equal(skipped.execution_count, null);
    assert.deepEqual(skipped.outputs, []);
    assert.equal((skipped.metadata.headless as { status: string }).status, "skipped");
    const empty = codeCells(nb).find((c) => sourceOf(c) === "")!;
    assert.equal(empty.execution_count, null);
  });

  test("execution counts run 1..n over executed cells, with per-cell timing", () => {
    const executed = codeCells(nb).filter((c) => c.execution_count !== null);
    assert.deepEqual(executed.map((c) => c.execution_count), [1, 2, 3, 4, 5, 6, 7]);
    for (const c of executed) {
      const timing = c.metadata.execution as Record<string, string>;
      assert.ok(Date.parse(timing["iopub.execute_input"]!) <= Date.parse(timing["shell.execute_reply"]!));
      assert.equal(typeof (c.metadata.headless as { duration_ms: number }).duration_ms, "number");
    }
  });

  test("the executed notebook is valid nbformat 4", (t) => {
    const validate = nbformatValidator();
    if (!validate) {
      if (process.env.CI) assert.fail(`${NBFORMAT_SCHEMA} is missing (python3-nbformat); .ci/run installs it`);
      return t.skip(`nbformat schema not installed (${NBFORMAT_SCHEMA}); apt-get install python3-nbformat`);
    }
    assert.deepEqual(validate(nb), []);
    assert.equal(nb.nbformat, 4);
    assert.equal(nb.nbformat_minor, 5);
  });

  test("markdown cells are rendered in the terminal", () => {
    assert.match(run.stdout, /This paragraph has bold words and a list:/);
    assert.doesNotMatch(run.stdout, /\*\*bold words\*\*/);
    assert.match(run.stdout, /^\s+\* first item$/m);
  });

  test("a progress line per code cell with its first line and elapsed time", () => {
    assert.match(run.stdout, /^\[cell 3\] import path from "node:path";$/m);
    assert.match(run.stdout, /^\[cell 3\] ✓ \d+(\.\d+)? (ms|s)$/m);
    assert.match(run.stdout, /^\[cell 9\] throw new Error\("this cell must not run headless"\); — skipped \(skip-headless\)$/m);
  });

  test("JUnit report: one test case per code cell", () => {
    const xml = readFileSync(path.join(out, "report.xml"), "utf8");
    assert.equal(xml.match(/<testcase /g)?.length, codeCells(nb).length);
    assert.match(xml, /<testsuite name="basics"[^>]* tests="9" failures="0"[^>]* skipped="2"/);
  });
});

describe("basics.ipynb with -p overrides", () => {
  let run: CliRun;
  let nb: Notebook;
  before(async () => {
    const out = await tempDir();
    run = await runNb([fixture("basics.ipynb"), "--out", out, "-p", "label=from-cli", "-p", "count=5", "-p", "mode=loud", "-p", 'options={"verbose":true}']);
    nb = readExecuted(out, "basics.ipynb");
  });

  test("exits 0", () => assert.equal(run.code, 0, run.stderr));

  test("an injected-parameters cell follows the parameters cell, with typed declarations", () => {
    const cells = nb.cells;
    const at = cells.findIndex((c) => (c.metadata.tags ?? []).includes("injected-parameters"));
    assert.ok(at > 0);
    assert.deepEqual(cells[at - 1]!.metadata.tags, ["parameters"]);
    assert.equal(
      sourceOf(cells[at]!),
      [
        "// Parameters injected by the headless runner (-p name=value)",
        'const label: string = "from-cli";',
        "const count: number = 5;",
        'let mode: string = "loud";',
        'const options = {"verbose":true};',
      ].join("\n"),
    );
    assert.deepEqual(nb.metadata.headless && (nb.metadata.headless as { parameters: unknown }).parameters, {
      label: "from-cli",
      count: 5,
      mode: "loud",
      options: { verbose: true },
    });
  });

  test("later cells see the injected values", () => {
    const c = codeCells(nb).find((x) => sourceOf(x).includes("path.basename"))!;
    assert.equal(streamOf(c, "stdout"), "c.txt from-cli 50 LOUD true\n");
  });
});
