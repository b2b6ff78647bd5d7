/**
 * `npm run local -- <command>`: run Local AgentCore, the offline stand-in for the AWS services the
 * notebooks use.
 */
import { parseArgs, type ParseArgsConfig } from "node:util";
import { envText, localPaths, localStatus, resetLocal, startDetached, stopLocal, writeEnvFile, type LocalPaths } from "../lib/local/client/index.js";
import { printServerLog } from "../lib/local/client/server-log.js";
import { localEnvFromState, runForeground } from "../lib/local/server-process.js";
import { explainStartupError } from "../lib/local/startup-errors.js";
import { Store } from "../lib/local/state/store.js";
import { issueModelKey } from "../lib/local/standin-model/keys.js";
import { printAgentLogs } from "../lib/local/runtime-host/agent-logs.js";
import { chooseNode, installNode, nodePathEnv, DEFAULT_CODE_RUNTIME, NODE_RUNTIME_MAJOR } from "../lib/local/node-runtime.js";
import { cliVersion } from "../lib/cli-version.js";
import { runIdpCommand } from "./local-idp.js";

const HELP = `Local AgentCore: IAM, STS, ECR, S3 and Bedrock AgentCore on your machine, for offline notebooks.

Usage: npm run local -- <command> [options]

Commands:
  start [-d|--detach]  start in the background (the default; does nothing if already running) and
                       print the endpoint
  start --foreground   run in this terminal, logging to stdout (Ctrl-C stops it)
  stop                 stop the background server
  status [--json]      whether it runs, each service it serves and the runtime host (exit code 0
                       running, 3 not running)
  env                  print shell lines for the admin identity (AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID,
                       AWS_SECRET_ACCESS_KEY, AWS_REGION); also written to <state>/env.
                       Use: eval "$(npm run -s local -- env)"   or   source .agentcore-local/env
  reset --yes          stop it and delete all its state (roles, providers, runtimes, vault, keys,
                       the cached Node)
  issue-key [label]    print a new API key for the offline stand-in model (<endpoint>/_local/openai/v1);
                       it accepts only keys issued here
  logs [-f|--follow]   print the server's log (requests, agent starts and stops, warnings)
  logs <runtime> [--session id] [-f|--follow]
                       print an agent runtime's output (by id, name or ARN), per session, secrets redacted
  node                 say which Node runs code deploys (runtime ${DEFAULT_CODE_RUNTIME} runs on Node ${NODE_RUNTIME_MAJOR[DEFAULT_CODE_RUNTIME]}, as in AWS)
  node install         fetch Node ${NODE_RUNTIME_MAJOR[DEFAULT_CODE_RUNTIME]} from the npm registry into <state>/cache/ for code deploys
  idp <command>        the built-in identity provider's users and clients (npm run local -- idp --help)

Options: -h, --help; -V, --version.

Environment:
  AGENTCORE_LOCAL_DIR     state folder (default .agentcore-local in the project)
  AGENTCORE_LOCAL_PORT    port on 127.0.0.1 (default 4599)
  ${nodePathEnv(22)}  a node 22 binary for code deploys (instead of node install's copy)
`;

type Options = NonNullable<ParseArgsConfig["options"]>;

/** Each command's own options: anything else is a usage error, never silently ignored. */
const COMMANDS: Record<string, { options: Options; positionals: number }> = {
  start: { options: { detach: { type: "boolean", short: "d" }, foreground: { type: "boolean" } }, positionals: 0 },
  stop: { options: {}, positionals: 0 },
  status: { options: { json: { type: "boolean" } }, positionals: 0 },
  env: { options: {}, positionals: 0 },
  reset: { options: { yes: { type: "boolean" } }, positionals: 0 },
  "issue-key": { options: {}, positionals: 1 },
  logs: { options: { session: { type: "string" }, follow: { type: "boolean", short: "f" } }, positionals: 1 },
  node: { options: {}, positionals: 1 },
};

class UsageError extends Error {}

function parseCommand(argv: string[]) {
  const command = argv[0]!;
  const spec = COMMANDS[command];
  if (!spec) throw new UsageError(`Unknown command "${command}".`);
  const { values, positionals } = parseArgs({
    args: argv.slice(1),
    options: { ...spec.options, help: { type: "boolean", short: "h" } },
    allowPositionals: true,
    strict: true,
  });
  if (positionals.length > spec.positionals) throw new UsageError(`"${command}" takes ${spec.positionals ? `at most ${spec.positionals} argument` : "no arguments"}, got: ${positionals.join(" ")}`);
  return { command, values: values as Record<string, string | boolean | undefined>, positionals };
}

