/** `npm run nb -- <notebook.ipynb | folder>... [...]`: the headless notebook runner (see `--help`). */
import { fileURLToPath } from "node:url";
import { prestartChild } from "../lib/runner/child-process.js";
import type { VaultDigestSource } from "../lib/runner/secret-guard.js";

// The cells' process starts first, and this one loads the rest of the runner meanwhile: on two
// cores the two start-ups overlap instead of following each other.
const early = prestartChild(process.argv.slice(2));
const { runCli } = await import("../lib/runner/cli.js");

/** Loaded before the first cell, as the Jupyter kernel loads it: the agent checker warms meanwhile. */
const KERNEL_STARTUP = fileURLToPath(new URL("../lib/notebook/kernel-startup.cjs", import.meta.url));

/**
 * Where the secret-leak guard learns vaulted secrets: Local AgentCore's vault when the cells use it.
 * Loaded on the guard's first question (the child asks as it starts building its compiler, see
 * run-notebook.ts), not before: this process's path to forking the child stays short, and the
 * session module (the whole AWS SDK) is not loaded here at all.
 */
let localVault: Promise<VaultDigestSource | undefined> | undefined;
const vaultDigests: VaultDigestSource = async () => {
  localVault ??= usesLocalAgentCore() ? import("../lib/local/client/vault-digests.js").then((m) => m.localVaultDigests) : Promise.resolve(undefined);
  return (await (await localVault)?.()) ?? undefined;
};

/**
 * The cells use Local AgentCore: AGENTCORE_TARGET unset, empty or "local", as lib/session.ts's
 * targetFromEnv reads it (a bad value is for the first cell that opens a session to report).
 */
function usesLocalAgentCore(env: NodeJS.ProcessEnv = process.env): boolean {
  const raw = (env.AGENTCORE_TARGET ?? "local").trim().toLowerCase();
  return raw === "" || raw === "local";
}

// npm runs scripts from the package root; resolve the user's relative paths from where they typed the command.
const baseDir = process.env.npm_lifecycle_event === "nb" && process.env.INIT_CWD ? process.env.INIT_CWD : process.cwd();
const code = await runCli(process.argv.slice(2), baseDir, { vaultDigests, require: [KERNEL_STARTUP], child: early });
// Cells may leave timers, sockets or child processes behind; the run is over, so exit explicitly.
process.exit(code);
