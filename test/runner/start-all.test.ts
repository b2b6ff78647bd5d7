/**
 * `npm start -- --all`: the command line (unit: which notebooks, which runner arguments, what is
 * refused), then the series path for real with a fixture folder of tiny notebooks (`--notebooks`),
 * against this test's own Local AgentCore: the summary table and the exit status, 0 when all pass,
 * 1 when one fails, and --fail-fast leaving the rest not run.
 */
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { UsageError } from "../../lib/runner/options.js";
import { parseCliArgs } from "../../lib/runner/cli.js";
import { planStart, startUsage } from "../../scripts/start-plan.js";
import { ownLocal, projectRoot, runStart, type OwnLocal } from "../notebook01/helpers.js";

const plan = (...argv: string[]) => planStart(argv, { projectDir: projectRoot, baseDir: projectRoot });
const rel = (files: string[]) => files.map((f) => path.relative(projectRoot, f));
const series = readdirSync(path.join(projectRoot, "notebooks")).filter((f) => /^0[1-9]-.*\.ipynb$/.test(f)).sort();

describe("npm start's command line", () => {
  test("without --all: notebook 01 only, into out/, options passed on", () => {
    const p = plan("-p", "userId", "me", "--quiet");
    assert.equal(p.all, false);
    assert.deepEqual(rel(p.notebooks), ["notebooks/01-outbound-auth-api-key.ipynb"]);
    assert.deepEqual(p.runnerArgs.slice(1), ["--out", path.join(projectRoot, "out"), "--param", "userId=me", "--quiet"]);
  });

  test("--all: notebooks 01 to 04 of notebooks/ in order, not 00-hello", () => {
    const p = plan("--all");
    assert.equal(p.all, true);
    assert.deepEqual(rel(p.notebooks), [
      "notebooks/01-outbound-auth-api-key.ipynb",
      "notebooks/02-inbound-auth-jwt.ipynb",
      "notebooks/03-outbound-oauth2-m2m.ipynb",
      "notebooks/04-outbound-oauth2-3lo.ipynb",
    ]);
    assert.deepEqual(series.map((f) => `notebooks/${f}`), rel(p.notebooks), "every numbered notebook in notebooks/");
    assert.ok(existsSync(path.join(projectRoot, "notebooks", "00-hello.ipynb")));
  });

  test("--all composes with the runner's options: --out <folder>, --fail-fast, --compare <folder>, -p", () => {
    const p = plan("--fail-fast", "--all", "--out", "out/series", "-p", "note", "--all", "--compare", "test/reference/", "--update-reference");
    const parsed = parseCliArgs(p.runnerArgs, projectRoot);
    assert.equal(parsed.kind, "run");
    if (parsed.kind !== "run") return;
    assert.deepEqual(parsed.options.notebooks, p.notebooks);
    assert.deepEqual(parsed.options.output, { dir: path.join(projectRoot, "out", "series") });
    assert.equal(parsed.options.failFast, true);
    assert.equal(parsed.options.compare, path.join(projectRoot, "test", "reference"));
    // A value that looks like npm start's flag stays a value.
    assert.deepEqual([...parsed.options.parameters], [["note", "--all"]]);
  });

  test("--all refuses what only makes sense for one notebook, saying what to give instead", () => {
    const refused: [string[], RegExp][] = [
      [["--all", "--compare", "test/reference/01-outbound-auth-api-key.ipynb"], /--all runs 4 notebooks; --compare .*01-outbound-auth-api-key\.ipynb is one reference notebook: give the folder of references/],
      [["--all", "--compare=ref.ipynb"], /--compare ref\.ipynb is one reference notebook/],
      [["--all", "--out", "out/one.ipynb"], /--all runs 4 notebooks; --out out\/one\.ipynb is one file: give a folder/],
      [["--all", "-o", "x.ipynb"], /--out x\.ipynb is one file/],
      [["--all", "notebooks/02-inbound-auth-jwt.ipynb"], /do not name notebooks too .*npm run nb/],
      [["--notebooks", "notebooks"], /--notebooks applies to --all/],
      [["--all", "--notebooks", "no/such/folder"], /--notebooks: not a folder: no\/such\/folder/],
      [["--all", "--notebooks", "test/fixtures"], /no numbered notebooks .* in test\/fixtures/],
      [["--all", "--notebooks"], /--notebooks expects a folder/],
    ];
    for (const [argv, message] of refused) assert.throws(() => plan(...argv), (e: unknown) => e instanceof UsageError && message.test(e.message), argv.join(" "));
  });

  test("--help documents --all and --notebooks, then the runner's options", () => {
    const help = startUsage(projectRoot);
    assert.match(help, /^Usage: npm start /);
    assert.match(help, /--all +run the whole tutorial series/);
    assert.match(help, /--notebooks <dir> +with --all/);
    assert.match(help, /npm start -- --all\n/);
    assert.match(help, /Usage: npm run nb -- /);
  });
});

