/**
 * Notebook 01's output regression: `npm start` against its own Local AgentCore, compared cell by
 * cell with the committed reference (test/reference/) after the built-in sanitizers and the
 * notebook's own. When a change to the notebook changes its outputs on purpose, regenerate the
 * reference with `npm run nb:reference` and review the diff.
 */
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { NOTEBOOK_NAME, ownLocal, projectRoot, run, type OwnLocal } from "./helpers.js";

const REFERENCE_DIR = path.join(projectRoot, "test", "reference");
const SANITIZERS = path.join(REFERENCE_DIR, NOTEBOOK_NAME.replace(/\.ipynb$/, ".sanitize.cfg"));

let local: OwnLocal;
before(async () => {
  local = await ownLocal();
});
after(async () => {
  await local?.stop();
});

test("notebook 01's outputs match its committed reference", { timeout: 30 * 60_000 }, async () => {
  const out = mkdtempSync(path.join(os.tmpdir(), "nb01-reference-"));
  const args = ["--import", "tsx", path.join(projectRoot, "scripts", "start.ts"), "--compare", REFERENCE_DIR, "--sanitize-with", SANITIZERS, "--out", out, "--quiet"];
  const r = await run(process.execPath, args, local.env, 30 * 60_000);
  assert.equal(r.code, 0, `${r.stderr}\n${r.stdout.slice(-4000)}\nIf the notebook's outputs changed on purpose: npm run nb:reference`);
  assert.match(r.stdout, new RegExp(`✓ outputs match test/reference/${NOTEBOOK_NAME.replace(/\./g, "\\.")} \\(\\d+ cells compared`));
});
