/**
 * `npm run types`: writes the library's declarations (dist/types/, package.json "types"), which
 * notebooks type-check their cells against. `npm ci` runs it (prepare), and the kernels refresh
 * them by themselves when lib/ changes; run it by hand to see what it does or what blocks it.
 */
import { parseArgs } from "node:util";
import { cliVersion } from "../lib/cli-version.js";
import { ensureLibraryTypes, typesDir } from "../lib/notebook/library-types.js";
import { PROJECT_DIR } from "../lib/project-dir.js";

const HELP = `Writes the library's declaration files, which notebooks type-check their cells against.

Usage: npm run types [-- --quiet]

Notebooks import the library as "agentcore-kit"; its package.json "types" is dist/types/index.d.ts,
declarations written from lib/'s sources one file at a time. Up-to-date declarations are left as
they are. npm ci writes them, and the tslab kernel and the headless runner refresh them before the
first cell when a source changed, so running this by hand is only needed to see the outcome.

A source whose exported functions or constants lack explicit types cannot be declared on its own:
then the declarations point at the sources (cells still check, only slower) and each such line is
listed. npm run typecheck checks the library itself.

  --quiet          print nothing unless something needs fixing
  -h, --help; -V, --version

Exit code: 0 when the declarations are written or current, 1 when they point at the sources
(something to fix, listed), 2 on a usage error.
`;

function main(argv: string[]): number {
  let values: { quiet?: boolean; help?: boolean; version?: boolean };
  try {
    ({ values } = parseArgs({ args: argv, options: { quiet: { type: "boolean", short: "q" }, help: { type: "boolean", short: "h" }, version: { type: "boolean", short: "V" } } }));
  } catch (e) {
    process.stderr.write(`types: ${(e as Error).message}\n\n${HELP}`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  if (values.version) {
    process.stdout.write(cliVersion("npm run types"));
    return 0;
  }
  const result = ensureLibraryTypes({ projectDir: PROJECT_DIR });
  if (result.state === "sources") return 1;
  if (!values.quiet) {
    const what = result.state === "current" ? "current" : "written";
    process.stdout.write(`Library declarations ${what}: ${result.files.length} sources → ${typesDir(PROJECT_DIR)}\n`);
  }
  return 0;
}

process.exitCode = main(process.argv.slice(2));
