/**
 * The committed notebook itself: built from its readable source (and the agent files it embeds),
 * nbformat 4 on the tslab kernel, committed without outputs, one `parameters` cell, the library
 * imported by the package's own name, and every diagram it shows present.
 */
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { declaredParameters } from "../../lib/runner/parameters.js";
import { cellTags, sourceText } from "../../lib/runner/notebook-file.js";
import { renderNotebook } from "../../scripts/notebooks/build.js";
import { NOTEBOOK_PATH, projectRoot, readNotebook } from "./helpers.js";

const committed = readFileSync(NOTEBOOK_PATH, "utf8");
const nb = readNotebook(NOTEBOOK_PATH);
const code = nb.cells.filter((c) => c.cell_type === "code");

test("the notebook is what its source and the agent files build (run scripts/notebooks/build.ts 01 after editing them)", () => {
  assert.equal(committed, renderNotebook("01"));
});

test("nbformat 4 on the tslab kernel, committed without outputs", () => {
  assert.equal(nb.nbformat, 4);
  assert.equal((nb.metadata.kernelspec as { name?: string }).name, "tslab");
  for (const cell of code) {
    assert.deepEqual(cell.cell_type === "code" && cell.outputs, [], `outputs in: ${sourceText(cell).slice(0, 60)}`);
    assert.equal(cell.cell_type === "code" && cell.execution_count, null);
  }
});

test("one cell tagged parameters, declaring what the tutorial varies", () => {
  const tagged = nb.cells.filter((c) => cellTags(c).includes("parameters"));
  assert.equal(tagged.length, 1);
  const names = [...declaredParameters(sourceText(tagged[0]!)).keys()];
  assert.deepEqual(names, ["target", "region", "agentName", "providerName", "localPrompt", "helloPrompt", "mathPrompt", "userId"]);
});

test("every cell runs headless: none is tagged skip-headless or raises-exception", () => {
  for (const cell of nb.cells) {
    assert.deepEqual(cellTags(cell).filter((t) => t === "skip-headless" || t === "raises-exception"), [], sourceText(cell).slice(0, 60));
  }
});

test("cells import the library by its package name, never by a relative path", () => {
  const imports = code.flatMap((c) => [...sourceText(c).matchAll(/^import .* from "([^"]+)";$/gm)].map((m) => m[1]!));
  assert.ok(imports.includes("agentcore-kit"));
  assert.deepEqual(imports.filter((spec) => spec.startsWith(".") || spec.includes("/lib/")), []);
});

test("the tutorial's steps are there, in the tutorial's order", () => {
  const steps = [
    "writeAgentFile(\"strands_agents_openai.ts\"",
    "runAgentLocally(",
    "createApiKeyCredentialProvider(",
    "writeAgentFile(\"strands_agents_openai_identity.ts\"",
    "agentcoreRuntime.configure(",
    "agentcoreRuntime.launch(",
    "putRolePolicy(",
    "waitUntilReady(",
    "agentcoreRuntime.invoke(",
    "display.markdown(responseText)",
    "new InvokeAgentRuntimeCommand(",
    "await cleanup()",
  ];
  const positions = steps.map((step) => code.findIndex((c) => sourceText(c).includes(step)));
  assert.ok(positions.every((p) => p >= 0), `missing: ${steps.filter((_, i) => positions[i]! < 0).join(", ")}`);
  assert.deepEqual(positions, [...positions].sort((a, b) => a - b));
});

test("the agents' calculator uses mathjs, imported on first use, never eval; no key is printed by the agents", () => {
  for (const cell of code.filter((c) => sourceText(c).includes("writeAgentFile("))) {
    const src = sourceText(cell);
    assert.match(src, /await import\("mathjs"\)/);
    // mathjs is most of a second of every cold start: it must not come back as a top-level import.
    assert.doesNotMatch(src, /^import [^;]*from "mathjs"/m);
    assert.doesNotMatch(src, /\beval\(|new Function\(/);
    assert.doesNotMatch(src, /console\.log\([^)]*apiKey/);
  }
});

test("every diagram the notebook shows exists and is an SVG of our own", () => {
  const images = nb.cells.flatMap((c) => [...sourceText(c).matchAll(/<img src="([^"]+)"/g)].map((m) => m[1]!));
  assert.ok(images.length >= 4, images.join(", "));
  for (const src of images) {
    const file = path.resolve(projectRoot, "notebooks", src);
    assert.ok(existsSync(file), `${src} is missing`);
    assert.match(readFileSync(file, "utf8"), /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
  }
});
