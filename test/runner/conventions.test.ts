/**
 * The CLI end to end (child processes, as `npm run nb`): --version, --list-parameters, YAML and
 * two-token parameters, --quiet with the progress display, an output file, many notebooks in one
 * run (fresh state each, summary, one JUnit file, --fail-fast) and output regression (--compare,
 * --sanitize-with, --update-reference, nbval tags, exit codes).
 */
import assert from "node:assert/strict";
import { copyFileSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, test } from "node:test";
import { listParameters } from "../../lib/runner/parameter-list.js";
import { readNotebook } from "../../lib/runner/notebook-file.js";
import { codeCells, fixture, projectRoot, readExecuted, runNb, sourceOf, streamOf, tempDir } from "./helpers.js";

const conv = (name: string) => fixture(path.join("runner-conv", name));
const version = (JSON.parse(readFileSync(path.join(projectRoot, "package.json"), "utf8")) as { version: string }).version;

describe("commands that do not run cells", () => {
  test("--version prints the package's version", async () => {
    const run = await runNb(["--version"]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, new RegExp(`^agentcore-kit ${version.replace(/\./g, "\\.")} \\(headless notebook runner; node v`));
  });

  test("--list-parameters: names, types, defaults and help comments of the parameters cell", async () => {
    const run = await runNb([fixture("basics.ipynb"), conv("compare-me.ipynb"), conv("batch-a.ipynb"), "--list-parameters"]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^test\/fixtures\/basics\.ipynb: parameters \(cell 2, tagged "parameters"\):$/m);
    assert.match(run.stdout, /^ {2}label +string +\(default "fixture"\)$/m);
    assert.match(run.stdout, /^ {2}mode +string +\(default "plain"\)$/m);
    assert.match(run.stdout, /^ {2}options +object +\(default \{ verbose: false \}\)$/m);
    assert.match(run.stdout, /^ {2}answer +number +\(default 42\) +the stable value the reference holds$/m);
    assert.match(run.stdout, /batch-a\.ipynb: no cell tagged "parameters"/);
  });

  test("notebook 01's parameters are listed with their types", async () => {
    const listing = listParameters(await readNotebook(path.join(projectRoot, "notebooks", "01-outbound-auth-api-key.ipynb")));
    const byName = new Map(listing.parameters.map((p) => [p.name, p]));
    assert.equal(byName.get("target")?.type, "string");
    assert.match(byName.get("target")?.help ?? "", /Local AgentCore/);
    assert.equal(byName.get("agentName")?.type, "string");
  });
});

describe("parameters from YAML and -p name value, quiet with progress, an output file", () => {
  test("runs with the merged parameters and prints only [k/N] lines and the summary", async () => {
    const dir = await tempDir();
    const outFile = path.join(dir, "sub", "run-1.ipynb");
    const run = await runNb([fixture("basics.ipynb"), "-f", conv("params.yaml"), "-y", "count: 3", "-p", "mode", "loud", "--quiet", "--progress-bar", "--out", outFile]);
    assert.equal(run.code, 0, run.stderr);
    const nb = readExecuted(path.dirname(outFile), "run-1.ipynb");
    const cell = codeCells(nb).find((c) => sourceOf(c).includes("path.basename"))!;
    assert.equal(streamOf(cell, "stdout"), "c.txt from-file 30 LOUD false\n");
    // Quiet: no markdown, no cell output; the progress: one line per code cell with [k/N].
    assert.doesNotMatch(run.stdout, /This paragraph has bold words|c\.txt from-file/);
    assert.match(run.stdout, /^\[1\/9\] \[cell 2\] ✓ \d+(\.\d+)? m?s const label: string = "fixture";$/m);
    assert.match(run.stdout, /^\[2\/9\] \[injected-parameters cell\] ✓ /m);
    assert.match(run.stdout, /^\[9\/9\] \[cell 10\] ✓ /m);
    assert.match(run.stdout, /✓ done in .* → .*run-1\.ipynb/);
  });
});

