/**
 * The agent-log redactor sees whole lines: a secret an agent writes in two pieces is still
 * hidden, and so is one that straddles the point where a very long line (over 64 KiB, with no
 * line break) must be written out in parts.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { after, test } from "node:test";
import { AgentLog } from "../../lib/local/runtime-host/agent-logs.js";
import { REDACTED, Redactor } from "../../lib/local/runtime-host/redact.js";

const dir = mkdtempSync(join(tmpdir(), "agent-log-redaction-"));
after(() => rmSync(dir, { recursive: true, force: true }));

const VAULTED = "vaulted value 7f3a9c1e5b2d8046 with spaces"; // no recognisable shape: hidden by value only
const KEY = `sk-proj-${"Q".repeat(10)}${"z9".repeat(20)}`;

let n = 0;
/** Writes `chunks` to a fresh instance log as one output stream and returns what reached the file. */
async function logged(chunks: string[]): Promise<string> {
  const redactor = new Redactor();
  redactor.add(VAULTED);
  const log = new AgentLog(dir, "runtime-a", `session-${++n}`, redactor);
  const stream = new PassThrough();
  log.capture(stream, "stdout");
  for (const c of chunks) {
    stream.write(c);
    await new Promise((r) => setImmediate(r)); // each write arrives as its own chunk
  }
  stream.end();
  await new Promise((r) => setImmediate(r));
  return readFileSync(log.file, "utf8");
}

function assertHidden(text: string): void {
  for (const secret of [VAULTED, KEY]) {
    assert.ok(!text.includes(secret), "a secret reached the log");
    // Not even a large piece of it (what a split inside the secret would leave on each side).
    assert.ok(!text.includes(secret.slice(0, Math.ceil(secret.length / 2))), "the first half of a secret reached the log");
    assert.ok(!text.includes(secret.slice(Math.floor(secret.length / 2))), "the second half of a secret reached the log");
  }
}

test("a secret written in two pieces is hidden", async () => {
  const text = await logged([`calling the model with ${KEY.slice(0, 12)}`, `${KEY.slice(12)} and ${VAULTED.slice(0, 9)}`, `${VAULTED.slice(9)} done\n`]);
  assertHidden(text);
  assert.match(text, new RegExp(`calling the model with \\${REDACTED} and \\${REDACTED} done`));
});

test("a secret across the 64 KiB point of a longer line is hidden; nothing else is lost", async () => {
  const filler = "lorem ipsum dolor ".repeat(4000); // 72 KB, words and spaces
  // Written in 4 KiB pieces: the first piece boundary past 64 KiB is at 17 × 4096.
  for (const offset of [17 * 4096 - 20, 17 * 4096 - 5, 64 * 1024 - 20, 48 * 1024 - 10]) {
    for (const secret of [KEY, VAULTED]) {
      const line = `${filler.slice(0, offset)} ${secret} ${filler}END\n`;
      const chunks: string[] = [];
      for (let i = 0; i < line.length; i += 4096) chunks.push(line.slice(i, i + 4096));
      const text = await logged(chunks);
      assertHidden(text);
      const content = text
        .split("\n")
        .filter(Boolean)
        .map((l) => l.replace(/^\S+ stdout /, ""))
        .join("");
      assert.equal(content, line.slice(0, -1).replace(secret, REDACTED), "the line's pieces, joined, are the redacted line");
    }
  }
});
