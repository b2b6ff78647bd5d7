/** `npm run nb -- <notebook.ipynb | folder>... [...]`: the headless notebook runner (see `--help`). */
import { localVaultDigests } from "../lib/local/client/vault-digests.js";
import { runCli } from "../lib/runner/cli.js";
import { targetFromEnv } from "../lib/session.js";

// npm runs scripts from the package root; resolve the user's relative paths from where they typed the command.
const baseDir = process.env.npm_lifecycle_event === "nb" && process.env.INIT_CWD ? process.env.INIT_CWD : process.cwd();
const code = await runCli(process.argv.slice(2), baseDir, { vaultDigests: cellsUseLocal() ? localVaultDigests : undefined });
// Cells may leave timers, sockets or child processes behind; the run is over, so exit explicitly.
process.exit(code);

/** Whether the cells will use Local AgentCore, whose vault the secret-leak guard then learns. */
function cellsUseLocal(): boolean {
  try {
    return targetFromEnv() === "local";
  } catch {
    return false; // a bad AGENTCORE_TARGET is for the first cell that opens a session to report
  }
}
