/**
 * The runtime host's boundary: it gets what it needs from the services (bundle reader, execution
 * role credentials, vaulted secrets) when it is created, and imports nothing from
 * `lib/local/services/` (type imports included), so the data plane can depend on the host and
 * never the other way round.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";

const PROJECT = fileURLToPath(new URL("../..", import.meta.url));
const HOST_DIR = join(PROJECT, "lib", "local", "runtime-host");
const SERVICES_DIR = join(PROJECT, "lib", "local", "services");

/** Every module specifier in a source: imports and re-exports (type-only too), `import()` in code and in types, `require()`. */
function specifiersOf(fileName: string, source: string): string[] {
  const sf = ts.createSourceFile(fileName, source, ts.ScriptTarget.Latest, true, fileName.endsWith(".ts") ? ts.ScriptKind.TS : ts.ScriptKind.JS);
  const out: string[] = [];
  const literal = (node: ts.Node | undefined) => {
    if (node && ts.isStringLiteralLike(node)) out.push(node.text);
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) literal(node.moduleSpecifier);
    else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) literal(node.moduleReference.expression);
    else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) literal(node.argument.literal);
    else if (ts.isCallExpression(node) && (node.expression.kind === ts.SyntaxKind.ImportKeyword || (ts.isIdentifier(node.expression) && node.expression.text === "require"))) {
      literal(node.arguments[0]);
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return out;
}

/** The specifiers of `fileName` that lead into lib/local/services/. */
function servicesImports(fileName: string, source: string): string[] {
  return specifiersOf(fileName, source).filter((spec) => {
    if (spec.startsWith(".")) {
      const target = resolve(dirname(fileName), spec);
      return target === SERVICES_DIR || target.startsWith(SERVICES_DIR + sep);
    }
    // The package's own name (agentcore-kit/lib/local/services/…) reaches the same files.
    return /(^|\/)lib\/local\/services(\/|$)/.test(spec);
  });
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(p);
    return /\.(ts|mts|cts|js|mjs|cjs)$/.test(e.name) ? [p] : [];
  });
}

test("the scanner sees every way a module can reach into lib/local/services/", () => {
  const file = join(HOST_DIR, "example.ts");
  const cases: [string, boolean][] = [
    [`import { readObject } from "../services/s3/index.js";`, true],
    [`import type { RuntimeRecord } from "../services/runtime-control/index.js";`, true],
    [`import { type RuntimeRecord } from "../services/runtime-control/records.js";`, true],
    [`export { sts } from "../services/sts/index.js";`, true],
    [`export type * from "../services/identity/records.js";`, true],
    [`let r: import("../services/runtime-control/records.js").RuntimeRecord;`, true],
    [`const m = await import("../services/s3/index.js");`, true],
    [`const m = require("../services/s3/index.js");`, true],
    [`import "./../../local/services/index.js";`, true],
    [`import { x } from "agentcore-kit/lib/local/services/s3/index.js";`, true],
    [`import { AwsError } from "../errors.js";`, false],
    [`import type { LocalServices } from "../service.js";`, false],
    [`import { Store } from "../state/store.js";`, false],
    [`const text = "../services/s3/index.js";`, false],
  ];
  for (const [source, leaks] of cases) assert.equal(servicesImports(file, source).length > 0, leaks, source);
});

test("no file of the runtime host imports from lib/local/services/", () => {
  const files = sourceFiles(HOST_DIR);
  assert.ok(files.some((f) => f.endsWith("host.ts")), "the scan reads the runtime host's folder");
  const leaks = files.flatMap((f) => servicesImports(f, readFileSync(f, "utf8")).map((spec) => `${relative(PROJECT, f)} imports ${spec}`));
  assert.deepEqual(leaks, [], "the host gets what it needs from the services when it is created (see runtime-host/ports.ts)");
});
