/**
 * The env file in the state folder: shell-sourceable lines with Local AgentCore's endpoint, region
 * and admin identity, which the AWS CLI, boto3 and the JS SDK all read.
 */
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { PROJECT_DIR } from "../../project-dir.js";
import { localPaths, type LocalPaths } from "./paths.js";

export interface LocalEnv {
  endpoint: string;
  region: string;
  accountId: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
}

export function envText(e: LocalEnv): string {
  return [
    `# Local AgentCore (account ${e.accountId}): source this file, or eval "$(npm run -s local -- env)"`,
    `export AWS_ENDPOINT_URL=${e.endpoint}`,
    `export AWS_ACCESS_KEY_ID=${e.credentials.accessKeyId}`,
    `export AWS_SECRET_ACCESS_KEY=${e.credentials.secretAccessKey}`,
    `export AWS_REGION=${e.region}`,
    `export AWS_DEFAULT_REGION=${e.region}`,
    "",
  ].join("\n");
}

export function writeEnvFile(paths: LocalPaths, e: LocalEnv): void {
  mkdirSync(paths.stateDir, { recursive: true, mode: 0o700 });
  writeFileSync(paths.envFile, envText(e), { mode: 0o600 });
  chmodSync(paths.envFile, 0o600);
}

/** An env file's values (`AWS_ENDPOINT_URL`, …), or undefined when there is none. */
export function readEnvFile(file: string): Record<string, string> | undefined {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    return undefined;
  }
  const out: Record<string, string> = {};
  for (const line of text.split("\n")) {
    const m = /^\s*(?:export\s+)?([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line);
    if (m) out[m[1]!] = m[2]!.trim();
  }
  return out;
}

/** The project's env file values, or undefined when Local AgentCore never started. */
export function readLocalEnv(projectDir = PROJECT_DIR): Record<string, string> | undefined {
  return readEnvFile(localPaths(projectDir).envFile);
}
