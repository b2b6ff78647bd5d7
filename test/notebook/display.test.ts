/**
 * display.*: through tslab's display hook (what the kernel and the headless runner set) and, with
 * no hook, as terminal text; secrets redacted on both paths.
 */
import { test, before, after, afterEach } from "node:test";
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { display } from "../../lib/notebook/display.js";
import { clearRegisteredSecrets, registerSecret } from "../../lib/notebook/redact.js";

const require = createRequire(import.meta.url);
const jupyter = require("tslab/dist/jupyter") as { lastWriteDisplayData: unknown };

interface DisplayData {
  data: Record<string, unknown>;
}
let recorded: DisplayData[] = [];

function withHook<T>(fn: () => T): T {
  const previous = jupyter.lastWriteDisplayData;
  jupyter.lastWriteDisplayData = (data: DisplayData) => recorded.push(data);
  try {
    return fn();
  } finally {
    jupyter.lastWriteDisplayData = previous;
  }
}

function captureStdout(fn: () => void): string {
  const original = process.stdout.write;
  let text = "";
  process.stdout.write = ((chunk: string | Uint8Array) => {
    text += typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8");
    return true;
  }) as typeof process.stdout.write;
  try {
    fn();
  } finally {
    process.stdout.write = original;
  }
  return text;
}

const KEY = "sk-proj-0123456789abcdefghijklmnWXYZ";
let savedForceColor: string | undefined;

before(() => {
  savedForceColor = process.env.FORCE_COLOR;
  process.env.FORCE_COLOR = "0";
});
after(() => {
  if (savedForceColor === undefined) delete process.env.FORCE_COLOR;
  else process.env.FORCE_COLOR = savedForceColor;
});
afterEach(() => {
  recorded = [];
  clearRegisteredSecrets();
});

test("under tslab, markdown/json/table/text become display_data with their mime types, redacted", () => {
  registerSecret("vendor-secret-value");
  withHook(() => {
    display.markdown(`**Key**: ${KEY}`);
    display.json({ provider: "openai", apiKey: "vendor-secret-value", when: new Date("2026-01-02T03:04:05Z") });
    display.table([{ name: "openai", key: KEY }]);
    display.text("token vendor-secret-value");
  });
  assert.deepEqual(
    recorded.map((r) => Object.keys(r.data)),
    [["text/markdown"], ["application/json"], ["text/markdown"], ["text/plain"]],
  );
  assert.equal(recorded[0]!.data["text/markdown"], "**Key**: sk-…WXYZ");
  assert.deepEqual(recorded[1]!.data["application/json"], { provider: "openai", apiKey: "ven…alue", when: "2026-01-02T03:04:05.000Z" });
  assert.equal(recorded[2]!.data["text/markdown"], "| name | key |\n| --- | --- |\n| openai | sk-…WXYZ |");
  assert.equal(recorded[3]!.data["text/plain"], "token ven…alue");
  assert.ok(!JSON.stringify(recorded).includes(KEY));
  assert.ok(!JSON.stringify(recorded).includes("vendor-secret-value"));
});

test("without tslab, markdown renders for the terminal and json prints as indented JSON, redacted", () => {
  const md = captureStdout(() => display.markdown(`# Result\n\n**The key** is \`${KEY}\``));
  assert.match(md, /Result/);
  assert.match(md, /The key is sk-…WXYZ/);
  assert.doesNotMatch(md, /\*\*|`/, "markdown is rendered, not echoed");
  assert.ok(!md.includes(KEY));
  const json = captureStdout(() => display.json({ apiKey: "abcdefghijklmnop", n: 1 }));
  assert.equal(json, '{\n  "apiKey": "abc…mnop",\n  "n": 1\n}\n');
  const table = captureStdout(() => display.table([{ name: "a", value: KEY }, { name: "b|c", value: 2 }]));
  assert.match(table, /name/);
  assert.match(table, /b\|c/);
  assert.match(table, /sk-…WXYZ/);
  assert.ok(!table.includes(KEY));
  const text = captureStdout(() => display.text(KEY));
  assert.equal(text, "sk-…WXYZ\n");
});

test("a table's columns come from all rows, in order of first appearance", () => {
  withHook(() => display.table([{ a: 1 }, { b: 2, a: 3 }]));
  assert.equal(recorded[0]!.data["text/markdown"], "| a | b |\n| --- | --- |\n| 1 |  |\n| 3 | 2 |");
});
