/**
 * Helpers for the notebook 01 tests: an own Local AgentCore (state folder and port of the test's
 * own, never 4599/.agentcore-local), running `npm start` as a child process, reading answers out of
 * an executed notebook, scanning for secrets, and asking Local AgentCore what it still holds.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { stripVTControlCharacters } from "node:util";
import { ListAgentRuntimesCommand, ListApiKeyCredentialProvidersCommand } from "@aws-sdk/client-bedrock-agentcore-control";
import { DescribeRepositoriesCommand } from "@aws-sdk/client-ecr";
import { ListRolesCommand } from "@aws-sdk/client-iam";
import { ListBucketsCommand } from "@aws-sdk/client-s3";
import { localPaths, stopLocal } from "../../lib/local/client/index.js";
import type { CodeCell, Notebook } from "../../lib/runner/notebook-file.js";
import { makeClients } from "../helpers/local.js";
import { freePort } from "../../lib/local/free-port.js";

export const projectRoot = fileURLToPath(new URL("../../", import.meta.url));
export const NOTEBOOK_NAME = "01-outbound-auth-api-key.ipynb";
export const NOTEBOOK_PATH = path.join(projectRoot, "notebooks", NOTEBOOK_NAME);

export interface OwnLocal {
  /** Environment for child processes: Local AgentCore's folder and port, ledger folder, no real keys. */
  env: NodeJS.ProcessEnv;
  stateDir: string;
  ledgerDir: string;
  tmp: string;
  /** Stops the Local AgentCore that the run started (by its pid file) and removes the folders. */
  stop(): Promise<void>;
}

/** Variables that would send the notebook to real AWS or a real model: never in these tests. */
const SCRUBBED = [
  "AGENTCORE_TARGET",
  "OPENAI_API_KEY",
  "OPENAI_PROVIDER",
  "OPENAI_BASE_URL",
  "AZURE_OPENAI_API_KEY",
  "AZURE_OPENAI_ENDPOINT",
  "AWS_PROFILE",
  "AWS_ACCESS_KEY_ID",
  "AWS_SECRET_ACCESS_KEY",
  "AWS_SESSION_TOKEN",
  "AWS_ENDPOINT_URL",
  "AWS_REGION",
  "AWS_DEFAULT_REGION",
  "npm_lifecycle_event",
  "FORCE_COLOR",
];

export async function ownLocal(): Promise<OwnLocal> {
  const tmp = mkdtempSync(path.join(os.tmpdir(), "nb01-test-"));
  const stateDir = path.join(tmp, "agentcore-local");
  const ledgerDir = path.join(tmp, "ledger");
  const port = await freePort();
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: "1", AGENTCORE_LOCAL_DIR: stateDir, AGENTCORE_LOCAL_PORT: String(port), AGENTCORE_LEDGER_DIR: ledgerDir };
  for (const name of SCRUBBED) delete env[name];
  return {
    env,
    stateDir,
    ledgerDir,
    tmp,
    async stop() {
      await stopLocal(localPaths(projectRoot, env));
      rmSync(tmp, { recursive: true, force: true });
    },
  };
}

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function run(file: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs = 10 * 60_000): Promise<Run> {
  return new Promise((resolve) => {
    execFile(file, args, { cwd: projectRoot, env, maxBuffer: 64 << 20, timeout: timeoutMs }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === "number" ? error.code : null) : 0;
      resolve({ code, stdout: stripVTControlCharacters(stdout), stderr: stripVTControlCharacters(stderr) });
    });
  });
}

/** `npm start` exactly as npm runs it (node --import tsx scripts/start.ts), with runner options. */
export function runStart(env: NodeJS.ProcessEnv, args: string[]): Promise<Run> {
  return run(process.execPath, ["--import", "tsx", path.join(projectRoot, "scripts", "start.ts"), ...args], env);
}

export const readNotebook = (file: string) => JSON.parse(readFileSync(file, "utf8")) as Notebook;
const joined = (v: string | string[]) => (Array.isArray(v) ? v.join("") : v);

/** Everything a reader sees in a code cell's outputs, as text (streams, text and markdown displays, errors). */
export function outputText(cell: CodeCell): string {
  return cell.outputs
    .map((o) => {
      switch (o.output_type) {
        case "stream":
          return joined(o.text);
        case "display_data":
        case "execute_result":
          return Object.entries(o.data)
            .map(([mime, v]) => (typeof v === "string" || Array.isArray(v) ? joined(v as string | string[]) : JSON.stringify(v)))
            .join("\n");
        case "error":
          return `${o.ename}: ${o.evalue}`;
      }
    })
    .join("");
}

