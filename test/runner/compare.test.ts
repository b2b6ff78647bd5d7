/** Output regression's mechanics, in-process: sanitizers (built-in and nbval files), cell pairing, tags, diffs. */
import assert from "node:assert/strict";
import os from "node:os";
import { describe, test } from "node:test";
import { asReference, compareNotebooks, formatComparison, outputsText } from "../../lib/runner/compare.js";
import type { CodeCell, Notebook, Output } from "../../lib/runner/notebook-file.js";
import { BUILT_IN_SANITIZERS, contextSanitizers, parseSanitizerFile, sanitize, SanitizerFileError } from "../../lib/runner/sanitizers.js";

const clean = (t: string) => sanitize(t, BUILT_IN_SANITIZERS);

describe("built-in sanitizers", () => {
  const cases: [string, string, string][] = [
    ["ISO timestamps", "at 2026-12-06T20:59:50.907Z and 2026-01-02 03:04:05+01:00", "at <TIMESTAMP> and <TIMESTAMP>"],
    ["Date strings", "Sun Dec 06 2026 20:44:07 GMT+0000 (Coordinated Universal Time)", "<TIMESTAMP>"],
    ["UTC strings", "Sun, 06 Dec 2026 20:44:07 GMT", "<TIMESTAMP>"],
    ["UUIDs", "id 20f7eedc-4633-4d61-9d9a-a0555bbbc587.", "id <UUID>."],
    ["epoch ms", "createdAt 1796500000000", "createdAt <EPOCH_MS>"],
    ["access key ids", "key ASIAQWERTYUIOPASDFGH", "key <ACCESS_KEY_ID>"],
    [
      "ARNs' random suffixes and account ids",
      "arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/strands_agents_openai-Ab3xYz9QwE",
      "arn:aws:bedrock-agentcore:us-east-1:<ACCOUNT>:runtime/strands_agents_openai-<ID>",
    ],
    [
      "Secrets Manager ARNs' random suffixes",
      "'arn:aws:secretsmanager:us-east-1:930651854656:secret:bedrock-agentcore-identity!default/apikey/openai-apikey-provider-uZ9Wpq',",
      "'arn:aws:secretsmanager:us-east-1:<ACCOUNT>:secret:bedrock-agentcore-identity!default/apikey/openai-apikey-provider-<ID>',",
    ],
    ["runtime ids outside ARNs", "agentId: 'strands_agents_openai-kSQLYPMLSY'", "agentId: 'strands_agents_openai-<ID>'"],
    ["account ids in names", "bucket bedrock-agentcore-code-930651854656-us-east-1.", "bucket bedrock-agentcore-code-<ACCOUNT>-us-east-1."],
    ["Node's process ids in warnings", "(node:17511) Warning: NodeVersionSupportWarning", "(node:<PID>) Warning: NodeVersionSupportWarning"],
    [
      "local ports and process ids",
      "Local AgentCore at http://127.0.0.1:38003 (pid 1725), also localhost:8080 and pid=42",
      "Local AgentCore at http://127.0.0.1:<PORT> (pid <PID>), also localhost:<PORT> and pid=<PID>",
    ],
    ["masked secrets", "provider p (key sk-…OIjE); token tok…8899.", "provider p (key sk-…<MASKED>); token tok…<MASKED>."],
    ["hex ids", "request 9f86d081884c7d659a2feaa0c55ad015", "request <HEX_ID>"],
    ["durations", "took 470.2 ms, then 3 s and 2 minutes", "took <DURATION>, then <DURATION> and <DURATION>"],
    ["temporary paths", `wrote ${os.tmpdir()}/nb-test-x1/a.txt and /tmp/y`, "wrote <TMP> and <TMP>"],
  ];
  for (const [name, input, expected] of cases) test(name, () => assert.equal(clean(input), expected));

  test("stable text stays as it is: words, small numbers, names without random parts", () => {
    const text = "stable 42; agent strands_agents_openai; 2x2 = 4; deadbeef; something-everything; Role-us-east-1-5d0a5e0561; phone 0123-4567890123";
    assert.equal(clean(text), text);
    assert.equal(clean("arn:aws:iam::123456789012:role/MyRole"), "arn:aws:iam::<ACCOUNT>:role/MyRole");
  });

  test("sanitizing twice changes nothing more", () => {
    const once = clean("2026-12-06T20:59:50Z took 3 ms arn:aws:s3:::b arn:aws:x:r:123456789012:a/n-Ab3xYz9QwE sk-…OIjE (node:12)");
    assert.equal(clean(once), once);
  });

  test("the cells' folder and the home folder", () => {
    const s = contextSanitizers({ cwd: "/work/project/notebooks", home: "/home/me" });
    assert.equal(sanitize("/work/project/notebooks/x.ts in /home/me/.cache", s), "<CWD>/x.ts in <HOME>/.cache");
  });
});

