/**
 * The one place that decides where the tutorial's calls go: Local AgentCore (default) or real AWS
 * (`AGENTCORE_TARGET=aws`). Everything else takes a Session and stays target-agnostic.
 */
import { BedrockAgentCoreControlClient } from "@aws-sdk/client-bedrock-agentcore-control";
import { BedrockAgentCoreClient } from "@aws-sdk/client-bedrock-agentcore";
import { IAMClient } from "@aws-sdk/client-iam";
import { STSClient, GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import { ECRClient } from "@aws-sdk/client-ecr";
import { S3Client } from "@aws-sdk/client-s3";
import { ensureLocalRunning } from "./local/lifecycle.js";

export type Target = "local" | "aws";

export interface SessionCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface SessionOptions {
  /** Overrides `AGENTCORE_TARGET`. */
  target?: Target;
  /** Overrides `AWS_REGION` (aws) or Local AgentCore's region (local). */
  region?: string;
  /** local only: an already running Local AgentCore (tests); skips `ensureLocalRunning()`. */
  endpoint?: string;
  /** With `endpoint`: the credentials to sign with (Local AgentCore's admin key). */
  credentials?: SessionCredentials;
  /** aws only: a named profile of the shared config files. */
  profile?: string;
  /** SDK retry attempts (default: the SDK's own, 3). */
  maxAttempts?: number;
}

export interface SessionClients {
  control: BedrockAgentCoreControlClient;
  data: BedrockAgentCoreClient;
  iam: IAMClient;
  sts: STSClient;
  ecr: ECRClient;
  s3: S3Client;
}

export interface Session {
  target: Target;
  region: string;
  /** Local AgentCore's endpoint; undefined for aws. */
  endpoint?: string;
  clients: SessionClients;
  /** The account the credentials belong to (STS GetCallerIdentity, cached). */
  accountId(): Promise<string>;
  /** Releases the clients' sockets. */
  close(): void;
}

export function targetFromEnv(env: NodeJS.ProcessEnv = process.env): Target {
  const raw = (env.AGENTCORE_TARGET ?? "local").trim().toLowerCase();
  if (raw === "" || raw === "local") return "local";
  if (raw === "aws") return "aws";
  throw new Error(`AGENTCORE_TARGET must be "local" or "aws" (got "${env.AGENTCORE_TARGET}"). Unset it to use Local AgentCore.`);
}

let cached: Promise<Session> | undefined;

/**
 * The session for this process. Without options the first one is cached and reused by every cell;
 * with options (tests, a second target) a new, uncached session is returned.
 */
export function session(opts?: SessionOptions): Promise<Session> {
  if (opts && Object.keys(opts).length > 0) return createSession(opts);
  cached ??= createSession({}).catch((e) => {
    cached = undefined; // a failed start is retried by the next cell
    throw e;
  });
  return cached;
}

/** Forgets the cached session (after `npm run local -- reset`, or to switch target in one process). */
export function resetSession(): void {
  const previous = cached;
  cached = undefined;
  previous?.then((s) => s.close()).catch(() => {});
}

async function createSession(opts: SessionOptions): Promise<Session> {
  const target = opts.target ?? targetFromEnv();
  if (target === "local") return localSession(opts);
  return awsSession(opts);
}

async function localSession(opts: SessionOptions): Promise<Session> {
  let endpoint = opts.endpoint;
  let credentials = opts.credentials;
  let region = opts.region;
  let knownAccount: string | undefined;
  if (!endpoint) {
    const env = await ensureLocalRunning();
    endpoint = env.endpoint;
    credentials ??= env.credentials;
    region ??= env.region;
    knownAccount = env.accountId;
  }
  if (!credentials) throw new Error("session({ endpoint }) also needs credentials (Local AgentCore's admin key).");
  region ??= "us-east-1";
  const config = { endpoint, region, credentials, ...(opts.maxAttempts ? { maxAttempts: opts.maxAttempts } : {}) };
  return assemble("local", region, config, endpoint, knownAccount);
}

async function awsSession(opts: SessionOptions): Promise<Session> {
  let region = opts.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
  if (!region) {
    // The profile's region, as boto3's Session().region_name finds it: the SDK's own resolver.
    const probe = new STSClient(opts.profile ? { profile: opts.profile } : {});
    region = await probe.config.region().catch(() => undefined);
    probe.destroy();
  }
  if (!region) throw new Error("No AWS region: set AWS_REGION (or a region in your AWS profile) for AGENTCORE_TARGET=aws.");
  const config = {
    region,
    ...(opts.credentials ? { credentials: opts.credentials } : {}),
    ...(opts.profile ? { profile: opts.profile } : {}),
    ...(opts.maxAttempts ? { maxAttempts: opts.maxAttempts } : {}),
  };
  return assemble("aws", region, config, undefined, undefined);
}

function assemble(target: Target, region: string, config: Record<string, unknown>, endpoint: string | undefined, knownAccount: string | undefined): Session {
  const clients: SessionClients = {
    control: new BedrockAgentCoreControlClient(config),
    data: new BedrockAgentCoreClient(config),
    iam: new IAMClient(config),
    sts: new STSClient(config),
    ecr: new ECRClient(config),
    s3: new S3Client({ ...config, forcePathStyle: target === "local" }),
  };
  let account: Promise<string> | undefined = knownAccount ? Promise.resolve(knownAccount) : undefined;
  return {
    target,
    region,
    endpoint,
    clients,
    accountId() {
      account ??= clients.sts.send(new GetCallerIdentityCommand({})).then((r) => {
        if (!r.Account) throw new Error("STS GetCallerIdentity returned no account");
        return r.Account;
      });
      account.catch(() => (account = undefined));
      return account;
    },
    close() {
      for (const c of Object.values(clients)) c.destroy();
    },
  };
}
