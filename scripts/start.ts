/**
 * `npm start`: the main job. Runs the tutorial notebook (01, outbound auth with an API-key
 * credential provider) headlessly: against Local AgentCore by default, which is started in the
 * background first when it is not running (it stays up for the next run; `npm run local -- stop`
 * stops it); against AWS with AGENTCORE_TARGET=aws. The executed notebook goes to out/.
 *
 * Extra arguments go to the runner: `npm start -- -p agentName=my_agent --cell-timeout 600`.
 */
import path from "node:path";
import { localVaultDigests } from "../lib/local/client/vault-digests.js";
import { localPaths, startDetached } from "../lib/local/client/index.js";
import { PROJECT_DIR } from "../lib/project-dir.js";
import { outputPathFor, parseCliArgs, runCli, USAGE } from "../lib/runner/cli.js";
import { targetFromEnv } from "../lib/session.js";
import { cliVersion } from "../lib/cli-version.js";

export const NOTEBOOK = path.join(PROJECT_DIR, "notebooks", "01-outbound-auth-api-key.ipynb");

async function main(argv: string[]): Promise<number> {
  if (argv.length === 1 && (argv[0] === "--version" || argv[0] === "-V")) {
    process.stdout.write(cliVersion("npm start"));
    return 0;
  }
  const args = [NOTEBOOK, "--out", path.join(PROJECT_DIR, "out"), ...argv];
  // The runner's own parser: usage errors and --help are its to report.
  let written: string;
  try {
    const parsed = parseCliArgs(args, process.env.INIT_CWD ?? process.cwd());
    if (parsed.kind === "help") {
      process.stdout.write(`npm start [-- <runner options>]: runs ${path.relative(PROJECT_DIR, NOTEBOOK)}.\n\n${USAGE}`);
      return 0;
    }
    if (parsed.kind !== "run") return runCli(args, process.env.INIT_CWD ?? process.cwd()); // --version, --list-parameters
    written = outputPathFor(parsed.options.output, NOTEBOOK);
  } catch {
    return runCli(args, process.env.INIT_CWD ?? process.cwd());
  }

  const local = targetFromEnv() === "local";
  if (local) {
    const paths = localPaths();
    const started = await startDetached(paths);
    console.log(
      started.alreadyRunning
        ? `Local AgentCore is running at ${started.endpoint} (pid ${started.pid}).`
        : `Started Local AgentCore at ${started.endpoint} (pid ${started.pid}, state in ${path.relative(PROJECT_DIR, paths.stateDir) || paths.stateDir}); \`npm run local -- stop\` stops it.`,
    );
  } else {
    console.log("AGENTCORE_TARGET=aws: the notebook creates (and cleans up) real AWS resources in your account.");
  }

  // The secret-leak guard learns what Local AgentCore vaults during the run.
  const code = await runCli(args, process.env.INIT_CWD ?? process.cwd(), { vaultDigests: local ? localVaultDigests : undefined });
  console.log(code === 0 ? `Executed notebook: ${written}` : `Executed notebook (see above for what failed or differed): ${written}`);
  return code;
}

// Cells may leave timers, sockets or child processes behind; the run is over, so exit explicitly.
process.exit(await main(process.argv.slice(2)));
