/**
 * tslab checks every TypeScript file a cell imports along with the cell; the runner (and the kernel)
 * cache the imported files' diagnostics while no file but the cells has changed. The check is kept:
 * an imported file's error fails every cell that imports it, and an edit to an imported file is
 * checked again. What goes: re-checking an unchanged library for every cell (seconds per cell).
 */
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { test } from "node:test";
import { TslabSession, type CellSink } from "../../lib/runner/tslab-session.js";
import { projectTempDir } from "./helpers.js";

const cwd = await projectTempDir("check-cache-");

const sink: CellSink = { stream() {}, display() {} };
const req = createRequire(import.meta.url);
type Stats = { hits: number; misses: number; resets: number };

test("an unchanged imported file is checked once; its errors still fail every cell; an edit is checked again", async () => {
  writeFileSync(path.join(cwd, "mod_a.ts"), 'export const good: number = 1;\nexport function f(): string {\n  return "x";\n}\n');
  writeFileSync(path.join(cwd, "mod_bad.ts"), 'export const bad: number = "not a number";\n');
  const session = new TslabSession({ cwd, echo: false, cellTimeoutMs: 0 });
  try {
    const check = (req("../../lib/runner/tslab-check-cache.cjs") as { installTslabCheckCache(r: NodeRequire): { stats: Stats } }).installTslabCheckCache(req);
    const stats = check.stats;
    assert.ok(stats, "the runner's converter uses the caching check");

    let o = await session.execute('import { f } from "./mod_a";\nconst r1 = f();', sink);
    assert.equal(o.status, "ok", o.error?.evalue);
    const misses = stats.misses;
    const hits = stats.hits;
    assert.ok(misses >= 1, "mod_a checked");

    o = await session.execute('import { good } from "./mod_a";\nconst r2: number = good;', sink);
    assert.equal(o.status, "ok", o.error?.evalue);
    assert.equal(stats.misses, misses, "mod_a is not checked again");
    assert.ok(stats.hits > hits);

    // The cell itself is always checked.
    o = await session.execute('import { good as g } from "./mod_a";\nconst r3: string = g;', sink);
    assert.equal(o.status, "error");
    assert.match(o.error?.evalue ?? "", /not assignable to type 'string'/);

    for (const name of ["first", "second"]) {
      o = await session.execute('import { bad } from "./mod_bad";\nconsole.log(bad);', sink);
      assert.equal(o.status, "error", `${name} import of a file with an error`);
      assert.match(o.error?.evalue ?? "", /mod_bad\.ts.*not assignable to type 'number'/s, name);
    }

    // An edit: TypeScript's watch sees a new file; nothing cached from before may hide the new error.
    writeFileSync(path.join(cwd, "mod_a.ts"), 'export const good: number = "now a string";\nexport function f(): string {\n  return "x";\n}\n');
    const deadline = Date.now() + 20_000;
    for (;;) {
      o = await session.execute('import { f as f2 } from "./mod_a";\nconst r4 = f2();', sink);
      if (o.status === "error" || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    assert.equal(o.status, "error", "the edited file's error is reported");
    assert.match(o.error?.evalue ?? "", /mod_a\.ts.*not assignable to type 'number'/s);
  } finally {
    session.close();
  }
});
