/**
 * Builds `notebooks/04-outbound-oauth2-3lo.ipynb` from its readable source,
 * `scripts/notebooks/04-outbound-oauth2-3lo.md`, with the same format and rules as notebook 01's
 * (see build-01.ts; the agent's source is `assets/agents/strands_agents_calendar_3lo.ts`).
 *
 *   node --import tsx scripts/notebooks/build-04.ts           write the notebook
 *   node --import tsx scripts/notebooks/build-04.ts --check   exit 1 if the notebook is stale
 */
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { serializeNotebook } from "../../lib/runner/notebook-file.js";
import { buildNotebook } from "./build-01.js";

export const SOURCE = fileURLToPath(new URL("./04-outbound-oauth2-3lo.md", import.meta.url));
export const NOTEBOOK = fileURLToPath(new URL("../../notebooks/04-outbound-oauth2-3lo.ipynb", import.meta.url));

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
      console.error(`${NOTEBOOK} is stale: run node --import tsx scripts/notebooks/build-04.ts`);
      process.exit(1);
    }
    console.log(`${NOTEBOOK} is up to date.`);
  } else {
    writeFileSync(NOTEBOOK, rendered);
    console.log(`wrote ${NOTEBOOK}`);
  }
}
