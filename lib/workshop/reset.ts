/**
 * `npm run workshop -- reset`: between groups, back to a clean laptop. Stops Local AgentCore and
 * deletes its state folder, the ledgers, the files the notebooks write next to themselves, and the
 * executed notebooks (`out/`). The agent dependency cache stays: it holds no one's data and keeps
 * the next `prepare` fast.
 *
 * A ledger that still lists real AWS resources is kept (deleting it would lose track of them) and
 * the reset says how to clean those up first; so is a ledger it cannot read (moved aside, never deleted).
 */
import { existsSync, readdirSync, rmSync } from "node:fs";
import { join, relative } from "node:path";
import { Ledger, LEDGER_FILE, LedgerUnreadableError } from "../agentcore/ledger.js";
import { localPaths, resetLocal, type LocalPaths } from "../local/client/index.js";

/** What the notebooks write next to themselves (`writeAgentFile`, `Runtime.configure`). */
const NOTEBOOK_RUN_FILES = [/^strands_agents_openai.*\.ts$/, /^strands_agents_calendar_.*\.ts$/, /^inbound_jwt_whoami\.ts$/, /^Dockerfile$/, /^\.dockerignore$/, /^\.agentcore\.json$/];

export interface ResetPlan {
  local: LocalPaths;
  /** Ledger files that exist. */
  ledgers: string[];
  /** Files the notebook runs left in `notebooks/`. */
  notebookFiles: string[];
  outDir: string;
}

export interface ResetResult {
  removed: string[];
  /** Kept on purpose, with the reason and what to do. */
  kept: { path: string; reason: string }[];
}

export function planReset(projectDir: string, outDir: string): ResetPlan {
  const notebooksDir = join(projectDir, "notebooks");
  // Where runs record what they create: AGENTCORE_LEDGER_DIR when set, else next to the notebooks.
  const ledgerDirs = new Set(process.env.AGENTCORE_LEDGER_DIR ? [process.env.AGENTCORE_LEDGER_DIR] : [notebooksDir, projectDir]);
  return {
    local: localPaths(projectDir),
    ledgers: [...ledgerDirs].map((d) => join(d, LEDGER_FILE)).filter((f) => existsSync(f)),
    notebookFiles: existsSync(notebooksDir)
      ? readdirSync(notebooksDir)
          .filter((f) => NOTEBOOK_RUN_FILES.some((p) => p.test(f)))
          .map((f) => join(notebooksDir, f))
      : [],
    outDir,
  };
}

/** The plan as lines for the confirmation prompt. */
export function describePlan(plan: ResetPlan, projectDir: string): string[] {
  const r = (p: string) => relative(projectDir, p) || p;
  const lines = [`Local AgentCore: stop it and delete ${r(plan.local.stateDir)}/ (roles, providers, runtimes, vault, keys, logs)`];
  if (plan.ledgers.length) lines.push(`ledgers: ${plan.ledgers.map(r).join(", ")}`);
  if (plan.notebookFiles.length) lines.push(`files the notebooks wrote: ${plan.notebookFiles.map(r).join(", ")}`);
  lines.push(`executed notebooks and logs: ${r(plan.outDir)}/`);
  return lines;
}

/**
 * Why a ledger must outlive the reset, or undefined when it may go: AWS resources it lists outlive
 * Local AgentCore's state, and a ledger that cannot be read may list anything.
 */
function reasonToKeep(ledgerFile: string): string | undefined {
  let aws: number;
  try {
    aws = new Ledger(join(ledgerFile, "..")).entries().filter((e) => e.target === "aws").length;
  } catch (e) {
    if (e instanceof LedgerUnreadableError) {
      return `it could not be read and was kept as ${e.keptAs}; look at what it lists, clean that up, then delete it yourself`;
    }
    return `it could not be read (${(e as Error).message}); look at what it lists, clean that up, then delete it yourself`;
  }
  if (aws > 0) return `it lists ${aws} AWS resource(s); delete them first: AGENTCORE_TARGET=aws npm run cleanup -- ${join(ledgerFile, "..")}`;
  return undefined;
}

export async function performReset(plan: ResetPlan): Promise<ResetResult> {
  const removed: string[] = [];
  const kept: ResetResult["kept"] = [];
  await resetLocal(plan.local);
  removed.push(plan.local.stateDir);
  for (const ledger of plan.ledgers) {
    const reason = reasonToKeep(ledger);
    if (reason) {
      kept.push({ path: ledger, reason });
      continue;
    }
    rmSync(ledger, { force: true });
    removed.push(ledger);
  }
  for (const file of plan.notebookFiles) {
    rmSync(file, { force: true });
    removed.push(file);
  }
  rmSync(plan.outDir, { recursive: true, force: true });
  removed.push(plan.outDir);
  return { removed, kept };
}
