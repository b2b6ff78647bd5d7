/**
 * A Local AgentCore of one benchmark's own: a temporary state folder and a free port (never 4599
 * or .agentcore-local), started as its own background process so its CPU and memory are its own
 * and the load generator (this process) does not share its event loop. Stopped, and its folder
 * removed, by `stop()` — and killed on exit if a bench dies before that.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BedrockAgentCoreClient } from "@aws-sdk/client-bedrock-agentcore";
import { BedrockAgentCoreControlClient } from "@aws-sdk/client-bedrock-agentcore-control";
import { IAMClient } from "@aws-sdk/client-iam";
import { S3Client } from "@aws-sdk/client-s3";
import { STSClient } from "@aws-sdk/client-sts";
import { localPaths, startDetached, stopLocal, type LocalPaths } from "../../lib/local/client/index.js";
import { PROJECT_DIR } from "../../lib/project-dir.js";
import { Store } from "../../lib/local/state/store.js";
import { issueModelKey } from "../../lib/local/standin-model/keys.js";
import { freePort } from "../../lib/local/free-port.js";

export { PROJECT_DIR };

export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface Clients {
  control: BedrockAgentCoreControlClient;
  data: BedrockAgentCoreClient;
  iam: IAMClient;
  sts: STSClient;
  s3: S3Client;
}

export interface OwnLocal {
  endpoint: string;
  region: string;
  accountId: string;
  pid: number;
  stateDir: string;
  admin: Credentials;
  /** Environment for child processes (runner, Jupyter) that should use this Local AgentCore. */
  env: NodeJS.ProcessEnv;
  clients: Clients;
  clientsFor(credentials: Credentials): Clients;
  /** A key the stand-in model accepts. */
  issueModelKey(label: string): string;
  stop(): Promise<void>;
}

/** Variables that would send a run to real AWS or a real model: never in a benchmark. */
const SCRUBBED = [
  "AGENTCORE_TARGET", "OPENAI_API_KEY", "OPENAI_PROVIDER", "OPENAI_BASE_URL", "AZURE_OPENAI_API_KEY", "AZURE_OPENAI_ENDPOINT",
  "AWS_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL", "AWS_REGION", "AWS_DEFAULT_REGION",
  "npm_lifecycle_event", "FORCE_COLOR",
];

export function makeClients(endpoint: string, region: string, credentials: Credentials, maxSockets = 64): Clients {
  const config = {
    endpoint,
    region,
    credentials: { ...credentials },
    maxAttempts: 1,
    requestHandler: { httpAgent: { keepAlive: true, maxSockets } },
  };
  return {
    control: new BedrockAgentCoreControlClient(config),
    data: new BedrockAgentCoreClient(config),
    iam: new IAMClient(config),
    sts: new STSClient(config),
    s3: new S3Client({ ...config, forcePathStyle: true }),
  };
}

const live = new Set<number>();
process.on("exit", () => {
  for (const pid of live) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      /* already gone */
    }
  }
});

function readEnv(file: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of readFileSync(file, "utf8").split("\n")) {
    const m = /^\s*(?:export\s+)?([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line);
    if (m) out[m[1]!] = m[2]!.trim();
  }
  return out;
}

export async function startOwnLocal(label: string, extraEnv: Record<string, string> = {}): Promise<OwnLocal> {
  const tmp = mkdtempSync(join(tmpdir(), `bench-${label}-`));
  const port = await freePort();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NO_COLOR: "1",
    AGENTCORE_LOCAL_DIR: join(tmp, "agentcore-local"),
    AGENTCORE_LOCAL_PORT: String(port),
    AGENTCORE_LEDGER_DIR: join(tmp, "ledger"),
    ...extraEnv,
  };
  for (const name of SCRUBBED) delete env[name];
  const paths: LocalPaths = localPaths(PROJECT_DIR, env);
  // startDetached passes process.env to the server; the bench's own settings must reach it too.
  const saved = { ...process.env };
  Object.assign(process.env, extraEnv);
  let started;
  try {
    started = await startDetached(paths, 60_000);
  } finally {
    for (const k of Object.keys(extraEnv)) if (saved[k] === undefined) delete process.env[k];
    else process.env[k] = saved[k];
  }
  if (started.alreadyRunning) throw new Error(`a Local AgentCore already served ${paths.stateDir} on port ${port}`);
  live.add(started.pid);
  const e = readEnv(paths.envFile);
  const admin = { accessKeyId: e.AWS_ACCESS_KEY_ID!, secretAccessKey: e.AWS_SECRET_ACCESS_KEY! };
  const region = e.AWS_REGION ?? paths.region;
  const made: Clients[] = [];
  const clientsFor = (c: Credentials) => {
    const clients = makeClients(started.endpoint, region, c);
    made.push(clients);
    return clients;
  };
  return {
    endpoint: started.endpoint,
    region,
    accountId: started.accountId,
    pid: started.pid,
    stateDir: paths.stateDir,
    admin,
    env,
    clients: clientsFor(admin),
    clientsFor,
    issueModelKey(keyLabel) {
      const store = new Store(paths.stateDir);
      try {
        return issueModelKey(store, keyLabel);
      } finally {
        store.close();
      }
    },
    async stop() {
      for (const c of made) for (const client of Object.values(c)) client.destroy();
      await stopLocal(paths);
      live.delete(started.pid);
      rmSync(tmp, { recursive: true, force: true });
    },
  };
}
