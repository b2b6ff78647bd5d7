/**
 * The runner's TypeScript does not parse declaration files' JSDoc (no type error depends on it),
 * and parses everything else as tslab's does: JSDoc in .ts and .js files is still read, so a
 * JavaScript file's JSDoc types still check, and a program's diagnostics are the very same with
 * and without the change. Each side runs in a fresh Node process, as each run does.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { fileURLToPath } from "node:url";

const RUNNER = fileURLToPath(new URL("../../lib/runner/", import.meta.url));
const req = createRequire(path.join(RUNNER, "tslab-session.ts"));
const { skipDeclarationJSDoc } = req("./declaration-jsdoc.cjs") as { skipDeclarationJSDoc(source: string): string | undefined };
const dir = await mkdtemp(path.join(os.tmpdir(), "nb-declaration-jsdoc-"));
after(() => rm(dir, { recursive: true, force: true }));

interface Seen {
  transformed: boolean;
  jsDoc: Record<string, boolean>;
  diagnostics: string[];
}

/** In a new process: tslab's TypeScript loaded as the runner loads it (or unchanged), then what it parses and reports. */
function inspect(skip: boolean): Seen {
  const project = path.join(dir, "project");
  const script = `
    const { createRequire } = require("node:module");
    const tslabRequire = createRequire(require.resolve("tslab/package.json"));
    const { loadWithCodeCache } = require("./code-cache.cjs");
    const { skipDeclarationJSDoc } = require("./declaration-jsdoc.cjs");
    const r = loadWithCodeCache(tslabRequire, { cacheDir: ${JSON.stringify(path.join(dir, skip ? "cache-skip" : "cache-plain"))}, transform: ${skip} ? skipDeclarationJSDoc : undefined });
    const ts = tslabRequire("@tslab/typescript-for-tslab");
    const jsDoc = {};
    for (const f of ["lib.d.ts", "helper.js", "cell.ts"]) {
      const file = ${JSON.stringify(project)} + "/" + f;
      const sf = ts.createSourceFile(file, require("node:fs").readFileSync(file, "utf8"), ts.ScriptTarget.ES2022, true);
      jsDoc[f] = sf.statements.some((s) => (s.jsDoc ?? []).length > 0);
    }
    const options = { allowJs: true, checkJs: true, noEmit: true, strict: true, skipLibCheck: true, types: [], lib: ["lib.es2022.d.ts"], target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.CommonJS };
    const program = ts.createProgram([${JSON.stringify(path.join(project, "cell.ts"))}], options);
    const diagnostics = ts.getPreEmitDiagnostics(program).map((d) => (d.file ? require("node:path").basename(d.file.fileName) + ":" + d.start + " " : "") + d.code + " " + ts.flattenDiagnosticMessageText(d.messageText, " "));
    console.log(JSON.stringify({ transformed: r.transformed, jsDoc, diagnostics }));`;
  return JSON.parse(execFileSync(process.execPath, ["-e", script], { cwd: RUNNER, encoding: "utf8" })) as Seen;
}

test("tslab's TypeScript is the one the change was written for: its anchor is there, once", () => {
  const source = readFileSync(req.resolve("@tslab/typescript-for-tslab", { paths: [path.dirname(req.resolve("tslab/package.json"))] }), "utf8");
  const changed = skipDeclarationJSDoc(source);
  assert.ok(changed !== undefined, "the runner would load TypeScript unchanged");
  assert.equal(changed.length - source.length, 'if (fileName.endsWith(".d.ts")) return node;\n'.length, "one line added, nothing else");
});

test("another text (another TypeScript) is left as it is", () => {
  assert.equal(skipDeclarationJSDoc("function addJSDocComment(node) {\n}\nfunction addJSDocComment(node) {\n}\n"), undefined, "an anchor that is not unique");
  assert.equal(skipDeclarationJSDoc("const x = 1;\n"), undefined);
});

test("declaration files' JSDoc is skipped; .ts and .js files' JSDoc is read; the diagnostics are the same", () => {
  const project = path.join(dir, "project");
  mkdirSync(project, { recursive: true });
  writeFileSync(
    path.join(project, "lib.d.ts"),
    "/**\n * Adds. @param a the first @deprecated use plus\n * @returns {string} (ignored: this is a declaration file)\n */\nexport declare function add(a: number, b: number): number;\n",
  );
  // In JavaScript, JSDoc is the type: calling twice("x") is an error only because this comment is read.
  writeFileSync(path.join(project, "helper.js"), "/**\n * @param {number} n\n * @returns {number}\n */\nfunction twice(n) { return n * 2; }\nmodule.exports = { twice };\n");
  writeFileSync(
    path.join(project, "cell.ts"),
    '/** A cell\'s own doc. */\nimport { add } from "./lib";\nconst { twice } = require("./helper.js") as typeof import("./helper.js");\nconst a: string = add(1, 2);\ntwice("x");\n',
  );
  const plain = inspect(false);
  const skipped = inspect(true);
  assert.equal(plain.transformed, false);
  assert.equal(skipped.transformed, true);
  assert.deepEqual(plain.jsDoc, { "lib.d.ts": true, "helper.js": true, "cell.ts": true });
  assert.deepEqual(skipped.jsDoc, { "lib.d.ts": false, "helper.js": true, "cell.ts": true });
  assert.ok(plain.diagnostics.some((d) => /not assignable to type 'string'/.test(d)), plain.diagnostics.join("\n"));
  assert.ok(plain.diagnostics.some((d) => /"x"|'string' is not assignable to parameter of type 'number'/.test(d)), plain.diagnostics.join("\n"));
  assert.deepEqual(skipped.diagnostics, plain.diagnostics);
});