/** A one-cell TypeScript notebook that prints `text`, or throws when `fails`. */
function tinyNotebook(text: string, fails = false): string {
  const source = fails ? `throw new Error(${JSON.stringify(text)});` : `console.log(${JSON.stringify(text)});`;
  return JSON.stringify({
    nbformat: 4,
    nbformat_minor: 5,
    metadata: { kernelspec: { display_name: "TypeScript", language: "typescript", name: "tslab" } },
    cells: [{ cell_type: "code", id: "c1", metadata: {}, execution_count: null, outputs: [], source: [source] }],
  });
}

describe("npm start -- --all, for real, on a folder of tiny notebooks", () => {
  let local: OwnLocal;
  let good: string;
  let bad: string;

  before(async () => {
    local = await ownLocal();
    good = path.join(local.tmp, "good");
    bad = path.join(local.tmp, "bad");
    for (const dir of [good, bad]) mkdirSync(dir);
    // 00-hello and unnumbered notebooks are not part of the series: they would fail if run.
    for (const dir of [good, bad]) {
      writeFileSync(path.join(dir, "00-hello.ipynb"), tinyNotebook("00 must not run", true));
      writeFileSync(path.join(dir, "notes.ipynb"), tinyNotebook("notes must not run", true));
    }
    writeFileSync(path.join(good, "01-first.ipynb"), tinyNotebook("first ran"));
    writeFileSync(path.join(good, "02-second.ipynb"), tinyNotebook("second ran"));
    writeFileSync(path.join(bad, "01-first.ipynb"), tinyNotebook("first ran"));
    writeFileSync(path.join(bad, "02-broken.ipynb"), tinyNotebook("broken on purpose", true));
    writeFileSync(path.join(bad, "03-third.ipynb"), tinyNotebook("third ran"));
  });

  after(async () => {
    await local?.stop();
  });

  const summaryRow = (stdout: string, name: string) => stdout.split("\n").find((l) => l.trimStart().startsWith(name)) ?? "";

  test("all pass: exit 0, each executed notebook in --out, a summary of the numbered ones only", async () => {
    const out = path.join(local.tmp, "out-good");
    const run = await runStart(local.env, ["--all", "--notebooks", good, "--out", out, "--quiet"]);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.match(run.stdout, /Started Local AgentCore at /);
    assert.match(run.stdout, /Summary: 2 of 2 notebooks ok/);
    assert.match(summaryRow(run.stdout, path.relative(projectRoot, path.join(good, "01-first.ipynb"))), /✓ ok +1\/1/);
    assert.match(summaryRow(run.stdout, path.relative(projectRoot, path.join(good, "02-second.ipynb"))), /✓ ok +1\/1/);
    assert.deepEqual(readdirSync(out).sort(), ["01-first.ipynb", "02-second.ipynb"]);
    assert.ok(run.stdout.includes(`Executed notebooks: ${out}${path.sep}`), run.stdout.slice(-500));
    assert.doesNotMatch(run.stdout + run.stderr, /must not run/);
  });

  test("one fails: the others still run, exit 1, the table says which and why", async () => {
    const out = path.join(local.tmp, "out-bad");
    const run = await runStart(local.env, ["--all", "--notebooks", bad, "--out", out, "--quiet"]);
    assert.equal(run.code, 1, run.stdout + run.stderr);
    assert.match(run.stdout, /Summary: 2 of 3 notebooks ok/);
    assert.match(summaryRow(run.stdout, path.relative(projectRoot, path.join(bad, "02-broken.ipynb"))), /✗ failed +0\/1 .*failed at .*Error/);
    assert.match(summaryRow(run.stdout, path.relative(projectRoot, path.join(bad, "03-third.ipynb"))), /✓ ok/);
    assert.match(run.stdout, /Executed notebooks \(see above for what failed or differed\)/);
  });

  test("--fail-fast: stops at the failing notebook, the rest not run, exit 1", async () => {
    const out = path.join(local.tmp, "out-fast");
    const run = await runStart(local.env, ["--all", "--notebooks", bad, "--out", out, "--quiet", "--fail-fast"]);
    assert.equal(run.code, 1, run.stdout + run.stderr);
    assert.match(summaryRow(run.stdout, path.relative(projectRoot, path.join(bad, "03-third.ipynb"))), /- not run +--fail-fast/);
    assert.ok(!existsSync(path.join(out, "03-third.ipynb")));
  });

  test("a refused combination: exit 2 before anything runs, with the reason", async () => {
    const run = await runStart(local.env, ["--all", "--notebooks", good, "--out", path.join(local.tmp, "one.ipynb")]);
    assert.equal(run.code, 2, run.stdout + run.stderr);
    assert.match(run.stderr, /--all runs 2 notebooks; --out .*one\.ipynb is one file: give a folder/);
    assert.equal(run.stdout, "");
  });

  test("--all --help: npm start's help, exit 0", async () => {
    const run = await runStart(local.env, ["--all", "--help"]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /--all +run the whole tutorial series/);
  });
});
