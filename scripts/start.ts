/**
 * `npm start`: the main job. Runs the tutorial notebook (01, outbound auth with an API-key
 * credential provider) headlessly, or with `--all` the whole series (every numbered notebook in
 * notebooks/): against Local AgentCore by default, which is started in the background first when
 * it is not running (it stays up for the next run; `npm run local -- stop` stops it); against AWS
 * with AGENTCORE_TARGET=aws. The executed notebooks go to out/.
 *
 * Extra arguments go to the runner: `npm start -- -p agentName=my_agent --cell-timeout 600`.
 */
import path from "node:path";
import { localVaultDigests } from "../lib/local/client/vault-digests.js";
import { localPaths, startDetached } from "../lib/local/client/index.js";
import { PROJECT_DIR } from "../lib/project-dir.js";
import { outputPathFor, parseCliArgs, runCli, UsageError } from "../lib/runner/cli.js";
import { targetFromEnv } from "../lib/session.js";
import { cliVersion } from "../lib/cli-version.js";
import { planStart, type StartPlan, startUsage, TUTORIAL_NOTEBOOK } from "./start-plan.js";

export const NOTEBOOK = path.join(PROJECT_DIR, "notebooks", TUTORIAL_NOTEBOOK);
const KERNEL_STARTUP = path.join(PROJECT_DIR, "lib", "notebook", "kernel-startup.cjs");

async function main(argv: string[]): Promise<number> {
  if (argv.length === 1 && (argv[0] === "--version" || argv[0] === "-V")) {
    process.stdout.write(cliVersion("npm start"));
    return 0;
  }
  const baseDir = process.env.INIT_CWD ?? process.cwd();
  let plan: StartPlan;
  try {
    plan = planStart(argv, { projectDir: PROJECT_DIR, baseDir });
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    if (argv.includes("--help") || argv.includes("-h")) return help();
    process.stderr.write(`error: ${e.message}\n\nnpm start -- --help explains the options.\n`);
    return 2;
  }
  const args = plan.runnerArgs;
  // The runner's own parser: its usage errors are its to report.
  let written: string;
  try {
    const parsed = parseCliArgs(args, baseDir);
    if (parsed.kind === "help") return help();
    if (parsed.kind !== "run") return runCli(args, baseDir); // --version, --list-parameters
    written = "dir" in parsed.options.output && plan.all ? `${parsed.options.output.dir}${path.sep}` : outputPathFor(parsed.options.output, plan.notebooks[0]!);
  } catch {
    return runCli(args, baseDir);
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
    console.log(`AGENTCORE_TARGET=aws: ${plan.all ? "the notebooks create (and clean" : "the notebook creates (and cleans"} up) real AWS resources in your account.`);
  }

  // The secret-leak guard learns what Local AgentCore vaults during the run.
  // The kernel's startup code, before the first cell (as in Jupyter): the agent checker warms meanwhile.
  const code = await runCli(args, baseDir, { vaultDigests: local ? localVaultDigests : undefined, require: [KERNEL_STARTUP] });
  const what = plan.all ? "Executed notebooks" : "Executed notebook";
  console.log(code === 0 ? `${what}: ${written}` : `${what} (see above for what failed or differed): ${written}`);
  return code;
}

function help(): number {
  process.stdout.write(startUsage(PROJECT_DIR));
  return 0;
}

// Cells may leave timers, sockets or child processes behind; the run is over, so exit explicitly.
process.exit(await main(process.argv.slice(2)));
