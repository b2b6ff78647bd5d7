/** The terminal view's modes, in-process: log lines with [k/N], quiet progress lines, and the live line on a TTY. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { stripVTControlCharacters } from "node:util";
import { TerminalView, type ViewOptions } from "../../lib/runner/terminal-view.js";

function view(options: ViewOptions) {
  const written: string[] = [];
  const v = new TerminalView({ stdout: (t) => written.push(t), stderr: (t) => written.push(`ERR:${t}`) }, "nb.ipynb", options);
  return { v, raw: () => written.join(""), text: () => stripVTControlCharacters(written.join("")) };
}

test("log with progress: [k/N] before each cell line; markdown and displays shown", () => {
  const { v, text } = view({ log: true, progress: true, live: false });
  v.runStart(2);
  v.markdown("# Title");
  v.cellStart("cell 2", "const a = 1;");
  v.cellEnd("cell 2", 12, true, "", "const a = 1;");
  v.skipped("cell 3", "later()", "skip-headless");
  assert.match(text(), /Title/);
  assert.match(text(), /^\[1\/2\] \[cell 2\] const a = 1;\n\[1\/2\] \[cell 2\] ✓ 12 ms\n\[2\/2\] \[cell 3\] later\(\) — skipped \(skip-headless\)\n$/m);
});

test("quiet without progress: nothing per cell, but warnings, failures and the summary", () => {
  const { v, text } = view({ log: false, progress: false, live: false });
  v.runStart(1);
  v.markdown("# Title");
  v.cellStart("cell 1", "boom()");
  v.display({ "text/plain": "shown?" });
  v.cellEnd("cell 1", 5, false, "", "boom()");
  v.warn("careful");
  v.failure("cell 1", "boom()", { output_type: "error", ename: "Error", evalue: "boom", traceback: [] });
  v.summary("✗ failed", false);
  assert.doesNotMatch(text(), /Title|shown\?|\[cell 1\] boom/);
  assert.match(text(), /careful/);
  assert.match(text(), /✗ cell 1 failed/);
  assert.match(text(), /✗ failed\n$/);
});

test("quiet progress off a terminal: one finished line per cell", () => {
  const { v, raw } = view({ log: false, progress: true, live: false });
  v.runStart(1);
  v.cellStart("cell 1", "work()");
  v.cellEnd("cell 1", 1500, true, "", "work()");
  assert.equal(stripVTControlCharacters(raw()).split("\n").slice(1).join("\n"), "[1/1] [cell 1] ✓ 1.50 s work()\n");
  assert.doesNotMatch(raw(), /\r/);
});

test("quiet progress on a terminal: the running line is rewritten in place, then replaced by its result", () => {
  const { v, raw } = view({ log: false, progress: true, live: true });
  v.runStart(1);
  v.cellStart("cell 1", "work()");
  assert.match(raw(), /\r\u001b\[K.*\[1\/1\] .*\[cell 1\] .*work\(\).* \d+ ms/);
  assert.doesNotMatch(raw().split("\n").slice(1).join("\n"), /\n/, "the running line stays open");
  v.cellEnd("cell 1", 20, true, "", "work()");
  const lines = raw().split("\n");
  assert.match(stripVTControlCharacters(lines[1]!), /^\r?\[1\/1\] \[cell 1\] work\(\) \d+ ms\r?\[1\/1\] \[cell 1\] ✓ 20 ms work\(\)$/);
  v.warn("after");
  assert.match(raw(), /✓ 20 ms .*work\(\).*\nERR:/s, "a warning starts on a fresh line");
});
