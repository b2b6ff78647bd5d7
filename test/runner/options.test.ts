/** The command line's conventions (papermill's where they exist), parsed without running anything. */
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, test } from "node:test";
import { type CliOptions, parseCliArgs, UsageError } from "../../lib/runner/options.js";
import { joinParameterPairs, parametersFromYaml } from "../../lib/runner/parameter-sources.js";
import { ParameterError } from "../../lib/runner/parameters.js";
import { fixture, projectRoot, tempDir } from "./helpers.js";

const nb = fixture("basics.ipynb");
const conv = (name: string) => fixture(path.join("runner-conv", name));

function run(args: string[], tty = false): CliOptions {
  const c = parseCliArgs(args, projectRoot, { stdoutIsTTY: tty });
  assert.equal(c.kind, "run");
  return c.kind === "run" ? c.options : (undefined as never);
}

describe("parameters, papermill's way", () => {
  test("-p name value and -p name=value mean the same; JSON values parse, others stay strings", () => {
    const o = run([nb, "-p", "label", "hello", "-p", "count=3", "--param", "mode", "[1,2]", "-p", "flag", "true"]);
    assert.deepEqual([...o.parameters], [["label", "hello"], ["count", 3], ["mode", [1, 2]], ["flag", true]]);
  });

  test("-p name value whose value looks like a flag or holds '=' is still the value", () => {
    const o = run([nb, "-p", "label", "a=b", "-p", "mode", "-q"]);
    assert.deepEqual([...o.parameters], [["label", "a=b"], ["mode", "-q"]]);
  });

  test("the value of another option is never read as -p", () => {
    assert.deepEqual(joinParameterPairs(["--out", "-p", "x", "y"], new Set(["--out"])), ["--out=-p", "x", "y"]);
  });

  test("-f file, then -y yaml, then -p: later sources win whatever the order on the command line", () => {
    const o = run([nb, "-p", "count=9", "-y", "count: 7\nmode: fancy", "-f", conv("params.yaml")]);
    assert.deepEqual(Object.fromEntries(o.parameters), { label: "from-file", count: 9, mode: "fancy" });
    const o2 = run([nb, "-f", conv("params.yaml"), "-y", "{count: 7}"]);
    assert.deepEqual(Object.fromEntries(o2.parameters), { label: "from-file", count: 7 });
  });

  test("YAML values: lists, maps, null, booleans; a date stays a string unless it is a date type", () => {
    assert.deepEqual(Object.fromEntries(parametersFromYaml("a: [1, x]\nb: {c: null}\nd: yes\ne: true\nf: 2026-01-02", "t")), {
      a: [1, "x"],
      b: { c: null },
      d: "yes",
      e: true,
      f: "2026-01-02",
    });
  });

  const badYaml: [string, string, RegExp][] = [
    ["not YAML", "a: [1", /is not valid YAML/],
    ["a list", "- a\n- b", /must be a mapping of parameter names to values .*got a list/],
    ["a scalar", "42", /must be a mapping .*got a number/],
    ["a bad name", "1x: 2", /"1x" is not a valid TypeScript identifier/],
    ["infinity", "n: .inf", /parameter "n" is Infinity, which JSON cannot hold/],
  ];
  for (const [name, yaml, message] of badYaml) {
    test(`-y with ${name} is a usage error`, () => {
      assert.throws(() => parametersFromYaml(yaml, "-y"), (e: unknown) => e instanceof ParameterError && message.test(e.message));
      assert.throws(() => parseCliArgs([nb, "-y", yaml], projectRoot), (e: unknown) => e instanceof UsageError && message.test(e.message));
    });
  }

  test("-f with a missing file is a usage error naming it", () => {
    assert.throws(() => parseCliArgs([nb, "-f", "nope.yaml"], projectRoot), /-f nope\.yaml: cannot read the parameters file \(ENOENT\)/);
  });
});

