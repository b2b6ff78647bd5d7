/**
 * Papermill-style parameters for TypeScript notebooks: `-p name=value` overrides become an
 * `injected-parameters` cell of declarations placed right after the cell tagged `parameters`.
 * tslab lets a later cell redeclare a `const`/`let`, so the injected cell redeclares each name with
 * the keyword and type annotation of its default, which keeps later cells type-checking.
 */
import { createRequire } from "node:module";
import type * as TS from "typescript";
import { type CodeCell, cellTags, newCellId, type Notebook, sourceText } from "./notebook-file.js";

export type ParameterValue = unknown;
export type Parameters = Map<string, ParameterValue>;

export class ParameterError extends Error {
  override name = "ParameterError";
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** `name=value`: the value is JSON when it parses as JSON, else the raw string (as with papermill's -p). */
export function parseParameterArg(arg: string): [string, ParameterValue] {
  const eq = arg.indexOf("=");
  if (eq <= 0) throw new ParameterError(`-p expects name=value, got "${arg}"`);
  const name = arg.slice(0, eq).trim();
  if (!IDENTIFIER.test(name)) throw new ParameterError(`-p ${arg}: "${name}" is not a valid TypeScript identifier`);
  const raw = arg.slice(eq + 1);
  try {
    return [name, JSON.parse(raw)];
  } catch {
    return [name, raw];
  }
}

export interface DeclaredParameter {
  keyword: "const" | "let" | "var";
  /** The type annotation as written in the parameters cell, if any. */
  typeText?: string;
}

let tslabTypeScript: typeof TS | undefined;
/** The TypeScript that tslab bundles (already loaded by the converter), so parsing matches the kernel's. */
function typescript(): typeof TS {
  if (!tslabTypeScript) {
    const fromTslab = createRequire(createRequire(import.meta.url).resolve("tslab/package.json"));
    tslabTypeScript = fromTslab("@tslab/typescript-for-tslab") as typeof TS;
  }
  return tslabTypeScript;
}

/** Top-level variable declarations of the `parameters` cell: name -> keyword and annotation. */
export function declaredParameters(source: string): Map<string, DeclaredParameter> {
  const ts = typescript();
  const file = ts.createSourceFile("parameters.ts", source, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const found = new Map<string, DeclaredParameter>();
  for (const stmt of file.statements) {
    if (!ts.isVariableStatement(stmt)) continue;
    const flags = stmt.declarationList.flags;
    const keyword = flags & ts.NodeFlags.Const ? "const" : flags & ts.NodeFlags.Let ? "let" : "var";
    for (const decl of stmt.declarationList.declarations) {
      if (!ts.isIdentifier(decl.name)) continue;
      found.set(decl.name.text, { keyword, typeText: decl.type?.getText(file) });
    }
  }
  return found;
}

function widenedType(value: ParameterValue): string | undefined {
  switch (typeof value) {
    case "string":
      return "string";
    case "number":
      return "number";
    case "boolean":
      return "boolean";
    default:
      return undefined; // objects, arrays and null: TypeScript's own inference is right
  }
}

export function injectedParametersSource(parameters: Parameters, declared: Map<string, DeclaredParameter>): string {
  const lines = ["// Parameters injected by the headless runner (-p name=value)"];
  for (const [name, value] of parameters) {
    const decl = declared.get(name);
    const type = decl?.typeText ?? widenedType(value);
    lines.push(`${decl?.keyword ?? "const"} ${name}${type ? `: ${type}` : ""} = ${JSON.stringify(value)};`);
  }
  return lines.join("\n");
}

export interface Injection {
  /** Index of the injected cell in the notebook. */
  index: number;
  unknownNames: string[];
}

/**
 * Inserts (or replaces) the `injected-parameters` cell after the `parameters` cell, or at the top
 * when there is none (papermill does the same). Returns undefined when there is nothing to inject.
 */
export function injectParameters(nb: Notebook, parameters: Parameters): Injection | undefined {
  if (parameters.size === 0) return undefined;
  const existing = nb.cells.findIndex((c) => cellTags(c).includes("injected-parameters"));
  if (existing >= 0) nb.cells.splice(existing, 1);
  const paramsIndex = nb.cells.findIndex((c) => c.cell_type === "code" && cellTags(c).includes("parameters"));
  const declared = paramsIndex >= 0 ? declaredParameters(sourceText(nb.cells[paramsIndex]!)) : new Map<string, DeclaredParameter>();
  const cell: CodeCell = {
    id: newCellId(),
    cell_type: "code",
    metadata: { tags: ["injected-parameters"] },
    source: injectedParametersSource(parameters, declared),
    outputs: [],
    execution_count: null,
  };
  const index = paramsIndex + 1;
  nb.cells.splice(index, 0, cell);
  return { index, unknownNames: [...parameters.keys()].filter((n) => !declared.has(n)) };
}
