/**
 * `npm run doctor [-- --target local|aws]`: is this machine ready for the notebooks?
 * Prints one ✓/✗ line per check with a one-line fix; exits 0 only when every required check
 * for the target passes.
 */
import "../lib/doctor/quiet-warnings.js"; // first: before the AWS SDK loads
import { parseArgs } from "node:util";
import { formatChecks, passed, runChecks, targetFrom, type Target } from "../lib/doctor/checks.js";
import { cliVersion } from "../lib/cli-version.js";

const HELP = `Checks that this machine can run the notebooks.

Usage: npm run doctor [-- --target local|aws] [--json]

  --target local   (default, or AGENTCORE_TARGET) Node, dependencies, Jupyter and the tslab kernel,
                   docker/podman, and Local AgentCore's health
  --target aws     the same, then AWS region, credentials (STS GetCallerIdentity) and whether
                   Bedrock AgentCore answers in that region (a ListAgentRuntimes call)

  --json           print the checks as JSON ({ target, ready, checks: [{ name, ok, required,
                   detail, fix }] }) instead of lines
  -h, --help; -V, --version

Jupyter, the tslab kernel and a container engine are optional (the headless runner and code
deploys work without them). Exit code: 0 when every required check passes, 1 otherwise, 2 on a
usage error.
`;

function main(argv: string[]): Promise<number> | number {
  let values: { target?: string; help?: boolean; json?: boolean; version?: boolean };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: { target: { type: "string" }, json: { type: "boolean" }, help: { type: "boolean", short: "h" }, version: { type: "boolean", short: "V" } },
    }));
  } catch (e) {
    process.stderr.write(`doctor: ${(e as Error).message}\n\n${HELP}`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  if (values.version) {
    process.stdout.write(cliVersion("npm run doctor"));
    return 0;
  }
  let target: Target;
  try {
    target = targetFrom(values.target !== undefined ? { AGENTCORE_TARGET: values.target } : process.env);
  } catch (e) {
    process.stderr.write(`doctor: ${(e as Error).message}\n`);
    return 2;
  }
  return (async () => {
    if (!values.json) process.stdout.write(`Checking this machine for target "${target}"…\n`);
    const checks = await runChecks(target);
    const ok = passed(checks);
    if (values.json) {
      process.stdout.write(JSON.stringify({ target, ready: ok, checks }, null, 2) + "\n");
      return ok ? 0 : 1;
    }
    process.stdout.write(formatChecks(checks) + "\n");
    process.stdout.write(ok ? `\nReady for target "${target}".\n` : `\nNot ready for target "${target}": fix the ✗ lines above (optional ones may stay).\n`);
    return ok ? 0 : 1;
  })();
}

process.exitCode = await main(process.argv.slice(2));