describe("output, terminal and modes", () => {
  test("--out: a folder, or a file when it ends in .ipynb (one notebook only)", () => {
    assert.deepEqual(run([nb, "--out", "o"]).output, { dir: path.join(projectRoot, "o") });
    assert.deepEqual(run([nb, "-o", "o/run.ipynb"]).output, { file: path.join(projectRoot, "o", "run.ipynb") });
    assert.throws(() => parseCliArgs([nb, fixture("type-error.ipynb"), "--out", "o/run.ipynb"], projectRoot), /is a file, but 2 notebooks are run/);
    assert.throws(() => parseCliArgs([nb, "--out", "package.json"], projectRoot), /is an existing file/);
  });

  test("--progress-bar defaults to whether stdout is a terminal; both flags override", () => {
    assert.equal(run([nb], false).progress, false);
    assert.equal(run([nb], true).progress, true);
    assert.equal(run([nb, "--progress-bar"], false).progress, true);
    assert.equal(run([nb, "--no-progress-bar"], true).progress, false);
    assert.throws(() => parseCliArgs([nb, "--progress-bar", "--no-progress-bar"], projectRoot), /contradict/);
  });

  test("--log-output is the default; --quiet turns it off; both is an error", () => {
    assert.equal(run([nb]).logOutput, true);
    assert.equal(run([nb, "--log-output"]).logOutput, true);
    assert.equal(run([nb, "-q"]).logOutput, false);
    assert.throws(() => parseCliArgs([nb, "--quiet", "--log-output"], projectRoot), /contradict/);
  });

  test("--version, --help and --list-parameters are their own commands", () => {
    assert.deepEqual(parseCliArgs(["--version"], projectRoot), { kind: "version" });
    assert.deepEqual(parseCliArgs(["-V"], projectRoot), { kind: "version" });
    assert.deepEqual(parseCliArgs(["-h"], projectRoot), { kind: "help" });
    assert.deepEqual(parseCliArgs([nb, "--list-parameters"], projectRoot), { kind: "list-parameters", notebooks: [nb] });
  });

  test("many notebooks, and a folder standing for the notebooks in it (sorted)", async () => {
    const dir = await tempDir();
    for (const f of ["b.ipynb", "a.ipynb", "notes.txt"]) writeFileSync(path.join(dir, f), "{}");
    assert.deepEqual(run([dir, nb]).notebooks, [path.join(dir, "a.ipynb"), path.join(dir, "b.ipynb"), nb]);
  });

  test("two notebooks of the same file name would overwrite each other's output: usage error", async () => {
    const dir = await tempDir();
    mkdirSync(path.join(dir, "x"));
    writeFileSync(path.join(dir, "x", "basics.ipynb"), "{}");
    assert.throws(() => parseCliArgs([nb, path.join(dir, "x", "basics.ipynb")], projectRoot), /two notebooks are named basics\.ipynb/);
    assert.throws(() => parseCliArgs([nb, nb], projectRoot), /is given twice/);
  });

  test("--compare and its companions", () => {
    const ref = conv("reference");
    assert.equal(run([nb, "--compare", "test/fixtures/runner-conv/reference"]).compare, ref);
    assert.throws(() => parseCliArgs([nb, "--compare", "no/such/dir"], projectRoot), /reference folder not found: no\/such\/dir \(create it with --update-reference\)/);
    assert.throws(() => parseCliArgs([nb, "--compare", "nope.ipynb"], projectRoot), /reference not found: nope\.ipynb/);
    assert.equal(run([nb, "--compare", "new/ref.ipynb", "--update-reference"]).updateReference, true);
    assert.throws(() => parseCliArgs([nb, "--update-reference"], projectRoot), /--update-reference needs --compare/);
    assert.throws(() => parseCliArgs([nb, "--sanitize-with", conv("sanitize.cfg")], projectRoot), /--sanitize-with applies to --compare/);
    assert.throws(() => parseCliArgs([nb, "--compare", ref, "--sanitize-with", "x.cfg"], projectRoot), /--sanitize-with: file not found: x\.cfg/);
  });

  test("unknown flags are usage errors", () => {
    assert.throws(() => parseCliArgs([nb, "--progress"], projectRoot), (e: unknown) => e instanceof UsageError && /Unknown option '--progress'/.test(e.message));
    assert.throws(() => parseCliArgs([nb, "-x"], projectRoot), (e: unknown) => e instanceof UsageError && /Unknown option '-x'/.test(e.message));
  });
});
