/**
 * tslab converters in one process share parsed declaration files under node_modules (the standard
 * library typings, @types): a second session parses none of them again, and still type-checks
 * against the files as they are on disk: an edited declaration file is read again, between
 * sessions and between the cells of one session.
 */
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { test } from "node:test";
import { TslabSession, type CellSink } from "../../lib/runner/tslab-session.js";
import { projectTempDir } from "./helpers.js";

const cwd = await projectTempDir("shared-lib-");

const sink: CellSink = { stream() {}, display() {} };
const req = createRequire(import.meta.url);
type Stats = { hits: number; parsed: number; stale: number };
const stats = () => (req("@tslab/typescript-for-tslab") as { createWatchCompilerHost: { sharedStore: { stats: Stats } } }).createWatchCompilerHost.sharedStore.stats;

const declaration = path.join(cwd, "node_modules", "shapes", "index.d.ts");
const declare = (type: string) => {
  mkdirSync(path.dirname(declaration), { recursive: true });
  writeFileSync(declaration, `export declare const width: ${type};\n`);
  writeFileSync(path.join(path.dirname(declaration), "index.js"), "exports.width = 1;\n");
};

async function check(session: TslabSession, source: string): Promise<string> {
  const o = await session.execute(source, sink);
  return o.status === "ok" ? "ok" : (o.error?.evalue ?? o.status);
}

test("a second session reuses the parsed typings, and sees an edited declaration file", async () => {
  declare("number");
  const first = new TslabSession({ cwd, echo: false, cellTimeoutMs: 0 });
  try {
    assert.equal(await check(first, 'import { width } from "shapes";\nconst w1: number = width;'), "ok");
    // Edited between two cells of the same session: the next cell is checked against the new text.
    declare("string");
    assert.match(await check(first, 'import { width } from "shapes";\nconst w2: number = width;'), /Type 'string' is not assignable to type 'number'/);
  } finally {
    first.close();
  }
  const parsedBefore = stats().parsed;
  const hitsBefore = stats().hits;

  const second = new TslabSession({ cwd, echo: false, cellTimeoutMs: 0 });
  try {
    assert.match(await check(second, 'import { width } from "shapes";\nconst w3: number = width;'), /Type 'string' is not assignable to type 'number'/);
    assert.ok(stats().hits - hitsBefore > 50, `the standard library and @types came from the first session (${stats().hits - hitsBefore} files)`);
    assert.equal(stats().parsed, parsedBefore, "nothing parsed again");
    // Edited between sessions' cells: read again, the new type holds.
    declare("number");
    assert.equal(await check(second, 'import { width } from "shapes";\nconst w4: number = width;'), "ok");
    assert.ok(stats().parsed > parsedBefore, "the edited file was parsed again");
  } finally {
    second.close();
  }
});
