/**
 * `npm run cleanup`: deletes everything the ledger (`.agentcore-ledger.json` in the current folder,
 * or the folder given as the first argument) lists for the current target (AGENTCORE_TARGET).
 * Exits non-zero when a deletion failed (those entries stay in the ledger for the next run).
 */
import { cleanup } from "../lib/agentcore/cleanup.js";
import { Ledger } from "../lib/agentcore/ledger.js";
import { session } from "../lib/session.js";

const dir = process.argv[2];
const ledger = new Ledger(dir);
if (ledger.entries().length === 0) {
  console.log(`${ledger.file}: nothing recorded, nothing to clean up.`);
  process.exit(0);
}
const s = await session();
console.log(`Cleaning up ${ledger.file} on ${s.target} (${await s.accountId()}, ${s.region})`);
const report = await cleanup({ session: s, ledger });
s.close();
const failed = report.steps.filter((x) => x.outcome === "failed").length;
console.log(`${report.steps.length - failed} step(s) done, ${failed} failed${report.otherScopes ? `, ${report.otherScopes} left for another target` : ""}.`);
process.exit(failed ? 1 : 0);
