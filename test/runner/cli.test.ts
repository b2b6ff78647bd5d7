/** Command-line contract: usage errors exit 2 with the usage text; --help exits 0. */
import assert from "node:assert/strict";
import path from "node:path";
import { describe, test } from "node:test";
import { parseCliArgs, UsageError } from "../../lib/runner/cli.js";
import { fixture, projectRoot, runNb } from "./helpers.js";

describe("parseCliArgs", () => {
  const nb = fixture("basics.ipynb");

  test("defaults: out/ next to the base dir, cells in the notebook's folder", () => {
    const c = parseCliArgs([nb], projectRoot);
    assert.equal(c.kind, "run");
    if (c.kind !== "run") return;
    const o = c.options;
    assert.deepEqual(o.notebooks, [nb]);
    assert.deepEqual(o.output, { dir: path.join(projectRoot, "out") });
    assert.equal(o.cwd, undefined);
    assert.equal(o.parameters.size, 0);
  });

  test("all options, relative paths resolved against the base dir", () => {
    const c = parseCliArgs(
      ["test/fixtures/basics.ipynb", "--out", "o", "-p", "a=1", "--param", "b=x", "--junit", "r.xml", "--cell-timeout", "2.5", "--cwd", "test"],
      projectRoot,
    );
    assert.equal(c.kind, "run");
    if (c.kind !== "run") return;
    const o = c.options;
    assert.deepEqual(o.output, { dir: path.join(projectRoot, "o") });
    assert.deepEqual([...o.parameters], [["a", 1], ["b", "x"]]);
    assert.equal(o.junitPath, path.join(projectRoot, "r.xml"));
    assert.equal(o.cellTimeoutSeconds, 2.5);
    assert.equal(o.cwd, path.join(projectRoot, "test"));
  });

  const bad: [string, string[], RegExp][] = [
    ["no notebook", [], /missing <notebook.ipynb>/],
    ["the same notebook twice", [nb, nb], /is given twice/],
    ["unknown option", [nb, "--bogus"], /Unknown option '--bogus'/],
    ["missing file", ["nope.ipynb"], /notebook not found: nope.ipynb/],
    ["bad -p", [nb, "-p", "novalue"], /-p expects name=value/],
    ["bad parameter name", [nb, "-p", "1x=2"], /not a valid TypeScript identifier/],
    ["bad timeout", [nb, "--cell-timeout", "soon"], /--cell-timeout expects a positive number/],
    ["zero timeout", [nb, "--cell-timeout", "0"], /--cell-timeout expects a positive number/],
    ["bad cwd", [nb, "--cwd", "no/such/dir"], /--cwd: not a directory/],
  ];
  for (const [name, args, message] of bad) {
    test(`usage error: ${name}`, () => {
      assert.throws(() => parseCliArgs(args, projectRoot), (e: unknown) => e instanceof UsageError && message.test(e.message));
    });
  }
});

describe("nb CLI exit codes", () => {
  test("a usage error exits 2 and prints the usage", async () => {
    const run = await runNb([fixture("basics.ipynb"), "--cell-timeout", "soon"]);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /error: --cell-timeout expects a positive number/);
    assert.match(run.stderr, /Usage: npm run nb -- <notebook.ipynb/);
  });

  test("a file that is not a notebook exits 2", async () => {
    const run = await runNb([path.join(projectRoot, "package.json")]);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /is not an nbformat 4 notebook/);
  });

  test("--help exits 0", async () => {
    const run = await runNb(["--help"]);
    assert.equal(run.code, 0);
    assert.match(run.stdout, /--cell-timeout <seconds>/);
  });
});
