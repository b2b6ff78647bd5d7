/**
 * `npm run local -- <command>`: run Local AgentCore, the offline stand-in for the AWS services the
 * notebooks use.
 */
import { envText, localPaths, localStatus, resetLocal, startDetached, stopLocal, writeEnvFile } from "../lib/local/client/index.js";
import { localEnvFromState, runForeground } from "../lib/local/server-process.js";
import { explainStartupError } from "../lib/local/startup-errors.js";
import { Store } from "../lib/local/state/store.js";
import { issueModelKey } from "../lib/local/standin-model/keys.js";
import { parseLogsArgs, printAgentLogs } from "../lib/local/runtime-host/agent-logs.js";
import { runIdpCommand } from "./local-idp.js";

const HELP = `Local AgentCore: IAM, STS, ECR, S3 and Bedrock AgentCore on your machine, for offline notebooks.

Usage: npm run local -- <command> [options]

Commands:
  start               start in the background (does nothing if already running) and print the endpoint
  start --foreground  run in this terminal, logging to stdout (Ctrl-C stops it)
  stop                stop the background server
  status              say whether it runs (exit code 0 running, 3 not running)
  env                 print shell lines for the admin identity (AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID,
                      AWS_SECRET_ACCESS_KEY, AWS_REGION); also written to <state>/env.
                      Use: eval "$(npm run -s local -- env)"   or   source .agentcore-local/env
  reset --yes         stop it and delete all its state (roles, providers, runtimes, vault, keys)
  issue-key [label]   print a new API key for the offline stand-in model (<endpoint>/_local/openai/v1);
                      it accepts only keys issued here
  logs <runtime> [--session id] [--follow]
                      print an agent runtime's output (by id, name or ARN), per session, secrets redacted
  idp <command>       the built-in identity provider's users and clients (npm run local -- idp --help)

Environment:
  AGENTCORE_LOCAL_DIR   state folder (default .agentcore-local in the project)
  AGENTCORE_LOCAL_PORT  port on 127.0.0.1 (default 4599)
`;

async function main(argv: string[]): Promise<number> {
  const args = new Set(argv.slice(1));
  const command = argv[0];
  if (command === "idp") return runIdpCommand(argv.slice(1));
  if (!command || command === "--help" || command === "-h" || command === "help" || args.has("--help")) {
    process.stdout.write(HELP);
    return command && !["--help", "-h", "help"].includes(command) && !args.has("--help") ? 2 : 0;
  }
  const paths = localPaths();

  switch (command) {
    case "start": {
      if (args.has("--foreground")) {
        const status = await localStatus(paths);
        if (status.running) {
          console.log(`Local AgentCore is already running at ${status.endpoint} (pid ${status.pid}).`);
          return 0;
        }
        const server = await runForeground(paths);
        console.log(`Local AgentCore running at ${server.endpoint} (account ${server.accountId}). Ctrl-C stops it.`);
        await new Promise(() => {}); // until a signal ends the process
        return 0;
      }
      const r = await startDetached(paths);
      if (r.alreadyRunning) console.log(`Local AgentCore is already running at ${r.endpoint} (pid ${r.pid}, account ${r.accountId}).`);
      else console.log(`Local AgentCore started at ${r.endpoint} (pid ${r.pid}, account ${r.accountId}). Log: ${paths.logFile}`);
      console.log(`Credentials for any AWS client: source ${paths.envFile}`);
      return 0;
    }
    case "stop": {
      const pid = await stopLocal(paths);
      console.log(pid ? `Local AgentCore stopped (pid ${pid}).` : "Local AgentCore is not running.");
      return 0;
    }
    case "status": {
      const s = await localStatus(paths);
      if (s.running) {
        console.log(`Local AgentCore is running at ${s.endpoint} (pid ${s.pid}, account ${s.health!.accountId}, version ${s.health!.version}). State: ${paths.stateDir}`);
        return 0;
      }
      console.log(`Local AgentCore is not running. Start it with: npm run local -- start`);
      return 3;
    }
    case "env": {
      const e = localEnvFromState(paths);
      writeEnvFile(paths, e);
      process.stdout.write(envText(e));
      return 0;
    }
    case "reset": {
      if (!args.has("--yes")) {
        console.error(`reset deletes everything in ${paths.stateDir} (roles, providers, runtimes, vault, keys). Run: npm run local -- reset --yes`);
        return 2;
      }
      await resetLocal(paths);
      console.log(`Local AgentCore stopped and ${paths.stateDir} deleted.`);
      return 0;
    }
    case "logs": {
      const opts = parseLogsArgs(argv.slice(1));
      if (!opts) {
        console.error("Usage: npm run local -- logs <runtime id, name or ARN> [--session <id>] [--follow]");
        return 2;
      }
      const found = await printAgentLogs(paths.stateDir, opts, (text) => process.stdout.write(text));
      if (!found) {
        console.error(`No agent logs for ${opts.runtime}${opts.session ? ` session ${opts.session}` : ""} in ${paths.stateDir}. Logs appear once the runtime was invoked.`);
        return 3;
      }
      return 0;
    }
    case "issue-key": {
      const label = argv[1] && !argv[1].startsWith("-") ? argv[1] : "default";
      const store = new Store(paths.stateDir);
      try {
        process.stdout.write(issueModelKey(store, label) + "\n");
      } finally {
        store.close();
      }
      return 0;
    }
    default:
      console.error(`Unknown command "${command}". Run: npm run local -- --help`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: Error) => {
    let stateDir: string | undefined;
    try {
      stateDir = localPaths().stateDir;
    } catch {
      /* the settings themselves are wrong; the message says which */
    }
    console.error(explainStartupError(e, stateDir));
    process.exit(1);
  },
);
