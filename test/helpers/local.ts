/**
 * Starts a Local AgentCore for one test file: a temporary state folder, a random port, and the
 * real AWS SDK v3 clients pointed at it (configured with nothing but endpoint, region and
 * credentials; `maxAttempts: 1` so an error is seen once, not retried).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { IAMClient } from "@aws-sdk/client-iam";
import { STSClient } from "@aws-sdk/client-sts";
import { ECRClient } from "@aws-sdk/client-ecr";
import { S3Client } from "@aws-sdk/client-s3";
import { BedrockAgentCoreControlClient } from "@aws-sdk/client-bedrock-agentcore-control";
import { BedrockAgentCoreClient } from "@aws-sdk/client-bedrock-agentcore";
import { startLocalServer, type LocalServer, type LocalServerOptions } from "../../lib/local/http/server.js";

export interface TestCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface TestClients {
  iam: IAMClient;
  sts: STSClient;
  ecr: ECRClient;
  s3: S3Client;
  control: BedrockAgentCoreControlClient;
  data: BedrockAgentCoreClient;
}

export interface TestLocal {
  server: LocalServer;
  stateDir: string;
  endpoint: string;
  region: string;
  accountId: string;
  admin: { accessKeyId: string; secretAccessKey: string };
  /** Clients signed with the admin key. */
  clients: TestClients;
  /** Clients signed with other credentials (e.g. a role session from AssumeRole). */
  clientsFor(credentials: TestCredentials): TestClients;
  /** Closes the server and removes the state folder (unless `keepState`). */
  stop(): Promise<void>;
}

export interface TestLocalOptions {
  /** Reuse a state folder (e.g. to test a restart); it is then not removed by stop(). */
  stateDir?: string;
  region?: string;
  /** Print the server log (for debugging a test). */
  verbose?: boolean;
  /** Operation handlers to serve instead of Local AgentCore's own (for protocol tests); see LocalServerOptions. */
  services?: LocalServerOptions["services"];
  /** Receives every server log line. */
  log?: (line: string) => void;
}

export function makeClients(endpoint: string, region: string, credentials: TestCredentials): TestClients {
  // A copy per client: the SDK annotates the credentials object it is given.
  const config = { endpoint, region, credentials: { ...credentials }, maxAttempts: 1 };
  return {
    iam: new IAMClient(config),
    sts: new STSClient(config),
    ecr: new ECRClient(config),
    s3: new S3Client({ ...config, forcePathStyle: true }),
    control: new BedrockAgentCoreControlClient(config),
    data: new BedrockAgentCoreClient(config),
  };
}

function destroyClients(c: TestClients) {
  for (const client of Object.values(c)) client.destroy();
}

export async function startTestLocal(opts: TestLocalOptions = {}): Promise<TestLocal> {
  const ownDir = !opts.stateDir;
  const stateDir = opts.stateDir ?? mkdtempSync(join(tmpdir(), "agentcore-local-test-"));
  const region = opts.region ?? "us-east-1";
  const server = await startLocalServer({
    stateDir,
    port: 0,
    region,
    services: opts.services,
    log: (line) => {
      opts.log?.(line);
      if (opts.verbose) console.error(`[local] ${line}`);
    },
  });
  const made: TestClients[] = [];
  const clientsFor = (credentials: TestCredentials) => {
    const c = makeClients(server.endpoint, region, credentials);
    made.push(c);
    return c;
  };
  return {
    server,
    stateDir,
    endpoint: server.endpoint,
    region,
    accountId: server.accountId,
    admin: server.admin,
    clients: clientsFor(server.admin),
    clientsFor,
    async stop() {
      made.forEach(destroyClients);
      await server.close();
      if (ownDir) rmSync(stateDir, { recursive: true, force: true });
    },
  };
}
