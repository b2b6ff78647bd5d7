/**
 * `npm run workshop -- prepare | export | reset`: running this tutorial for a room of laptops.
 * See --help.
 */
import "../lib/doctor/quiet-warnings.js"; // first: before the AWS SDK loads
import path from "node:path";
import { createInterface } from "node:readline/promises";
import { parseArgs } from "node:util";
import { cliVersion } from "../lib/cli-version.js";
import { formatChecks } from "../lib/doctor/checks.js";
import { PROJECT_DIR } from "../lib/project-dir.js";
import { exportSite, NothingToExportError } from "../lib/workshop/export/site.js";
import { registerEnvFileSecrets } from "../lib/workshop/export/redact-notebook.js";
import { prepareWorkshop } from "../lib/workshop/prepare.js";
import { describePlan, performReset, planReset } from "../lib/workshop/reset.js";
import { localPaths } from "../lib/local/client/index.js";

const HELP = `Workshop delivery: prepare a laptop, publish the executed notebooks, reset between groups.

Usage: npm run workshop -- <command> [options]

Commands:
  prepare [--out <dir>]             everything a laptop needs, offline after npm ci: registers the
                                    Jupyter kernel, starts Local AgentCore, warms the agent dependency
                                    cache, runs the doctor, executes every notebooks/*.ipynb once
                                    (executed copies in --out, default out/; each cleaned up after)
                                    and prints a ready/not-ready checklist. Exit 0 ready, 1 not.
  export [--from <dir>] [--out <dir>]
                                    a static page per executed notebook in --from (default out/) and
                                    an index, written to --out (default site/): no network needed to
                                    view it, secrets masked. Open site/index.html.
  reset [--yes] [--out <dir>]       stop Local AgentCore and delete its state, the ledgers, the files
                                    the notebooks wrote and the executed notebooks (--out, default
                                    out/). Asks first unless --yes.

Options: -h, --help; -V, --version.

Environment:
  AGENTCORE_LOCAL_DIR    Local AgentCore's state folder (default .agentcore-local)
  AGENTCORE_LOCAL_PORT   its port on 127.0.0.1 (default 4599)
  AGENTCORE_TARGET=aws   prepare against real AWS (the notebooks create and delete real resources)
`;

const projectPath = (p: string | undefined, fallback: string) => path.resolve(process.env.INIT_CWD ?? process.cwd(), p ?? path.join(PROJECT_DIR, fallback));
const shown = (p: string) => path.relative(process.env.INIT_CWD ?? process.cwd(), p) || ".";

async function prepare(out: string | undefined): Promise<number> {
  const outDir = projectPath(out, "out");
  console.log("Preparing this laptop for the workshop.");
  const report = await prepareWorkshop({ projectDir: PROJECT_DIR, outDir, log: (line) => console.log(`  ${line}`) });
  const seconds = (report.elapsedMs / 1000).toFixed(0);
  console.log(`\nChecklist (target ${report.target}):\n${formatChecks(report.checks)}\n`);
  if (report.ready) {
    console.log(`READY in ${seconds} s. Next: npm run workshop -- export (a web page of the executed notebooks), jupyter lab notebooks/`);
    return 0;
  }
  console.log(`NOT READY (${seconds} s): fix the ✗ lines above (those marked optional may stay), then run npm run workshop -- prepare again.`);
  return 1;
}

async function exportCommand(from: string | undefined, out: string | undefined): Promise<number> {
  const fromDir = projectPath(from, "out");
  const outDir = projectPath(out, "site");
  // The notebook user's Local AgentCore secret is masked even where it does not look like one.
  registerEnvFileSecrets(localPaths(PROJECT_DIR).envFile);
  try {
    const result = await exportSite({ fromDir, outDir });
    for (const page of result.pages) {
      const status = page.status === "ok" ? "✓" : page.status === "failed" ? "✗ (stopped early)" : "·";
      console.log(`${status} ${page.notebook} → ${shown(page.page)}${page.missingImages.length ? ` (images not found: ${page.missingImages.join(", ")})` : ""}`);
    }
    console.log(`Open ${shown(result.index)} in a browser (no network needed), or share the folder: python3 -m http.server -d ${shown(outDir)}`);
    return 0;
  } catch (e) {
    if (e instanceof NothingToExportError) {
      console.error(e.message);
      return 1;
    }
    throw e;
  }
}

async function confirm(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    return /^y(es)?$/i.test((await rl.question(question)).trim());
  } finally {
    rl.close();
  }
}

async function reset(yes: boolean, out: string | undefined): Promise<number> {
  const plan = planReset(PROJECT_DIR, projectPath(out, "out"));
  const lines = describePlan(plan, PROJECT_DIR).map((l) => `  - ${l}`);
  if (!yes) {
    if (!process.stdin.isTTY) {
      console.error(`reset would delete:\n${lines.join("\n")}\nRun it with --yes to go ahead: npm run workshop -- reset --yes`);
      return 2;
    }
    console.log(`reset deletes:\n${lines.join("\n")}`);
    if (!(await confirm("Go ahead? [y/N] "))) {
      console.log("Nothing deleted.");
      return 1;
    }
  }
  const result = await performReset(plan);
  console.log(`Reset done: Local AgentCore stopped; deleted ${result.removed.map(shown).join(", ")}.`);
  for (const k of result.kept) console.log(`Kept ${shown(k.path)}: ${k.reason}`);
  console.log("Next group: npm run workshop -- prepare");
  return result.kept.length ? 1 : 0;
}

async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { out: { type: "string" }, from: { type: "string" }, yes: { type: "boolean", short: "y" }, help: { type: "boolean", short: "h" }, version: { type: "boolean", short: "V" } },
    });
  } catch (e) {
    process.stderr.write(`workshop: ${(e as Error).message}\n\n${HELP}`);
    return 2;
  }
  const { values, positionals } = parsed;
  const [command, ...extra] = positionals;
  if (values.help || command === "help") {
    process.stdout.write(HELP);
    return 0;
  }
  if (values.version) {
    process.stdout.write(cliVersion("npm run workshop"));
    return 0;
  }
  const usage = (message: string) => (process.stderr.write(`workshop: ${message}\n\n${HELP}`), 2);
  if (!command) return usage("missing command");
  if (extra.length) return usage(`unexpected argument ${extra.join(" ")}`);
  if (values.from !== undefined && command !== "export") return usage("--from is an option of export");
  if (values.yes && command !== "reset") return usage("--yes is an option of reset");
  switch (command) {
    case "prepare":
      return prepare(values.out);
    case "export":
      return exportCommand(values.from, values.out);
    case "reset":
      return reset(!!values.yes, values.out);
    default:
      return usage(`unknown command "${command}"`);
  }
}

// Child processes and sockets of the steps are done with; exit with the verdict.
process.exit(await main(process.argv.slice(2)));
