/**
 * `--list-parameters` (papermill's `--help-notebook`): the names, types, defaults and help text
 * (a trailing `//` comment) of the declarations in a notebook's cell tagged `parameters`.
 */
import { createRequire } from "node:module";
import type * as TS from "typescript";
import { cellTags, type Notebook, sourceText } from "./notebook-file.js";

export interface ListedParameter {
  name: string;
  /** The annotation as written, else the type the default's syntax shows, else "inferred". */
  type: string;
  /** The default's source text ("" when declared without one). */
  defaultText: string;
  help: string;
}

export interface ParameterListing {
  /** 1-based position of the parameters cell, or undefined when the notebook has none. */
  cellNumber?: number;
  parameters: ListedParameter[];
}

const typescript = (): typeof TS =>
  createRequire(createRequire(import.meta.url).resolve("tslab/package.json"))("@tslab/typescript-for-tslab") as typeof TS;

/** What the default's syntax alone says about its type (the kernel may infer more). */
function typeOfInitializer(ts: typeof TS, init: TS.Expression | undefined): string {
  if (!init) return "inferred";
  while (ts.isParenthesizedExpression(init) || ts.isAsExpression(init) || ts.isSatisfiesExpression(init)) {
    if (ts.isAsExpression(init)) return init.type.getText();
    init = init.expression;
  }
  // `process.env.X || "default"`: the fallback's type is the one a reader needs.
  if (ts.isBinaryExpression(init) && [ts.SyntaxKind.BarBarToken, ts.SyntaxKind.QuestionQuestionToken].includes(init.operatorToken.kind)) {
    return typeOfInitializer(ts, init.right);
  }
  if (ts.isStringLiteral(init) || ts.isNoSubstitutionTemplateLiteral(init) || ts.isTemplateExpression(init)) return "string";
  if (ts.isNumericLiteral(init) || (ts.isPrefixUnaryExpression(init) && ts.isNumericLiteral(init.operand))) return "number";
  if (init.kind === ts.SyntaxKind.TrueKeyword || init.kind === ts.SyntaxKind.FalseKeyword) return "boolean";
  if (init.kind === ts.SyntaxKind.NullKeyword) return "null";
  if (ts.isArrayLiteralExpression(init)) return "array";
  if (ts.isObjectLiteralExpression(init)) return "object";
  return "inferred";
}

export function listParameters(nb: Notebook): ParameterListing {
  const index = nb.cells.findIndex((c) => c.cell_type === "code" && cellTags(c).includes("parameters"));
  if (index < 0) return { parameters: [] };
  const ts = typescript();
  const source = sourceText(nb.cells[index]!);
  const file = ts.createSourceFile("parameters.ts", source, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const parameters: ListedParameter[] = [];
  for (const stmt of file.statements) {
    if (!ts.isVariableStatement(stmt)) continue;
    // Help text: a `//` comment after the statement on its line, else the `//` lines right above it.
    const trailing = ts.getTrailingCommentRanges(source, stmt.end) ?? [];
    const leading = ts.getLeadingCommentRanges(source, stmt.getFullStart()) ?? [];
    const comment = (trailing.length ? trailing : leading).map((r) => source.slice(r.pos, r.end).replace(/^\/\/\s?|^\/\*+\s*|\s*\*+\/$/g, "").trim()).join(" ");
    for (const decl of stmt.declarationList.declarations) {
      if (!ts.isIdentifier(decl.name)) continue;
      parameters.push({
        name: decl.name.text,
        type: decl.type ? decl.type.getText(file) : typeOfInitializer(ts, decl.initializer),
        defaultText: decl.initializer ? decl.initializer.getText(file) : "",
        help: comment,
      });
    }
  }
  return { cellNumber: index + 1, parameters };
}

/** The listing as the terminal shows it: aligned columns, long defaults shortened. */
export function formatParameterListing(label: string, listing: ParameterListing): string {
  if (listing.cellNumber === undefined) {
    return `${label}: no cell tagged "parameters"; -p adds an injected-parameters cell at the top, as papermill does.\n`;
  }
  if (listing.parameters.length === 0) return `${label}: the parameters cell (cell ${listing.cellNumber}) declares nothing.\n`;
  const short = (s: string) => {
    const one = s.replace(/\s+/g, " ");
    return one.length > 48 ? `${one.slice(0, 47)}…` : one;
  };
  const rows = listing.parameters.map((p) => [p.name, p.type, p.defaultText === "" ? "(no default)" : `(default ${short(p.defaultText)})`, p.help]);
  const widths = [0, 1, 2].map((i) => Math.max(...rows.map((r) => r[i]!.length)));
  const lines = rows.map((r) => `  ${r.slice(0, 3).map((c, i) => c.padEnd(widths[i]!)).join("  ")}${r[3] ? `  ${r[3]}` : ""}`.trimEnd());
  return `${label}: parameters (cell ${listing.cellNumber}, tagged "parameters"):\n${lines.join("\n")}\n`;
}
