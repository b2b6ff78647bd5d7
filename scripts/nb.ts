/** `npm run nb -- <notebook.ipynb | folder>... [...]`: the headless notebook runner (see `--help`). */
import { runCli } from "../lib/runner/cli.js";
import type { VaultDigestSource } from "../lib/runner/secret-guard.js";

/**
 * Where the secret-leak guard learns vaulted secrets: Local AgentCore's vault when the cells use it.
 * The session module (and the AWS SDK behind it) load in the background while the notebook's
 * process starts, instead of before it: the guard first asks once the compiler is up.
 */
const localVault: Promise<VaultDigestSource | undefined> = (async () => {
  const { targetFromEnv } = await import("../lib/session.js");
  try {
    if (targetFromEnv() !== "local") return undefined;
  } catch {
    return undefined; // a bad AGENTCORE_TARGET is for the first cell that opens a session to report
  }
  return (await import("../lib/local/client/vault-digests.js")).localVaultDigests;
})();
localVault.catch(() => {}); // reported by the first refresh that awaits it
const vaultDigests: VaultDigestSource = async () => (await (await localVault)?.()) ?? undefined;

// npm runs scripts from the package root; resolve the user's relative paths from where they typed the command.
const baseDir = process.env.npm_lifecycle_event === "nb" && process.env.INIT_CWD ? process.env.INIT_CWD : process.cwd();
const code = await runCli(process.argv.slice(2), baseDir, { vaultDigests });
// Cells may leave timers, sockets or child processes behind; the run is over, so exit explicitly.
process.exit(code);
