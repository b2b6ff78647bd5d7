/**
 * `npm run cleanup [-- <folder>]`: deletes everything a ledger (`.agentcore-ledger.json`) lists for
 * the current target (AGENTCORE_TARGET). Without a folder it cleans the ledger of the folder npm was
 * started in and the notebooks' own ledger (`notebooks/`), so a crashed tutorial run is cleaned up
 * from the project root too. Exits non-zero when a deletion failed (those entries stay in the ledger
 * for the next run).
 */
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { cleanup } from "../lib/agentcore/cleanup.js";
import { Ledger } from "../lib/agentcore/ledger.js";
import { PROJECT_DIR } from "../lib/project-dir.js";
import { session } from "../lib/session.js";

const USAGE = `Usage: npm run cleanup [-- <folder>]

Deletes every resource recorded in <folder>/.agentcore-ledger.json for the current target
(AGENTCORE_TARGET=local, the default, or aws), in dependency order: runtimes, images and
repositories, role policies and roles, credential providers, S3 objects and buckets. Resources
that are already gone count as done; nothing that is not in the ledger is touched.

Without <folder>: $AGENTCORE_LEDGER_DIR if set, else the folder npm was started in and
${join("notebooks", ".agentcore-ledger.json")}.
Exit code: 0 when everything listed is gone, 1 when a deletion failed (run it again), 2 usage.`;

const args = process.argv.slice(2);
if (args.includes("--help") || args.includes("-h")) {
  console.log(USAGE);
  process.exit(0);
}
if (args.length > 1 || args.some((a) => a.startsWith("-"))) {
  console.error(USAGE);
  process.exit(2);
}

const ledgerDir = args[0] ?? process.env.AGENTCORE_LEDGER_DIR;
const folders = ledgerDir
  ? [resolve(ledgerDir)]
  : [...new Set([resolve(process.env.INIT_CWD ?? process.cwd()), join(PROJECT_DIR, "notebooks")])];
const ledgers = folders.map((dir) => new Ledger(dir)).filter((l) => existsSync(l.file) && l.entries().length > 0);
if (ledgers.length === 0) {
  console.log(`Nothing recorded in ${folders.map((f) => join(f, ".agentcore-ledger.json")).join(" or ")}: nothing to clean up.`);
  process.exit(0);
}

const s = await session();
let failed = 0;
for (const ledger of ledgers) {
  console.log(`Cleaning up ${ledger.file} on ${s.target} (${await s.accountId()}, ${s.region})`);
  const report = await cleanup({ session: s, ledger });
  const bad = report.steps.filter((x) => x.outcome === "failed").length;
  failed += bad;
  console.log(`${report.steps.length - bad} step(s) done, ${bad} failed${report.otherScopes ? `, ${report.otherScopes} left for another target` : ""}.`);
}
s.close();
process.exit(failed ? 1 : 0);