describe("nbval sanitizer files", () => {
  test("Python's named groups, back-references and \\g<name> replacements work", () => {
    const s = parseSanitizerFile(
      ["# comment", "[ids]", "regex: id-(?P<n>\\d+)-(?P=n)", "replace: id-\\g<n>", "", "; another comment", "[dates]", "regex = (\\d+)/(\\d+)", "replace = \\2.\\1 costs $5"].join("\n"),
      "s.cfg",
    );
    assert.deepEqual(s.map((x) => x.name), ["ids", "dates"]);
    assert.equal(sanitize("id-7-7 and 12/31", s), "id-7 and 31.12 costs $5");
  });

  const bad: [string, string, RegExp][] = [
    ["no section", "regex: x", /s\.cfg:1: expected "\[section\]" or "key: value"/],
    ["no regex", "[a]\nreplace: y", /s\.cfg:1 \[a\]: no "regex:" line/],
    ["a bad regex", "[a]\nregex: (unclosed", /the regex does not compile/],
    ["an empty match", "[a]\nregex: x*", /matches the empty string/],
  ];
  for (const [name, text, message] of bad) {
    test(`rejected: ${name}`, () => assert.throws(() => parseSanitizerFile(text, "s.cfg"), (e: unknown) => e instanceof SanitizerFileError && message.test(e.message)));
  }
});

const code = (id: string, outputs: Output[], tags?: string[], source = `cell ${id}`): CodeCell => ({
  id,
  cell_type: "code",
  metadata: tags ? { tags } : {},
  source,
  outputs,
  execution_count: 1,
});
const out = (text: string): Output => ({ output_type: "stream", name: "stdout", text });
const notebook = (...cells: Notebook["cells"]): Notebook => ({ nbformat: 4, nbformat_minor: 5, metadata: {}, cells });

