/**
 * What the runtime host needs from the rest of Local AgentCore, handed to it when it is created
 * (`createRuntimeHost`): reading a code bundle from storage, the execution role's credentials, the
 * vault's secrets for log redaction, and the server's clock, log and address. The host imports
 * none of the services behind these; it also describes the runtimes it runs with its own minimal
 * types, which the control plane's records satisfy as they are.
 */
import type { FileHandle } from "node:fs/promises";
import type { RoleSessionCredentials } from "../service.js";

/** Opens an object's file in storage (Local S3) for reading (the caller closes it); rejects with the reason when it cannot. */
export type BundleOpener = (location: { bucket: string; key: string }) => Promise<FileHandle>;

/** Whom the service assumes the execution role for, and why (the trust policy sees these as condition keys). */
export interface ExecutionRoleRequest {
  roleArn: string;
  sessionName: string;
  /** `aws:SourceAccount`: the runtime's account. */
  sourceAccount: string;
  /** `aws:SourceArn`: the runtime's ARN. */
  sourceArn: string;
  durationSeconds: number;
}

/**
 * Assumes the execution role as `bedrock-agentcore.amazonaws.com` (trust policy checked).
 * Throws an error saying why when the role cannot be assumed.
 */
export type RoleCredentialIssuer = (request: ExecutionRoleRequest) => RoleSessionCredentials;

export interface RuntimeHostDeps {
  /** The state folder: unpacked bundles, agent logs, labels of containers started from it. */
  stateDir: string;
  /** Local AgentCore's own address, which agents call back (read when an instance starts: known once the server listens). */
  endpoint(): string;
  /** One line to Local AgentCore's log (never a secret). */
  log(line: string): void;
  now(): Date;
  openBundle: BundleOpener;
  assumeExecutionRole: RoleCredentialIssuer;
  /** The current values of every vaulted secret, hidden in agent logs even when they have no recognisable shape. */
  vaultedSecrets(): string[];
}

/** The runtime an invocation addresses (what the host reads of it). */
export interface HostedRuntime {
  agentRuntimeId: string;
  region: string;
  accountId: string;
}

/** One immutable runtime version: what to run and how (what the host reads of it). */
export interface HostedVersion {
  agentRuntimeId: string;
  agentRuntimeArn: string;
  agentRuntimeVersion: string;
  artifact: {
    containerConfiguration?: { containerUri: string };
    /** `runtime` names the Node the agent runs on (`NODE_22`). */
    codeConfiguration?: { code: { s3?: { bucket: string; prefix: string } }; entryPoint: string[]; runtime?: string };
  };
  roleArn: string;
  environmentVariables?: Record<string, string>;
  /** Seconds. */
  lifecycleConfiguration: { idleRuntimeSessionTimeout: number; maxLifetime: number };
}
