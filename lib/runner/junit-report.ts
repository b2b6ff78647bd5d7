/** A JUnit XML report for CI: one test suite per notebook, one test case per code cell. */
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";
import type { Builder } from "junit-report-builder";
import type { CellReport } from "./run-notebook.js";
import { firstLine } from "./terminal-view.js";

// The package is CommonJS (`module.exports = builder`) but its types declare `export default`,
// which NodeNext reads as `.default`; requiring it sidesteps the mismatch.
const junit = createRequire(import.meta.url)("junit-report-builder") as Builder;

const seconds = (ms: number) => Math.round(ms) / 1000;

export interface JunitSuite {
  notebookName: string;
  cells: CellReport[];
  elapsedMs: number;
  /** Cells whose outputs differ from the reference (`--compare`): label -> readable diff. */
  mismatches?: Map<string, string>;
}

/** `mask` rewrites the finished XML (the secret-leak guard: test names hold cells' first source lines). */
export type XmlMask = (xml: string) => string;

export function writeJunitReport(file: string, notebookName: string, cells: CellReport[], elapsedMs: number, mask?: XmlMask): void {
  writeJunitSuites(file, [{ notebookName, cells, elapsedMs }], mask);
}

/** One file, one test suite per notebook (a run of several notebooks). */
export function writeJunitSuites(file: string, suites: JunitSuite[], mask: XmlMask = (x) => x): void {
  const builder = junit.newBuilder();
  for (const suite of suites) addSuite(builder, suite);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, mask(builder.build()));
}

function addSuite(builder: Builder, { notebookName, cells, elapsedMs, mismatches }: JunitSuite): void {
  const suite = builder.testSuite().name(notebookName).time(seconds(elapsedMs));
  for (const cell of cells) {
    const test = suite
      .testCase()
      .className(notebookName)
      .name(`${cell.label}: ${firstLine(cell.source)}`)
      .time(seconds(cell.elapsedMs));
    if (cell.stdout) test.standardOutput(cell.stdout);
    if (cell.stderr) test.standardError(cell.stderr);
    switch (cell.status) {
      case "ok":
      case "expected-error":
        break;
      case "skipped":
      case "not-run":
        test.skipped();
        break;
      default: {
        const message = cell.error ? `${cell.error.ename}: ${cell.error.evalue}` : cell.status;
        test.failure(message, cell.error?.ename ?? cell.status);
        if (cell.error) test.stacktrace(cell.error.traceback.join("\n"));
      }
    }
    const diff = mismatches?.get(cell.label);
    if (diff !== undefined && (cell.status === "ok" || cell.status === "expected-error")) {
      test.failure("the outputs differ from the reference (--compare)", "OutputMismatch");
      test.stacktrace(diff);
    }
  }
}
