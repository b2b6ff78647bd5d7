/**
 * Ways a secret slipped past the leak guard, each kept as an exploit: split across writes, hidden
 * in metadata, an object key or an error name, broken up by HTML tags, base64-encoded, or echoed
 * to the terminal in two chunks. The guard scans a cell's outputs as a whole and masks each form.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { test } from "node:test";
import type { Output } from "../../lib/runner/notebook-file.js";
import { SecretGuard } from "../../lib/runner/secret-guard.js";
import { captureStdio } from "../../lib/runner/stdio-capture.js";

const VAULTED = "plain-vaulted-value-4242";
const digest = (v: string) => ({ sha256: createHash("sha256").update(v, "utf8").digest("hex"), length: Buffer.byteLength(v) });

async function vaultGuard(): Promise<SecretGuard> {
  const guard = new SecretGuard({ env: {}, vault: async () => [digest(VAULTED)] });
  await guard.refresh();
  return guard;
}

const json = (outputs: Output[]) => JSON.stringify(outputs);

test("a vaulted key split across two stdout writes with a stderr write between is found and masked", async () => {
  const guard = await vaultGuard();
  const outputs: Output[] = [
    { output_type: "stream", name: "stdout", text: `key: ${VAULTED.slice(0, 10)}` },
    { output_type: "stream", name: "stderr", text: "(a warning in between)\n" },
    { output_type: "stream", name: "stdout", text: `${VAULTED.slice(10)}\n` },
  ];
  const leaks = guard.inspect(outputs);
  assert.deepEqual(leaks.map((l) => [l.kind, l.where]), [["vaulted secret", "stdout"]]);
  const stdout = outputs.filter((o) => o.output_type === "stream" && o.name === "stdout").map((o) => (o as { text: string }).text).join("");
  assert.equal(stdout, "key: pla…4242\n");
  assert.equal(json(outputs).includes(VAULTED.slice(0, 10)), false, "no fragment of the key is left");
  assert.equal(json(outputs).includes(VAULTED.slice(10)), false);
});

test("a key in output metadata is found and masked", async () => {
  const guard = await vaultGuard();
  const outputs: Output[] = [{ output_type: "display_data", data: { "text/plain": "hi" }, metadata: { note: { credential: VAULTED } } }];
  const leaks = guard.inspect(outputs);
  assert.equal(leaks.length, 1);
  assert.match(leaks[0]!.where, /metadata/);
  assert.equal(json(outputs).includes(VAULTED), false);
});

test("a key used as a JSON object key is found and masked, the object keeps its other members", async () => {
  const guard = await vaultGuard();
  const outputs: Output[] = [{ output_type: "execute_result", execution_count: 1, data: { "application/json": { [VAULTED]: 1, other: 2 } }, metadata: {} }];
  assert.equal(guard.inspect(outputs).length, 1);
  const data = (outputs[0] as { data: Record<string, Record<string, number>> }).data["application/json"]!;
  assert.deepEqual(data, { "pla…4242": 1, other: 2 });
});

test("a key in an error's ename is found and masked", async () => {
  const guard = await vaultGuard();
  const outputs: Output[] = [{ output_type: "error", ename: VAULTED, evalue: "boom", traceback: ["boom"] }];
  const leaks = guard.inspect(outputs);
  assert.deepEqual(leaks.map((l) => l.where), ["error name"]);
  assert.equal(json(outputs).includes(VAULTED), false);
});

test("a key in HTML with tags between its characters is found and masked", async () => {
  const guard = await vaultGuard();
  const broken = [...VAULTED].map((ch, i) => (i % 5 === 4 ? `${ch}<span></span>` : ch)).join("");
  const outputs: Output[] = [{ output_type: "display_data", data: { "text/html": `<p>key: <b>${broken}</b></p>` }, metadata: {} }];
  assert.equal(guard.inspect(outputs).length, 1);
  const html = (outputs[0] as { data: Record<string, string> }).data["text/html"]!;
  assert.equal(html.replace(/<[^>]*>/g, "").includes(VAULTED), false, html);
  assert.match(html, /pla…4242/);
});

test("a base64-encoded key is found and masked, at any alignment, in streams and in the terminal echo", async () => {
  const guard = await vaultGuard();
  for (const prefix of ["", "x", "xy", "xyz"]) {
    const encoded = Buffer.from(`${prefix}${VAULTED}`).toString("base64");
    const outputs: Output[] = [{ output_type: "stream", name: "stdout", text: `token=${encoded}\n` }];
    const leaks = guard.inspect(outputs);
    assert.equal(leaks.length, 1, `prefix "${prefix}"`);
    assert.equal((outputs[0] as { text: string }).text.includes(encoded), false);
    assert.equal(guard.maskText(`token=${encoded}`).includes(encoded), false);
  }
});

test("the terminal echo is masked by line, so a key written in two chunks never shows whole", async () => {
  const guard = await vaultGuard();
  const seen: string[] = [];
  const realWrite = process.stdout.write;
  // Stand in for the terminal: what the capture passes through goes to `seen`.
  process.stdout.write = ((chunk: string | Uint8Array) => {
    seen.push(String(chunk));
    return true;
  }) as typeof process.stdout.write;
  try {
    const capture = captureStdio(true, (t) => guard.maskText(t));
    try {
      process.stdout.write(`key: ${VAULTED.slice(0, 12)}`);
      process.stdout.write(`${VAULTED.slice(12)}\n`);
      process.stdout.write("no newline at the end");
      capture.flush();
    } finally {
      capture.restore();
    }
  } finally {
    process.stdout.write = realWrite;
  }
  const echoed = seen.join("");
  assert.equal(echoed.includes(VAULTED), false, echoed);
  assert.equal(echoed, "key: pla…4242\nno newline at the end");
});
