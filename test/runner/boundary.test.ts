/**
 * The runner stands alone: nothing in lib/runner/ imports the tutorial library or Local AgentCore.
 * Every module specifier in its files (static and dynamic imports, re-exports, `require`, and any
 * relative path handed to a `createRequire`d function) must stay inside lib/runner/, except the
 * neutral secret policy; and no file may import the package by its own name (that is lib/index.ts).
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import ts from "typescript";
import { projectRoot } from "./helpers.js";

const RUNNER_DIR = path.join(projectRoot, "lib", "runner");
const ALLOWED_OUTSIDE = new Set([path.join(projectRoot, "lib", "secret-policy.ts")]);
const PACKAGE_NAME = (JSON.parse(readFileSync(path.join(projectRoot, "package.json"), "utf8")) as { name: string }).name;

/** Every module specifier in a source text: what TypeScript's pre-processor sees, plus relative string literals. */
function specifiers(source: string): string[] {
  const info = ts.preProcessFile(source, true, true);
  const found = [...info.importedFiles, ...info.referencedFiles].map((f) => f.fileName);
  // createRequire(import.meta.url)("../x") is no import to the pre-processor; any relative literal counts.
  for (const m of source.matchAll(/(["'`])(\.\.?\/[^"'`\s]*)\1/g)) found.push(m[2]!);
  return found;
}

/** Why `specifier`, written in `file`, crosses the runner's boundary; undefined when it does not. */
function violation(file: string, specifier: string): string | undefined {
  if (specifier === PACKAGE_NAME || specifier.startsWith(`${PACKAGE_NAME}/`)) return "imports the tutorial library by the package's name";
  if (!specifier.startsWith(".")) return undefined; // node: built-ins and dependencies
  const target = path.resolve(path.dirname(file), specifier).replace(/\.js$/, ".ts");
  if (target === RUNNER_DIR || target.startsWith(RUNNER_DIR + path.sep)) return undefined;
  if (ALLOWED_OUTSIDE.has(target)) return undefined;
  return `reaches ${path.relative(projectRoot, target)}`;
}

function violations(file: string, source: string): string[] {
  return [...new Set(specifiers(source))].flatMap((s) => {
    const why = violation(file, s);
    return why ? [`${path.relative(projectRoot, file)}: "${s}" ${why}`] : [];
  });
}

test("the boundary check sees every way out of lib/runner/ (static, type-only, dynamic, require, re-export, package name)", () => {
  const file = path.join(RUNNER_DIR, "example.ts");
  const source = [
    'import { x } from "../session.js";',
    'import type { Y } from "../notebook/redact.js";',
    'export { z } from "../local/lifecycle.js";',
    'const m = await import("../agentcore/identity.js");',
    'const r = createRequire(import.meta.url)("../doctor/checks.js");',
    'type T = typeof import("../workshop/prepare.js");',
    'import { display } from "agentcore-kit";',
    'import { ok } from "./notebook-file.js";',
    'import { policy } from "../secret-policy.js";',
    'import { readFileSync } from "node:fs";',
    'import { marked } from "marked";',
  ].join("\n");
  const found = violations(file, source).map((v) => v.replace(/^[^:]+: /, "")).sort();
  assert.deepEqual(found, [
    '"../agentcore/identity.js" reaches lib/agentcore/identity.ts',
    '"../doctor/checks.js" reaches lib/doctor/checks.ts',
    '"../local/lifecycle.js" reaches lib/local/lifecycle.ts',
    '"../notebook/redact.js" reaches lib/notebook/redact.ts',
    '"../session.js" reaches lib/session.ts',
    '"../workshop/prepare.js" reaches lib/workshop/prepare.ts',
    '"agentcore-kit" imports the tutorial library by the package\'s name',
  ]);
});

test("lib/runner/ imports nothing from the tutorial library or Local AgentCore (only the neutral secret policy)", () => {
  const files = readdirSync(RUNNER_DIR, { recursive: true, encoding: "utf8" })
    .filter((f) => /\.(c|m)?ts$/.test(f))
    .map((f) => path.join(RUNNER_DIR, f));
  assert.ok(files.length > 5, "the runner's files were found");
  const found = files.flatMap((f) => violations(f, readFileSync(f, "utf8")));
  assert.deepEqual(found, [], `the runner must stand alone; pass what it needs in from its caller:\n${found.join("\n")}`);
});
