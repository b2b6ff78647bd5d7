/**
 * The library's declarations (dist/types/, package.json "types"), which cells type-check against:
 * they say what the sources say, every export and member alike; they are rewritten when a source
 * changes and only then; a source that cannot be declared on its own leaves cells checking against
 * the sources, with the line to fix; and a cell that misuses the library still fails the same way.
 */
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import ts from "typescript";
import { ensureLibraryTypes, typesDir } from "../../lib/notebook/library-types.js";
import { projectRoot, projectTempDir, readExecuted, runNb, codeCells, errorOf } from "../runner/helpers.js";

const FLAGS = ts.TypeFormatFlags.NoTruncation | ts.TypeFormatFlags.UseFullyQualifiedType | ts.TypeFormatFlags.InTypeAlias;

const isPrivate = (s: ts.Symbol): boolean => {
  const d = s.valueDeclaration;
  if (!d) return false;
  return (ts.getCombinedModifierFlags(d) & ts.ModifierFlags.Private) !== 0 || ts.isPrivateIdentifier(ts.getNameOfDeclaration(d) ?? d);
};

/** Each export of a module, and each member of an exported type, as the checker prints its type. */
function surface(program: ts.Program, file: string, from: string): Map<string, string> {
  const checker = program.getTypeChecker();
  const out = new Map<string, string>();
  // Paths differ (lib/ against dist/types/); an optional parameter prints with or without "| undefined".
  const print = (t: ts.Type) => checker.typeToString(t, undefined, FLAGS).replaceAll(from, "<lib>/").replaceAll(" | undefined", "");
  const module = checker.getSymbolAtLocation(program.getSourceFile(file)!)!;
  for (const exported of checker.getExportsOfModule(module)) {
    const s = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
    if (s.flags & ts.SymbolFlags.Value) {
      const t = checker.getTypeOfSymbol(s);
      out.set(`${exported.name} (value)`, print(t));
      for (const sig of t.getConstructSignatures()) {
        out.set(`${exported.name} new`, checker.signatureToString(sig, undefined, FLAGS).replaceAll(from, "<lib>/").replaceAll(" | undefined", ""));
      }
    }
    if (s.flags & ts.SymbolFlags.Type) {
      const t = checker.getDeclaredTypeOfSymbol(s);
      out.set(`${exported.name} (type)`, print(t));
      // A class's private members are no part of its API: declarations name them without a type.
      for (const member of t.getProperties().filter((m) => !isPrivate(m))) out.set(`${exported.name}.${member.name}`, print(checker.getTypeOfSymbol(member)));
    }
  }
  return out;
}

test("the declarations carry the sources' API: every export, and every member of every exported type", () => {
  const result = ensureLibraryTypes({ projectDir: projectRoot, warn: () => {} });
  assert.deepEqual(result.problems, [], "every library source the entry reaches can be declared on its own (explicit return and variable types)");
  assert.notEqual(result.state, "sources");

  const sources = path.join(projectRoot, "lib", "index.ts");
  const declarations = path.join(typesDir(projectRoot), "index.d.ts");
  const options: ts.CompilerOptions = {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    strict: true,
    skipLibCheck: true,
    esModuleInterop: true,
    resolveJsonModule: true,
    types: ["node"],
    noEmit: true,
  };
  const program = ts.createProgram([sources, declarations], options);
  const fromSources = surface(program, sources, path.join(projectRoot, "lib") + "/");
  const fromDeclarations = surface(program, declarations, typesDir(projectRoot) + "/");
  assert.ok(fromSources.size > 100, `the library's surface is read (${fromSources.size} entries)`);
  assert.deepEqual(fromDeclarations, fromSources);
  const declared = program.getSourceFiles().filter((f) => f.fileName.startsWith(typesDir(projectRoot)));
  assert.ok(
    declared.every((f) => f.isDeclarationFile),
    "the declarations reach no library source (a cell would check it)",
  );
});

/** A project of its own: lib/ with an entry and a module, and the project's node_modules (for TypeScript). */
function miniProject(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), "library-types-"));
  after(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(path.join(dir, "lib"));
  symlinkSync(path.join(projectRoot, "node_modules"), path.join(dir, "node_modules"));
  writeFileSync(path.join(dir, "package.json"), "{}");
  writeFileSync(path.join(dir, "lib", "index.ts"), 'export { greet } from "./greet.js";\n');
  writeFileSync(path.join(dir, "lib", "greet.ts"), "export function greet(name: string): string {\n  return `hello ${name}`;\n}\n");
  return dir;
}

const declaration = (dir: string, file: string) => readFileSync(path.join(typesDir(dir), file), "utf8");