/** The code cell whose source contains `marker` (exactly one must). */
export function cellWith(nb: Notebook, marker: string): CodeCell {
  const hits = nb.cells.filter((c): c is CodeCell => c.cell_type === "code" && joined(c.source).includes(marker));
  if (hits.length !== 1) throw new Error(`expected one code cell containing ${JSON.stringify(marker)}, found ${hits.length}`);
  return hits[0]!;
}

/** The answers the tutorial produces, read from an executed notebook. */
export function answers(nb: Notebook) {
  return {
    local: outputText(cellWith(nb, "runAgentLocally(")),
    provider: outputText(cellWith(nb, "createApiKeyCredentialProvider(")),
    launch: outputText(cellWith(nb, "agentcoreRuntime.launch(")),
    status: outputText(cellWith(nb, "waitUntilReady(")),
    hello: outputText(cellWith(nb, "display.markdown(responseText)")),
    sdk: outputText(cellWith(nb, "new InvokeAgentRuntimeCommand(")),
    cleanup: outputText(cellWith(nb, "await cleanup()")),
    remaining: outputText(cellWith(nb, "ListBucketsCommand")),
  };
}

/** Secret-shaped text: OpenAI-style keys (Local AgentCore's too), JWTs (workload tokens), AWS secret keys. */
const SECRET_SHAPES: [string, RegExp][] = [
  ["an OpenAI-style key", /\bsk-[A-Za-z0-9_-]{16,}/],
  ["a JWT", /\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/],
  ["an AWS secret access key", /(?<![A-Za-z0-9/+=])(?=[A-Za-z0-9/+]*[a-z])(?=[A-Za-z0-9/+]*[A-Z])(?=[A-Za-z0-9/+]*[0-9])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])/],
];

/** The secrets Local AgentCore gave this test's notebook user (its env file). */
export function knownSecrets(stateDir: string): string[] {
  const env = readFileSync(path.join(stateDir, "env"), "utf8");
  return [...env.matchAll(/^export AWS_SECRET_ACCESS_KEY=(.+)$/gm)].map((m) => m[1]!.trim());
}

/** What looks like, or is, a secret in `text`: a description per finding, never the secret itself. */
export function findSecrets(text: string, known: string[]): string[] {
  const found: string[] = [];
  for (const [what, shape] of SECRET_SHAPES) {
    const m = shape.exec(text);
    if (m) found.push(`${what} at offset ${m.index}: …${text.slice(Math.max(0, m.index - 40), m.index)}[secret]`);
  }
  for (const secret of known) if (text.includes(secret)) found.push("the notebook user's AWS secret access key");
  return found;
}

/** Every runtime, role, repository, API-key provider and bucket Local AgentCore holds. */
export async function localInventory(env: NodeJS.ProcessEnv): Promise<string[]> {
  const paths = localPaths(projectRoot, env);
  const values = Object.fromEntries(
    [...readFileSync(paths.envFile, "utf8").matchAll(/^export (\w+)=(.*)$/gm)].map((m) => [m[1]!, m[2]!.trim()]),
  );
  const c = makeClients(values.AWS_ENDPOINT_URL!, values.AWS_REGION!, { accessKeyId: values.AWS_ACCESS_KEY_ID!, secretAccessKey: values.AWS_SECRET_ACCESS_KEY! });
  try {
    return [
      ...((await c.control.send(new ListAgentRuntimesCommand({}))).agentRuntimes ?? []).map((r) => `runtime ${r.agentRuntimeName}`),
      ...((await c.iam.send(new ListRolesCommand({}))).Roles ?? []).map((r) => `role ${r.RoleName}`),
      ...((await c.ecr.send(new DescribeRepositoriesCommand({}))).repositories ?? []).map((r) => `repository ${r.repositoryName}`),
      ...((await c.control.send(new ListApiKeyCredentialProvidersCommand({}))).credentialProviders ?? []).map((p) => `provider ${p.name}`),
      ...((await c.s3.send(new ListBucketsCommand({}))).Buckets ?? []).map((b) => `bucket ${b.Name}`),
    ];
  } finally {
    for (const client of Object.values(c)) client.destroy();
  }
}
