/**
 * Local AgentCore as a child process, the way users run it (`npm run local -- …`, here
 * `node --import tsx scripts/local.ts …` to skip npm), with its own state folder and port:
 * for tests that kill it (SIGKILL) or need the CLI's exit code and messages.
 */
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { checkHealth } from "../../lib/local/client/index.js";
import { PROJECT_DIR } from "../../lib/project-dir.js";
import { freePort } from "../../lib/local/free-port.js";

export { freePort };

const SCRIPT = join(PROJECT_DIR, "scripts", "local.ts");

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function cliEnv(stateDir: string, port: number): NodeJS.ProcessEnv {
  return { ...process.env, AGENTCORE_LOCAL_DIR: stateDir, AGENTCORE_LOCAL_PORT: String(port), NODE_NO_WARNINGS: "1" };
}

/** Runs the CLI to completion (killed after `timeoutMs`, which then shows as `signal`). */
export function runCli(args: string[], stateDir: string, port: number, timeoutMs = 20_000): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--import", "tsx", SCRIPT, ...args], { cwd: PROJECT_DIR, env: cliEnv(stateDir, port), stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString("utf8")));
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString("utf8")));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

export interface ChildLocal {
  endpoint: string;
  pid: number;
  accountId: string;
  admin: { accessKeyId: string; secretAccessKey: string };
  /** Resolves when the process has exited. */
  exited: Promise<void>;
  kill(signal: NodeJS.Signals): Promise<void>;
  output(): string;
}

/** `start --foreground` in a child process; resolves once it answers its health check. */
export async function startChild(stateDir: string, port: number, timeoutMs = 30_000): Promise<ChildLocal> {
  const child = spawn(process.execPath, ["--import", "tsx", SCRIPT, "start", "--foreground"], { cwd: PROJECT_DIR, env: cliEnv(stateDir, port), stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout.on("data", (c: Buffer) => (output += c.toString("utf8")));
  child.stderr.on("data", (c: Buffer) => (output += c.toString("utf8")));
  let done = false;
  const exited = new Promise<void>((resolve) => child.once("exit", () => ((done = true), resolve())));
  const endpoint = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const health = await checkHealth(endpoint, 1000);
    if (health) {
      const env = Object.fromEntries(
        readFileSync(join(stateDir, "env"), "utf8")
          .split("\n")
          .flatMap((l) => {
            const m = /^export ([A-Z_]+)=(.*)$/.exec(l);
            return m ? [[m[1]!, m[2]!]] : [];
          }),
      );
      return {
        endpoint,
        pid: child.pid!,
        accountId: health.accountId,
        admin: { accessKeyId: env.AWS_ACCESS_KEY_ID!, secretAccessKey: env.AWS_SECRET_ACCESS_KEY! },
        exited,
        async kill(signal) {
          if (!done) child.kill(signal);
          await exited;
        },
        output: () => output,
      };
    }
    if (done || Date.now() > deadline) {
      if (!done) child.kill("SIGKILL");
      throw new Error(`Local AgentCore did not start (state ${stateDir}, port ${port}):\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}