test("declarations are written once, kept while the sources are unchanged, and rewritten when one changes", () => {
  const dir = miniProject();
  assert.equal(ensureLibraryTypes({ projectDir: dir }).state, "written");
  assert.match(declaration(dir, "greet.d.ts"), /export declare function greet\(name: string\): string;/);
  assert.equal(ensureLibraryTypes({ projectDir: dir }).state, "current");

  writeFileSync(path.join(dir, "lib", "greet.ts"), "export function greet(name: string, times: number): string {\n  return name.repeat(times);\n}\n");
  assert.equal(ensureLibraryTypes({ projectDir: dir }).state, "written");
  assert.match(declaration(dir, "greet.d.ts"), /greet\(name: string, times: number\): string/);

  // An output removed or damaged by hand is written again, though no source changed.
  rmSync(path.join(typesDir(dir), "greet.d.ts"));
  assert.equal(ensureLibraryTypes({ projectDir: dir }).state, "written");
  assert.ok(existsSync(path.join(typesDir(dir), "greet.d.ts")));
  writeFileSync(path.join(typesDir(dir), "greet.d.ts"), "export declare function greet(name: number): string;\n");
  assert.equal(ensureLibraryTypes({ projectDir: dir }).state, "written");
  assert.match(declaration(dir, "greet.d.ts"), /greet\(name: string, times: number\): string/);
});

test("a source no longer reached loses its declaration; a newly imported one gains one", () => {
  const dir = miniProject();
  ensureLibraryTypes({ projectDir: dir });
  writeFileSync(path.join(dir, "lib", "farewell.ts"), "export const farewell: string = 'bye';\n");
  writeFileSync(path.join(dir, "lib", "index.ts"), 'export { farewell } from "./farewell.js";\n');
  const result = ensureLibraryTypes({ projectDir: dir });
  assert.deepEqual(result.files.sort(), ["farewell.ts", "index.ts"]);
  assert.ok(existsSync(path.join(typesDir(dir), "farewell.d.ts")));
  assert.ok(!existsSync(path.join(typesDir(dir), "greet.d.ts")), "nothing stale is left to resolve");
});

test("a source that cannot be declared on its own: cells check against the sources, and the warning names the line", () => {
  const dir = miniProject();
  ensureLibraryTypes({ projectDir: dir });
  writeFileSync(path.join(dir, "lib", "greet.ts"), "export async function greet(name: string) {\n  return [name];\n}\n");
  const warnings: string[] = [];
  const result = ensureLibraryTypes({ projectDir: dir, warn: (line) => warnings.push(line) });
  assert.equal(result.state, "sources");
  assert.match(result.problems.join("\n"), /^lib\/greet\.ts:1: .*explicit return type/m);
  assert.match(warnings.join("\n"), /lib\/greet\.ts:1/);
  assert.match(declaration(dir, "index.d.ts"), /export \* from "\.\.\/\.\.\/lib\/index\.js";/);
  assert.ok(!existsSync(path.join(typesDir(dir), "greet.d.ts")), "no half-declared library");
  // Unchanged: the same answer without transpiling again (and without warning again).
  const again: string[] = [];
  assert.equal(ensureLibraryTypes({ projectDir: dir, warn: (line) => again.push(line) }).state, "current");

  writeFileSync(path.join(dir, "lib", "greet.ts"), "export function greet(name: string): string {\n  return `hello ${name}`;\n}\n");
  assert.equal(ensureLibraryTypes({ projectDir: dir }).state, "written");
  assert.match(declaration(dir, "index.d.ts"), /from "\.\/greet\.js"/);
});

test("a run brings the declarations up to date before the first cell; a cell that misuses the library fails on its type error as against the sources", async () => {
  // As after an edit of lib/ (or an install that skipped npm's scripts): the kernel's startup rewrites them.
  rmSync(path.join(typesDir(projectRoot), "manifest.json"), { force: true });
  rmSync(path.join(typesDir(projectRoot), "session.d.ts"), { force: true });
  const dir = await projectTempDir("library-types-");
  const cells = [
    'import { markdownTable } from "agentcore-kit";\nconst table: string = markdownTable([{ a: 1 }]);\nconsole.log(table.length > 0);',
    'import { markdownTable } from "agentcore-kit";\nconst wrong: number = markdownTable([{ a: 1 }]);',
  ];
  const nb = {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: { kernelspec: { name: "tslab", display_name: "TypeScript", language: "typescript" } },
    cells: cells.map((source, i) => ({ cell_type: "code", id: `c${i}`, metadata: {}, execution_count: null, outputs: [], source })),
  };
  writeFileSync(path.join(dir, "uses-library.ipynb"), JSON.stringify(nb));
  const run = await runNb([path.join(dir, "uses-library.ipynb"), "--out", path.join(dir, "out")]);
  assert.equal(run.code, 1, run.stderr);
  assert.ok(existsSync(path.join(typesDir(projectRoot), "session.d.ts")), "rewritten by the run");
  const [fine, misuse] = codeCells(readExecuted(path.join(dir, "out"), "uses-library.ipynb"));
  assert.equal(errorOf(fine!), undefined);
  assert.match(JSON.stringify(misuse!.outputs), /Type 'string' is not assignable to type 'number'/);
});