async function main(argv: string[]): Promise<number> {
  const first = argv[0];
  if (first === "idp") return runIdpCommand(argv.slice(1));
  if (!first || first === "--help" || first === "-h" || first === "help") {
    process.stdout.write(HELP);
    return 0;
  }
  if (first === "--version" || first === "-V") {
    process.stdout.write(cliVersion("npm run local"));
    return 0;
  }
  let parsed: ReturnType<typeof parseCommand>;
  try {
    parsed = parseCommand(argv);
  } catch (e) {
    process.stderr.write(`local: ${(e as Error).message}\nRun: npm run local -- --help\n`);
    return 2;
  }
  const { command, values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const paths = localPaths();

  switch (command) {
    case "start":
      if (values.detach && values.foreground) {
        process.stderr.write("local: start takes --detach or --foreground, not both.\n");
        return 2;
      }
      return values.foreground ? startForeground(paths) : startInBackground(paths);
    case "stop": {
      const pid = await stopLocal(paths);
      console.log(pid ? `Local AgentCore stopped (pid ${pid}).` : "Local AgentCore is not running.");
      return 0;
    }
    case "status":
      return status(paths, !!values.json);
    case "env": {
      const e = localEnvFromState(paths);
      writeEnvFile(paths, e);
      process.stdout.write(envText(e));
      return 0;
    }
    case "reset": {
      if (!values.yes) {
        console.error(`reset deletes everything in ${paths.stateDir} (roles, providers, runtimes, vault, keys). Run: npm run local -- reset --yes`);
        return 2;
      }
      await resetLocal(paths);
      console.log(`Local AgentCore stopped and ${paths.stateDir} deleted.`);
      return 0;
    }
    case "logs":
      return logs(paths, positionals[0], values.session as string | undefined, !!values.follow);
    case "issue-key": {
      const store = new Store(paths.stateDir);
      try {
        process.stdout.write(issueModelKey(store, positionals[0] ?? "default") + "\n");
      } finally {
        store.close();
      }
      return 0;
    }
    case "node":
      return node(paths, positionals[0]);
  }
  return 2;
}

async function startForeground(paths: LocalPaths): Promise<number> {
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

async function startInBackground(paths: LocalPaths): Promise<number> {
  const r = await startDetached(paths);
  if (r.alreadyRunning) console.log(`Local AgentCore is already running at ${r.endpoint} (pid ${r.pid}, account ${r.accountId}).`);
  else console.log(`Local AgentCore started at ${r.endpoint} (pid ${r.pid}, account ${r.accountId}). Log: ${paths.logFile}`);
  console.log(`Credentials for any AWS client: source ${paths.envFile}`);
  return 0;
}

async function status(paths: LocalPaths, json: boolean): Promise<number> {
  const s = await localStatus(paths);
  const node = await chooseNode({ stateDir: paths.stateDir });
  const codeDeploys = { runtime: DEFAULT_CODE_RUNTIME, node: node.version, source: node.source, warning: node.warning };
  if (json) {
    const h = s.health;
    const body = s.running
      ? { running: true, endpoint: s.endpoint, pid: s.pid, accountId: h!.accountId, version: h!.version, region: h!.region, stateDir: paths.stateDir, services: h!.services ?? [], runtimeHost: { ...h!.runtimeHost, codeDeploys } }
      : { running: false, endpoint: s.endpoint, stateDir: paths.stateDir, runtimeHost: { codeDeploys } };
    process.stdout.write(JSON.stringify(body, null, 2) + "\n");
    return s.running ? 0 : 3;
  }
  if (!s.running) {
    console.log(`Local AgentCore is not running. Start it with: npm run local -- start`);
    return 3;
  }
  const h = s.health!;
  const lines = [`Local AgentCore is running at ${s.endpoint} (pid ${s.pid}, account ${h.accountId}, version ${h.version}). State: ${paths.stateDir}`];
  for (const svc of h.services ?? []) lines.push(`  ✓ ${svc.model.padEnd(26)} ${svc.operations} operations`);
  const instances = h.runtimeHost?.instances ?? 0;
  lines.push(`  ✓ ${"runtime host".padEnd(26)} ${instances} agent instance${instances === 1 ? "" : "s"}; code deploys run on Node ${node.version} (${node.source})`);
  if (node.warning) lines.push(`    ! ${node.warning}`);
  console.log(lines.join("\n"));
  return 0;
}

async function logs(paths: LocalPaths, runtime: string | undefined, session: string | undefined, follow: boolean): Promise<number> {
  const out = (text: string) => process.stdout.write(text);
  if (!runtime) {
    if (session) {
      console.error("local: --session needs a runtime: npm run local -- logs <runtime> --session <id>");
      return 2;
    }
    if (!(await printServerLog(paths.logFile, { follow }, out))) {
      console.error(`No server log in ${paths.stateDir} yet. It appears once Local AgentCore was started in the background (npm run local -- start).`);
      return 3;
    }
    return 0;
  }
  const found = await printAgentLogs(paths.stateDir, { runtime, session, follow }, out);
  if (!found) {
    console.error(`No agent logs for ${runtime}${session ? ` session ${session}` : ""} in ${paths.stateDir}. Logs appear once the runtime was invoked.`);
    return 3;
  }
  return 0;
}

async function node(paths: LocalPaths, action: string | undefined): Promise<number> {
  const major = NODE_RUNTIME_MAJOR[DEFAULT_CODE_RUNTIME]!;
  if (action === "install") {
    const got = await installNode(paths.stateDir, major, (line) => console.log(line));
    console.log(got.installed ? `Node ${got.version} installed: ${got.path}. Code deploys (${DEFAULT_CODE_RUNTIME}) now run on it.` : `Node ${got.version} is already installed: ${got.path}.`);
    return 0;
  }
  if (action !== undefined) {
    console.error(`local: unknown node action "${action}". Use: npm run local -- node [install]`);
    return 2;
  }
  const choice = await chooseNode({ stateDir: paths.stateDir });
  console.log(`Code deploys (${DEFAULT_CODE_RUNTIME}) run on Node ${choice.version} (${choice.source}): ${choice.path}`);
  if (choice.warning) console.log(`! ${choice.warning}`);
  return 0;
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
