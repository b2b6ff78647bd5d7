/**
 * `npm run cleanup [-- [--target local|aws] [--dry-run] [<folder>]]`: deletes everything a ledger
 * (`.agentcore-ledger.json`) lists for one target. Without a folder it cleans the ledger of the
 * folder npm was started in and the notebooks' own ledger (`notebooks/`), so a crashed tutorial run
 * is cleaned up from the project root too. One table at the end says what happened to each
 * resource. Exits non-zero when a deletion failed (those entries stay in the ledger for the next run).
 */
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { cleanup, type CleanupStep } from "../lib/agentcore/cleanup.js";
import { Ledger } from "../lib/agentcore/ledger.js";
import { PROJECT_DIR } from "../lib/project-dir.js";
import { session, targetFromEnv, type Target } from "../lib/session.js";

const USAGE = `Usage: npm run cleanup [-- [--target local|aws] [--dry-run] [<folder>]]

Deletes every resource recorded in <folder>/.agentcore-ledger.json for one target, in dependency
order: runtimes, images and repositories, role policies and roles, credential providers (API key
and OAuth2), identity provider clients (local), S3 objects and buckets. Resources that are already gone count as done; nothing that is not in the ledger is
touched, and a resource that cannot be shown to be the one the ledger recorded is kept.

  --target local   (default, or AGENTCORE_TARGET) Local AgentCore
  --target aws     your AWS account (AWS_REGION and credentials as for the notebook)
  --dry-run        list what would be deleted; delete nothing, leave the ledger as it is
  -h, --help       this text
  --version        the version of agentcore-kit

Without <folder>: $AGENTCORE_LEDGER_DIR if set, else the folder npm was started in and
${join("notebooks", ".agentcore-ledger.json")}.
Exit code: 0 when everything listed is gone (or, with --dry-run, listed), 1 when a deletion failed
or a ledger could not be read (run it again after the fix it names), 2 on a usage error.
`;

function version(): string {
  return (JSON.parse(readFileSync(join(PROJECT_DIR, "package.json"), "utf8")) as { version: string }).version;
}

/** The steps of every ledger as one table: ledger, kind, resource, outcome, detail. */
function formatTable(rows: { ledger: string; step: CleanupStep }[]): string {
  const header = ["LEDGER", "KIND", "RESOURCE", "OUTCOME", "DETAIL"];
  const cells = rows.map(({ ledger, step }) => [ledger, step.kind, step.resource, step.outcome, step.detail ?? ""]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]) => c.map((x, i) => (i === c.length - 1 ? x : x.padEnd(widths[i]!))).join("  ").trimEnd();
  return [line(header), ...cells.map(line)].join("\n");
}

async function main(argv: string[]): Promise<number> {
  let values: { target?: string; "dry-run"?: boolean; help?: boolean; version?: boolean };
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { target: { type: "string" }, "dry-run": { type: "boolean" }, help: { type: "boolean", short: "h" }, version: { type: "boolean" } },
    }));
  } catch (e) {
    process.stderr.write(`cleanup: ${(e as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (values.version) {
    process.stdout.write(`${version()}\n`);
    return 0;
  }
  if (positionals.length > 1) {
    process.stderr.write(`cleanup: one folder at most (got ${positionals.length}).\n\n${USAGE}`);
    return 2;
  }
  let target: Target;
  try {
    target = targetFromEnv(values.target !== undefined ? { AGENTCORE_TARGET: values.target } : process.env);
  } catch (e) {
    const message = values.target !== undefined ? `--target must be local or aws (got "${values.target}").` : (e as Error).message;
    process.stderr.write(`cleanup: ${message}\n\n${USAGE}`);
    return 2;
  }
  const dryRun = values["dry-run"] ?? false;

  const ledgerDir = positionals[0] ?? process.env.AGENTCORE_LEDGER_DIR;
  const folders = ledgerDir ? [resolve(ledgerDir)] : [...new Set([resolve(process.env.INIT_CWD ?? process.cwd()), join(PROJECT_DIR, "notebooks")])];
  const ledgers = folders.map((dir) => new Ledger(dir)).filter((l) => existsSync(l.file));
  if (ledgers.length === 0) {
    process.stdout.write(`Nothing recorded in ${folders.map((f) => join(f, ".agentcore-ledger.json")).join(" or ")}: nothing to clean up.\n`);
    return 0;
  }

  const s = await session({ target });
  const rows: { ledger: string; step: CleanupStep }[] = [];
  let problems = 0;
  try {
    for (const ledger of ledgers) {
      process.stdout.write(`${dryRun ? "Would clean up" : "Cleaning up"} ${ledger.file} on ${s.target} (${await s.accountId()}, ${s.region})…\n`);
      try {
        const report = await cleanup({ session: s, ledger, dryRun, log: () => {} });
        rows.push(...report.steps.map((step) => ({ ledger: ledger.file, step })));
        if (report.otherScopes) process.stdout.write(`  ${report.otherScopes} entr${report.otherScopes === 1 ? "y is" : "ies are"} for another target, account or region: run cleanup there.\n`);
      } catch (e) {
        problems++;
        process.stderr.write(`cleanup: ${(e as Error).message}\n`);
      }
    }
  } finally {
    s.close();
  }
  if (rows.length === 0) process.stdout.write(`Nothing recorded for ${s.target} (${s.region}): nothing to clean up.\n`);
  else process.stdout.write(`\n${formatTable(rows)}\n`);
  const failed = rows.filter((r) => r.step.outcome === "failed").length;
  if (!dryRun && rows.length) process.stdout.write(`\n${rows.length - failed} done, ${failed} failed.${failed ? " Run npm run cleanup again once the DETAIL above is fixed." : ""}\n`);
  if (dryRun && rows.length) process.stdout.write(`\nDry run: nothing was deleted. Run without --dry-run to delete ${rows.length === 1 ? "it" : "them"}.\n`);
  return failed || problems ? 1 : 0;
}

process.exitCode = await main(process.argv.slice(2));