describe("compareNotebooks", () => {
  test("identical after sanitizing: a match", () => {
    const ref = notebook(code("a", [out("at 2026-01-01T00:00:00Z\n")]));
    const run = notebook(code("a", [out("at 2026-12-06T20:59:50Z\n")]));
    assert.deepEqual(compareNotebooks(run, ref, BUILT_IN_SANITIZERS), { ok: true, cells: [{ label: "cell 1", firstLine: "cell a", verdict: "match" }] });
  });

  test("a changed value: a mismatch with a diff, reference (-) against this run (+)", () => {
    const ref = notebook(code("a", [out("one\ntwo\n")]));
    const run = notebook(code("a", [out("one\nthree\n")]));
    const c = compareNotebooks(run, ref, BUILT_IN_SANITIZERS);
    assert.equal(c.ok, false);
    assert.equal(c.cells[0]!.verdict, "mismatch");
    assert.match(c.cells[0]!.diff!, /^ \[stdout\]\n one\n-two\n\+three$/m);
    assert.match(formatComparison("nb.ipynb", "ref.ipynb", c), /✗ nb\.ipynb: 1 cell differ.*\n--- cell 1: cell a\n@@/);
  });

  test("an output that only moved between stdout and stderr, or a different error, is a mismatch", () => {
    const ref = notebook(code("a", [out("x\n")]), code("b", [{ output_type: "error", ename: "TypeError", evalue: "bad", traceback: ["frame 1"] }]));
    const run = notebook(
      code("a", [{ output_type: "stream", name: "stderr", text: "x\n" }]),
      code("b", [{ output_type: "error", ename: "RangeError", evalue: "bad", traceback: ["other frames"] }]),
    );
    assert.deepEqual(compareNotebooks(run, ref, []).cells.map((c) => c.verdict), ["mismatch", "mismatch"]);
  });

  test("tracebacks are not compared; error names and messages are", () => {
    const err = (traceback: string[]): Output => ({ output_type: "error", ename: "Error", evalue: "boom", traceback });
    assert.equal(compareNotebooks(notebook(code("a", [err(["at /home/a/x.ts:1"])])), notebook(code("a", [err(["at /ci/x.ts:9"])])), []).ok, true);
  });

  test("nbval-ignore-output and nbval-skip cells are not compared", () => {
    const ref = notebook(code("a", [out("1\n")], ["nbval-ignore-output"]), code("b", [out("1\n")], ["nbval-skip"]));
    const run = notebook(code("a", [out("2\n")], ["nbval-ignore-output"]), code("b", [], ["nbval-skip"]));
    assert.deepEqual(compareNotebooks(run, ref, []), {
      ok: true,
      cells: [
        { label: "cell 1", firstLine: "cell a", verdict: "ignored" },
        { label: "cell 2", firstLine: "cell b", verdict: "skipped" },
      ],
    });
  });

  test("a cell added or removed since the reference fails the comparison", () => {
    const ref = notebook(code("a", [out("1\n")]), code("gone", []));
    const run = notebook(code("a", [out("1\n")]), code("new", []));
    const c = compareNotebooks(run, ref, []);
    assert.equal(c.ok, false);
    assert.deepEqual(c.cells.map((x) => [x.label, x.verdict]), [["cell 1", "match"], ["cell 2", "new"], ["cell 2", "removed"]]);
  });

  test("the injected-parameters cell is neither compared nor counted in labels", () => {
    const injected = code("inj", [out("x\n")], ["injected-parameters"]);
    const run = notebook(code("p", [], ["parameters"]), injected, code("a", [out("1\n")]));
    const ref = notebook(code("p", [], ["parameters"]), code("a", [out("2\n")]));
    const c = compareNotebooks(run, ref, []);
    assert.deepEqual(c.cells.map((x) => [x.label, x.verdict]), [["cell 1", "match"], ["cell 2", "mismatch"]]);
  });

  test("cells without matching ids pair by position, and a changed source is pointed out", () => {
    const ref = notebook(code("r1", [out("1\n")], undefined, "old source"));
    const run = notebook(code("x1", [out("2\n")], undefined, "new source"));
    const [cell] = compareNotebooks(run, ref, []).cells;
    assert.equal(cell!.verdict, "mismatch");
    assert.equal(cell!.sourceChanged, true);
  });

  test("outputsText: consecutive streams merge, rich outputs by MIME type, images by presence only", () => {
    const text = outputsText([
      out("a"),
      out("b\n"),
      { output_type: "display_data", data: { "text/plain": ["x"], "image/png": "AAAA" }, metadata: {} },
    ]);
    assert.equal(text, "[stdout]\nab\n[display_data image/png]\n[display_data text/plain]\nx\n");
  });

  test("a reference drops run timings but keeps outputs and ids", () => {
    const cell = code("a", [out("1\n")]);
    cell.metadata = { tags: ["t"], execution: { "iopub.execute_input": "x" }, headless: { status: "ok" } };
    const ref = asReference({ ...notebook(cell), metadata: { kernelspec: { name: "tslab", display_name: "TypeScript" }, headless: { duration_ms: 5 } } });
    assert.deepEqual(ref.metadata, { kernelspec: { name: "tslab", display_name: "TypeScript" } });
    assert.deepEqual(ref.cells[0], { ...cell, metadata: { tags: ["t"] } });
  });

  test("a reference names no machine path: the cells' folder and home become placeholders", () => {
    const cell = code("a", [out("wrote /work/p/notebooks/x.ts\n"), { output_type: "display_data", data: { "text/plain": ["in /home/me/y"] }, metadata: {} }]);
    const ref = asReference(notebook(cell), contextSanitizers({ cwd: "/work/p/notebooks", home: "/home/me" }));
    assert.deepEqual((ref.cells[0] as CodeCell).outputs, [out("wrote <CWD>/x.ts\n"), { output_type: "display_data", data: { "text/plain": ["in <HOME>/y"] }, metadata: {} }]);
  });
});
