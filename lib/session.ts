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
import { CognitoIdentityProviderClient } from "@aws-sdk/client-cognito-identity-provider";
import { ensureLocalRunning } from "./local/client/start.js";
import { readLocalEnv } from "./local/client/env-file.js";
import { startAgentChecker, tutorialAgentsIn } from "./notebook/agent-check-service.js";

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
  /** Cognito user pools (aws only: offline, Local AgentCore's built-in identity provider plays them). */
  cognito: CognitoIdentityProviderClient;
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
  // A notebook's session: its agent files' type check warms up in a worker meanwhile, checking
  // the tutorial's agents ahead as they would be written next to the notebook (its working folder).
  startAgentChecker({ ahead: tutorialAgentsIn(process.cwd()) });
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
  const env = process.env;
  // `||`, not `??`: an exported-but-empty AWS_REGION is no region.
  let region = opts.region || env.AWS_REGION || env.AWS_DEFAULT_REGION;
  // The SDK's own resolvers find the profile's region and credentials (env, ~/.aws files, SSO,
  // process, web identity, container, instance), as boto3's Session() does.
  const probe = new STSClient(opts.profile ? { profile: opts.profile } : {});
  try {
    if (!region) region = await probe.config.region().catch(() => undefined);
    if (!region) throw new Error(`No AWS region for AGENTCORE_TARGET=aws: export AWS_REGION=us-east-1 (a region where AgentCore is available), or give your profile one with \`aws configure\`.`);
    const credentials = opts.credentials ? async () => opts.credentials! : awsCredentialChain(probe.config.credentials, opts.profile);
    // Resolved now, so a missing or Local credential fails the first cell in one line, not a later one.
    refuseLocalIdentity(await credentials());
    const config = {
      region,
      credentials,
      ...(opts.profile ? { profile: opts.profile } : {}),
      ...(opts.maxAttempts ? { maxAttempts: opts.maxAttempts } : {}),
    };
    return assemble("aws", region, config, undefined, undefined);
  } finally {
    probe.destroy();
  }
}

type CredentialProvider = () => Promise<SessionCredentials & { expiration?: Date }>;

/**
 * The SDK's default chain (memoized, refreshed when expiring), shared by all the clients so an SSO
 * or role login happens once; a chain that finds nothing says how to fix it, in one line.
 */
function awsCredentialChain(chain: (o?: Record<string, unknown>) => Promise<SessionCredentials & { expiration?: Date }>, profile?: string): CredentialProvider {
  return async () => {
    try {
      return await chain();
    } catch (e) {
      const where = profile ?? process.env.AWS_PROFILE;
      const detail = firstLine((e as Error).message ?? String(e));
      throw new Error(
        `No usable AWS credentials for AGENTCORE_TARGET=aws${where ? ` (profile ${where})` : ""}: ${detail}. ` +
          `Run \`aws configure\` (or \`aws sso login --profile <p>\` and export AWS_PROFILE=<p>), then restart the kernel.`,
      );
    }
  };
}

/**
 * Local AgentCore's admin key or endpoint left in the environment (`eval "$(npm run local -- env)"`)
 * would send "aws" calls to Local AgentCore, or sign AWS calls with a key AWS never issued.
 */
function refuseLocalIdentity(credentials: SessionCredentials): void {
  const local = readLocalEnv();
  if (!local) return;
  const fromLocal =
    (local.AWS_ACCESS_KEY_ID && credentials.accessKeyId === local.AWS_ACCESS_KEY_ID) ||
    (local.AWS_ENDPOINT_URL && process.env.AWS_ENDPOINT_URL?.replace(/\/+$/, "") === local.AWS_ENDPOINT_URL.replace(/\/+$/, ""));
  if (fromLocal) {
    throw new Error(
      "AGENTCORE_TARGET=aws, but the environment holds Local AgentCore's admin identity (from `npm run local -- env`): " +
        "unset AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or open a new shell), then restart the kernel.",
    );
  }
}

function firstLine(text: string): string {
  return text.split("\n").find((l) => l.trim())?.trim().replace(/\.$/, "") ?? "";
}

function assemble(target: Target, region: string, config: Record<string, unknown>, endpoint: string | undefined, knownAccount: string | undefined): Session {
  const clients: SessionClients = {
    control: new BedrockAgentCoreControlClient(config),
    data: new BedrockAgentCoreClient(config),
    iam: new IAMClient(config),
    sts: new STSClient(config),
    ecr: new ECRClient(config),
    s3: new S3Client({ ...config, forcePathStyle: target === "local" }),
    cognito: new CognitoIdentityProviderClient(config),
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
