/**
 * Builds each tutorial notebook, `notebooks/<name>.ipynb`, from its readable source,
 * `scripts/notebooks/<name>.md` (markdown with `<!-- cell: … -->` separators).
 *
 *   node --import tsx scripts/notebooks/build.ts                 write every notebook
 *   node --import tsx scripts/notebooks/build.ts 03              write notebook 03 only
 *   node --import tsx scripts/notebooks/build.ts --check         exit 1 if a notebook is stale
 *
 * The .ipynb is what users open, so it is committed; the source is what we edit and review.
 * Cell ids are derived from the position and kind, so a rebuild without edits is byte-identical.
 */
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { cliVersion } from "../../lib/cli-version.js";
import { PROJECT_DIR } from "../../lib/project-dir.js";
import type { Cell, Notebook } from "../../lib/runner/notebook-file.js";
import { serializeNotebook } from "../../lib/runner/notebook-file.js";

const SOURCES_DIR = fileURLToPath(new URL(".", import.meta.url));
const NOTEBOOKS_DIR = fileURLToPath(new URL("../../notebooks/", import.meta.url));

/** The tutorial notebooks built here, by number: every `NN-*.md` source next to this script. */
export function tutorialSources(): Map<string, string> {
  const names = readdirSync(SOURCES_DIR).filter((f) => /^\d\d-.+\.md$/.test(f)).sort();
  return new Map(names.map((f) => [f.slice(0, 2), path.join(SOURCES_DIR, f)]));
}

function sourceOf(number: string): string {
  const source = tutorialSources().get(number);
  if (!source) throw new Error(`No source for notebook ${number} in ${SOURCES_DIR} (there are: ${[...tutorialSources().keys()].join(", ")}).`);
  return source;
}

/** Where notebook `number`'s build is written. */
export function notebookPath(number: string): string {
  return path.join(NOTEBOOKS_DIR, `${path.basename(sourceOf(number), ".md")}.ipynb`);
}

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
      throw new Error(`line ${i + 1}: text before the first <!-- cell: … --> separator`);
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

/** Notebook `number` ("01", "02", …) as its source and agent files build it. */
export function renderNotebook(number: string): string {
  return serializeNotebook(buildNotebook(readFileSync(sourceOf(number), "utf8")));
}

const USAGE = `Usage: node --import tsx scripts/notebooks/build.ts [NN ...] [--check]

Builds each tutorial notebook (notebooks/NN-*.ipynb) from its source (scripts/notebooks/NN-*.md and
the agent files it includes). Without numbers, every notebook.

Options:
  --check        write nothing; exit 1 if a notebook is not what its source builds
  -h, --help     show this help
  -V, --version  print the version
`;

function main(argv: string[]): number {
  let values, positionals;
  try {
    ({ values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { check: { type: "boolean" }, help: { type: "boolean", short: "h" }, version: { type: "boolean", short: "V" } },
    }));
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (values.help) return process.stdout.write(USAGE), 0;
  if (values.version) return process.stdout.write(cliVersion("build")), 0;
  const numbers = positionals.length ? positionals : [...tutorialSources().keys()];
  let stale = 0;
  for (const number of numbers) {
    let rendered: string;
    try {
      rendered = renderNotebook(number);
    } catch (e) {
      process.stderr.write(`notebook ${number}: ${(e as Error).message}\n`);
      return 2;
    }
    const target = notebookPath(number);
    if (values.check) {
      let current = "";
      try {
        current = readFileSync(target, "utf8");
      } catch {
        /* missing counts as stale */
      }
      if (current !== rendered) {
        console.error(`${target} is stale: run node --import tsx scripts/notebooks/build.ts ${number}`);
        stale++;
      } else console.log(`${target} is up to date.`);
    } else {
      writeFileSync(target, rendered);
      console.log(`wrote ${target}`);
    }
  }
  return stale ? 1 : 0;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) process.exitCode = main(process.argv.slice(2));
