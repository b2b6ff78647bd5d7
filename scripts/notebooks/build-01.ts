/**
 * Builds `notebooks/01-outbound-auth-api-key.ipynb` from its readable source,
 * `scripts/notebooks/01-outbound-auth-api-key.md` (markdown with `<!-- cell: … -->` separators).
 *
 *   node --import tsx scripts/notebooks/build-01.ts           write the notebook
 *   node --import tsx scripts/notebooks/build-01.ts --check   exit 1 if the notebook is stale
 *
 * The .ipynb is what users open, so it is committed; the source is what we edit and review.
 * Cell ids are derived from the position and kind, so a rebuild without edits is byte-identical.
 */
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { PROJECT_DIR } from "../../lib/project-dir.js";
import type { Cell, Notebook } from "../../lib/runner/notebook-file.js";
import { serializeNotebook } from "../../lib/runner/notebook-file.js";

export const SOURCE = fileURLToPath(new URL("./01-outbound-auth-api-key.md", import.meta.url));
export const NOTEBOOK = fileURLToPath(new URL("../../notebooks/01-outbound-auth-api-key.ipynb", import.meta.url));

/** `<!-- cell: markdown -->` or `<!-- cell: code -->`, optionally `tags=a,b`. */
const SEPARATOR = /^<!-- cell: (markdown|code)(?: tags=([\w,-]+))? -->$/;

/** In a code cell, `// @include <path>` is replaced by that project file (the agent sources). */
const INCLUDE = /^\/\/ @include (\S+)$/;

/**
 * The included file becomes the body of a `String.raw` template in the cell (the `%%writefile`
 * counterpart), so the learner reads and copies it as plain TypeScript. That works only if nothing
 * in it would need escaping: a backtick or `${` is refused (write string concatenation instead).
 */
export function includeFile(relPath: string): string {
  const text = readFileSync(path.join(PROJECT_DIR, relPath), "utf8").replace(/\n+$/, "");
  const lines = text.split("\n");
  const bad = lines.findIndex((line) => line.includes("`") || line.includes("${"));
  if (bad >= 0) {
    throw new Error(`${relPath}:${bad + 1}: a backtick or "\${" cannot appear in an agent source shown in a notebook cell (it would need escaping there); use string concatenation.`);
  }
  return text;
}

export function parseSource(text: string): Cell[] {
  const cells: Cell[] = [];
  let current: { kind: "markdown" | "code"; tags: string[]; lines: string[] } | undefined;
  const flush = () => {
    if (!current) return;
    const source = current.lines.join("\n").replace(/^\n+|\n+$/g, "");
    const id = `${current.kind === "code" ? "code" : "md"}-${String(cells.length + 1).padStart(2, "0")}`;
    const metadata = current.tags.length ? { tags: current.tags } : {};
    cells.push(
      current.kind === "code"
        ? { cell_type: "code", id, metadata, execution_count: null, outputs: [], source }
        : { cell_type: "markdown", id, metadata, source },
    );
  };
  for (const [i, line] of text.split("\n").entries()) {
    const m = SEPARATOR.exec(line.trim());
    if (m) {
      flush();
      current = { kind: m[1] as "markdown" | "code", tags: m[2] ? m[2].split(",") : [], lines: [] };
    } else if (current) {
      const include = current.kind === "code" ? INCLUDE.exec(line.trim()) : null;
      current.lines.push(include ? includeFile(include[1]!) : line);
    } else if (line.trim() !== "") {
      throw new Error(`${SOURCE}:${i + 1}: text before the first <!-- cell: … --> separator`);
    }
  }
  flush();
  return cells;
}

export function buildNotebook(text: string): Notebook {
  return {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: {
      kernelspec: { display_name: "TypeScript", language: "typescript", name: "tslab" },
      language_info: {
        codemirror_mode: { mode: "typescript", name: "javascript", typescript: true },
        file_extension: ".ts",
        mimetype: "text/typescript",
        name: "typescript",
        version: "5.0.4",
      },
    },
    cells: parseSource(text),
  };
}

export function renderNotebook(): string {
  return serializeNotebook(buildNotebook(readFileSync(SOURCE, "utf8")));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const rendered = renderNotebook();
  if (process.argv.includes("--check")) {
    let current = "";
    try {
      current = readFileSync(NOTEBOOK, "utf8");
    } catch {
      /* missing counts as stale */
    }
    if (current !== rendered) {
      console.error(`${NOTEBOOK} is stale: run node --import tsx scripts/notebooks/build-01.ts`);
      process.exit(1);
    }
    console.log(`${NOTEBOOK} is up to date.`);
  } else {
    writeFileSync(NOTEBOOK, rendered);
    console.log(`wrote ${NOTEBOOK}`);
  }
}