describe("many notebooks in one run", () => {
  test("each runs in a fresh kernel state; a summary table and one JUnit file with a suite per notebook", async () => {
    const dir = await tempDir();
    const junit = path.join(dir, "junit.xml");
    const run = await runNb([conv("batch-a.ipynb"), conv("batch-b.ipynb"), fixture("type-error.ipynb"), "--out", dir, "--junit", junit, "-q"]);
    assert.equal(run.code, 1, run.stderr);
    // Batch B saw neither A's variable (its raises-exception cell failed the type check) nor A's env var.
    const b = readExecuted(dir, "batch-b.ipynb");
    assert.equal(streamOf(codeCells(b)[0]!, "stdout"), "mark: unset\n");
    assert.equal((b.metadata.headless as { status: string }).status, "ok");
    assert.match(run.stdout, /^Summary: 2 of 3 notebooks ok in /m);
    assert.match(run.stdout, /^ {2}test\/fixtures\/runner-conv\/batch-a\.ipynb +✓ ok +1\/1 /m);
    assert.match(run.stdout, /^ {2}test\/fixtures\/type-error\.ipynb +✗ failed +\d+\/\d+ +\S.* failed at cell \d+: TypeScriptError$/m);
    const xml = readFileSync(junit, "utf8");
    assert.deepEqual([...xml.matchAll(/<testsuite name="([^"]+)"/g)].map((m) => m[1]), ["batch-a", "batch-b", "type-error"]);
  });

  test("--fail-fast stops after the first failing notebook; the rest are reported as not run", async () => {
    const dir = await tempDir();
    const run = await runNb([fixture("type-error.ipynb"), conv("batch-a.ipynb"), "--out", dir, "-q", "--fail-fast"]);
    assert.equal(run.code, 1, run.stderr);
    assert.match(run.stdout, /^ {2}test\/fixtures\/runner-conv\/batch-a\.ipynb +- not run +--fail-fast: an earlier notebook failed$/m);
    assert.throws(() => readExecuted(dir, "batch-a.ipynb"), /ENOENT/);
  });
});

describe("output regression", () => {
  const nb = conv("compare-me.ipynb");
  const sanitizeFile = conv("sanitize.cfg");

  test("the committed reference matches, with the nbval sanitizer file for the random order number", async () => {
    const dir = await tempDir();
    const run = await runNb([nb, "--compare", conv("reference"), "--sanitize-with", sanitizeFile, "--out", dir, "-q"]);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.match(run.stdout, /✓ outputs match test\/fixtures\/runner-conv\/reference\/compare-me\.ipynb \(4 cells compared, 2 ignored or skipped by nbval tags\)/);
    // nbval-skip: not run at all under --compare.
    const skipped = codeCells(readExecuted(dir, "compare-me.ipynb")).find((c) => sourceOf(c).includes("nbval-skip cells"))!;
    assert.deepEqual(skipped.outputs, []);
  });

  test("without the sanitizer, and with a changed parameter, the cells differ: exit 1 and a per-cell diff", async () => {
    const dir = await tempDir();
    const junit = path.join(dir, "junit.xml");
    const run = await runNb([nb, "--compare", conv("reference"), "-p", "answer", "41", "--out", dir, "-q", "--junit", junit]);
    assert.equal(run.code, 1, run.stdout + run.stderr);
    assert.match(run.stderr, /✗ test\/fixtures\/runner-conv\/compare-me\.ipynb: 3 cells differ from /);
    assert.match(run.stderr, /--- cell 3: import \{ randomUUID \} from "node:crypto";\n@@ [^\n]+\n \[stdout\]\n-stable 42\n\+stable 41\n when: <TIMESTAMP>\n request id: <UUID>\n took <DURATION>/);
    assert.match(run.stderr, /--- cell 4: .*\n@@ [^\n]+\n \[stdout\]\n-order-\d+ shipped\n\+order-\d+ shipped/);
    assert.match(run.stderr, /--- cell 7: .*\n@@ [^\n]+\n \[display_data text\/html\]\n-<b>42<\/b>\n\+<b>41<\/b>/);
    assert.match(readFileSync(junit, "utf8"), /<failure message="the outputs differ from the reference \(--compare\)" type="OutputMismatch"/);
  });

  test("--update-reference rewrites the reference, which then matches", async () => {
    const dir = await tempDir();
    const ref = path.join(dir, "ref.ipynb");
    copyFileSync(conv(path.join("reference", "compare-me.ipynb")), ref);
    const update = await runNb([nb, "--compare", ref, "--update-reference", "-p", "answer=41", "--out", dir, "-q"]);
    assert.equal(update.code, 0, update.stdout + update.stderr);
    assert.match(update.stdout, /✓ reference written: /);
    const written = JSON.parse(readFileSync(ref, "utf8")) as { metadata: Record<string, unknown>; cells: { metadata: Record<string, unknown> }[] };
    assert.equal(written.metadata.headless, undefined, "run timings are not part of a reference");
    assert.ok(written.cells.every((c) => c.metadata.execution === undefined));
    const compare = await runNb([nb, "--compare", ref, "--sanitize-with", sanitizeFile, "-p", "answer=41", "--out", dir, "-q"]);
    assert.equal(compare.code, 0, compare.stdout + compare.stderr);
  });

  test("a reference that is not a notebook, or a bad sanitizer file, is an input error (exit 2)", async () => {
    const dir = await tempDir();
    const badRef = path.join(dir, "bad.ipynb");
    writeFileSync(badRef, "{ not json");
    const badSanitizer = path.join(dir, "bad.cfg");
    writeFileSync(badSanitizer, "[x]\nregex: (\n");
    const sanitizer = await runNb([nb, "--compare", conv("reference"), "--sanitize-with", badSanitizer]);
    assert.equal(sanitizer.code, 2);
    assert.match(sanitizer.stderr, /bad\.cfg:1 \[x\]: the regex does not compile/);
    const reference = await runNb([nb, "--compare", badRef, "--out", dir, "-q"]);
    assert.equal(reference.code, 2, reference.stdout + reference.stderr);
    assert.match(reference.stderr, /error: --compare: .*bad\.ipynb is not JSON/);
  });
});
