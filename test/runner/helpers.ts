/** Shared test helpers: run the `nb` CLI as a child process, read and validate executed notebooks. */
import { execFile } from "node:child_process";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after } from "node:test";
import { fileURLToPath } from "node:url";
import { stripVTControlCharacters } from "node:util";
import { Ajv } from "ajv";
import type { Cell, CodeCell, Notebook, Output } from "../../lib/runner/notebook-file.js";

export const projectRoot = fileURLToPath(new URL("../../", import.meta.url));
export const fixture = (name: string) => path.join(projectRoot, "test", "fixtures", name);

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `scripts/nb.ts` exactly as `npm run nb` does (node --require early-child.cjs --import tsx), in a child process. */
export function runNb(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ["--require", path.join(projectRoot, "lib", "runner", "early-child.cjs"), "--import", "tsx", path.join(projectRoot, "scripts", "nb.ts"), ...args],
      { cwd: projectRoot, env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: undefined, npm_lifecycle_event: undefined, ...env }, maxBuffer: 16 << 20 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : null) : 0;
        resolve({ code, stdout: stripVTControlCharacters(stdout), stderr: stripVTControlCharacters(stderr) });
      },
    );
  });
}

export const tempDir = (prefix = "nb-test-") => mkdtemp(path.join(os.tmpdir(), prefix));

/**
 * A new folder under the project's out/ (git-ignored), so cells there resolve @types/node as
 * notebooks/ does; removed after this file's tests, with the working directory put back.
 */
export async function projectTempDir(prefix: string): Promise<string> {
  mkdirSync(path.join(projectRoot, "out"), { recursive: true });
  const dir = await mkdtemp(path.join(projectRoot, "out", prefix));
  const home = process.cwd();
  after(async () => {
    process.chdir(home);
    await rm(dir, { recursive: true, force: true });
  });
  return dir;
}

export function readExecuted(outDir: string, name: string): Notebook {
  return JSON.parse(readFileSync(path.join(outDir, name), "utf8")) as Notebook;
}

export const codeCells = (nb: Notebook) => nb.cells.filter((c): c is CodeCell => c.cell_type === "code");
export const text = (v: string | string[]) => (Array.isArray(v) ? v.join("") : v);
export const sourceOf = (c: Cell) => text(c.source);

export function streamOf(cell: CodeCell, name: "stdout" | "stderr"): string {
  return cell.outputs
    .filter((o): o is Extract<Output, { output_type: "stream" }> => o.output_type === "stream" && o.name === name)
    .map((o) => text(o.text))
    .join("");
}

export const errorOf = (cell: CodeCell) => cell.outputs.find((o) => o.output_type === "error") as Extract<Output, { output_type: "error" }> | undefined;

/** Debian's python3-nbformat ships the official schema; CI installs it (.ci/run). */
export const NBFORMAT_SCHEMA = "/usr/lib/python3/dist-packages/nbformat/v4/nbformat.v4.schema.json";

/**
 * Validates against the nbformat 4 schema. The schema declares draft-04, which Ajv 8 does not
 * load ("no schema with key or ref"), but it uses no draft-04-only keyword (no `id`, no boolean
 * exclusiveMinimum/Maximum), so it validates identically once the `$schema` line is dropped.
 */
export function nbformatValidator(): ((nb: unknown) => string[]) | undefined {
  if (!existsSync(NBFORMAT_SCHEMA)) return undefined;
  const { $schema: _draft04, ...schema } = JSON.parse(readFileSync(NBFORMAT_SCHEMA, "utf8")) as Record<string, unknown>;
  const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);
  return (nb) => (validate(nb) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`));
}

/** A TypeScript (tslab) notebook of code cells, as JSON text. */
export function codeNotebook(cells: string[]): string {
  return JSON.stringify({
    cells: cells.map((source, i) => ({ cell_type: "code", id: `c${i}`, metadata: {}, execution_count: null, outputs: [], source })),
    metadata: { kernelspec: { name: "tslab", display_name: "TypeScript", language: "typescript" }, language_info: { name: "typescript" } },
    nbformat: 4,
    nbformat_minor: 5,
  });
}
