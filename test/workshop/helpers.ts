/**
 * Helpers for the workshop tests: `npm run workshop` as a child process, with a Local AgentCore
 * state folder, port, ledger folder and Jupyter data folder of the test's own (never 4599, never
 * the user's kernels).
 */
import path from "node:path";
import { ownLocal, projectRoot, run, type OwnLocal, type Run } from "../notebook01/helpers.js";

export { projectRoot };

export interface Workshop extends OwnLocal {
  outDir: string;
  siteDir: string;
  workshop(args: string[]): Promise<Run>;
}

export async function ownWorkshop(): Promise<Workshop> {
  const local = await ownLocal();
  const env = { ...local.env, JUPYTER_DATA_DIR: path.join(local.tmp, "jupyter") };
  const outDir = path.join(local.tmp, "out");
  return {
    ...local,
    env,
    outDir,
    siteDir: path.join(local.tmp, "site"),
    workshop: (args) => run(process.execPath, ["--import", "tsx", path.join(projectRoot, "scripts", "workshop.ts"), ...args], env),
  };
}
