/**
 * `npm run check:agents`: type-checks the tutorial's agents as the notebooks write them and
 * records each check, so that `writeAgentFile` in a notebook is answered from the record while
 * nothing the check depends on has changed. `npm ci` runs it (prepare).
 */
import { relative, resolve } from "node:path";
import { parseArgs } from "node:util";
import { cliVersion } from "../lib/cli-version.js";
import { checkAgentTextAhead, checkRecordsDir, parseStats } from "../lib/notebook/agent-check.js";
import { tutorialAgentsIn } from "../lib/notebook/agent-check-service.js";
import { PROJECT_DIR } from "../lib/project-dir.js";

const HELP = `Type-checks the tutorial's agents as the notebooks write them, and records the checks.

Usage: npm run check:agents [-- [folder ...] [--quiet]]

The notebooks write the agents in assets/agents/ next to themselves with writeAgentFile, which
type-checks each file (about 3 s: a thousand declaration files of the packages the agents import).
This checks them ahead, as they would be written in each folder (default: notebooks/), and keeps
each result with everything it depends on (every file's hash, every import's resolution, the
compiler options, TypeScript's version) in node_modules/.cache/agent-check/records. A notebook's
writeAgentFile of the same text is then answered from the record in a few hundred milliseconds; any
difference and it checks in full (and records that check). npm ci runs this.

  folder           where the notebooks that write the agents are (default: notebooks)
  --quiet          print nothing unless an agent has type errors
  -h, --help; -V, --version

AGENTCORE_AGENT_CHECK_RECORDS=<folder> keeps the records elsewhere; =0 turns them off.
Exit code: 0 when the agents have no type errors, 1 when one has (listed), 2 on a usage error.
`;

function main(argv: string[]): number {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { quiet: { type: "boolean", short: "q" }, help: { type: "boolean", short: "h" }, version: { type: "boolean", short: "V" } },
    });
  } catch (e) {
    process.stderr.write(`check:agents: ${(e as Error).message}\n\n${HELP}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  if (values.version) {
    process.stdout.write(cliVersion("npm run check:agents"));
    return 0;
  }
  const folders = positionals.length > 0 ? positionals.map((f) => resolve(f)) : [resolve(PROJECT_DIR, "notebooks")];
  let failed = false;
  for (const { file, text } of folders.flatMap((dir) => tutorialAgentsIn(dir))) {
    const started = Date.now();
    const recordedBefore = parseStats.recorded;
    const errors = checkAgentTextAhead(file, text);
    const shown = relative(process.cwd(), file) || file;
    if (errors.length > 0) {
      failed = true;
      process.stderr.write(`${shown}: ${errors.length} type error(s)\n`);
      for (const e of errors) process.stderr.write(`  ${shown}:${e.line}:${e.column} - error TS${e.code}: ${e.message}\n`);
    } else if (!values.quiet) {
      const how = parseStats.recorded > recordedBefore ? "already recorded" : checkRecordsDir() ? "checked, recorded" : "checked";
      process.stdout.write(`✓ ${shown}: no type errors (${how}, ${((Date.now() - started) / 1000).toFixed(1)} s)\n`);
    }
  }
  return failed ? 1 : 0;
}

process.exitCode = main(process.argv.slice(2));
