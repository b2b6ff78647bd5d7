/**
 * The contract between Local AgentCore's server (protocols, SigV4, routing) and the services
 * (IAM, STS, Identity, runtime control plane, ECR, S3, data plane).
 *
 * A service is a set of operation handlers for one AWS service model (`lib/local/models/<model>.json`).
 * The protocol layer has already verified the signature, parsed the request into the operation's
 * input shape (keys are the model's member names, e.g. `RoleName`, `agentRuntimeName`) and validated
 * it against the model (required, types, lengths, patterns, enums). A handler returns the output
 * shape (member names again; `Date` for timestamps, `Buffer` for blobs, a `Readable` for a streaming
 * payload) and the protocol layer serializes it for the wire. Errors are thrown as `AwsError`.
 */
import type { Readable } from "node:stream";
import type { Store } from "./state/store.js";

export type ModelName = "bedrock-agentcore-control" | "bedrock-agentcore" | "iam" | "sts" | "ecr" | "s3";

/** Input and output shapes are plain objects keyed by model member names. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Shape = Record<string, any>;

export type OperationHandler = (input: Shape, ctx: RequestContext) => Shape | void | Promise<Shape | void>;

export interface ServiceImpl {
  model: ModelName;
  operations: Record<string, OperationHandler>;
}

/** The administrator identity Local AgentCore creates on first start: allowed everything. */
export interface AdminPrincipal {
  kind: "admin";
  accountId: string;
  /** `arn:aws:iam::<account>:user/agentcore-local-admin` */
  arn: string;
  userId: string;
  accessKeyId: string;
}

/** A session of an assumed role (STS AssumeRole, or the runtime host's execution role). */
export interface RoleSessionPrincipal {
  kind: "role-session";
  accountId: string;
  /** `arn:aws:sts::<account>:assumed-role/<RoleName>/<SessionName>` */
  arn: string;
  roleArn: string;
  roleName: string;
  roleId: string;
  sessionName: string;
  accessKeyId: string;
  /** Epoch milliseconds. */
  expiresAt: number;
}

/**
 * A caller with no AWS identity: an InvokeAgentRuntime sent with `Authorization: Bearer <jwt>` to a
 * runtime whose JWT authorizer decides instead of IAM. IAM allows it nothing.
 */
export interface BearerPrincipal {
  kind: "bearer";
  accountId: string;
  /** Not an IAM ARN: what logs and denial messages show. */
  arn: "anonymous (JWT bearer token)";
  /** The raw token, for the runtime's JWT authorizer (never logged). */
  token: string;
}

export type Principal = AdminPrincipal | RoleSessionPrincipal | BearerPrincipal;

export interface RoleSessionCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  expiration: Date;
}

export interface CredentialIssuer {
  readonly admin: { accessKeyId: string; secretAccessKey: string };
  /** Issues temporary `ASIA…` credentials for a role (call only after the trust policy allowed it). */
  issueRoleSession(
    role: { arn: string; roleId: string; roleName: string },
    sessionName: string,
    durationSeconds: number,
  ): RoleSessionCredentials;
  /** The secret and principal behind an access key (for SigV4), or why there is none. */
  resolve(
    accessKeyId: string,
    sessionToken: string | undefined,
  ): { secretAccessKey: string; principal: Principal } | { error: "unknown" | "expired" | "bad-token" };
}

export type Decision = "Allowed" | "ExplicitlyDenied" | "ImplicitlyDenied";

/** A parsed IAM policy document (identity policy or trust policy). */
export interface PolicyDocument {
  Version?: string;
  Id?: string;
  Statement: PolicyStatement | PolicyStatement[];
}

export interface PolicyStatement {
  Sid?: string;
  Effect: "Allow" | "Deny";
  Principal?: "*" | Record<string, string | string[]>;
  NotPrincipal?: "*" | Record<string, string | string[]>;
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: string | string[];
  NotResource?: string | string[];
  Condition?: Record<string, Record<string, string | string[] | boolean | number | (string | boolean | number)[]>>;
}

export type ContextValues = Record<string, string | string[]>;

export interface Authorizer {
  /**
   * The decision for one action on one resource ARN. The admin is always Allowed. `context` may be
   * a function, called only when a decision is evaluated rather than taken from the cache.
   */
  decide(principal: Principal, action: string, resource: string, context?: ContextValues | (() => ContextValues)): Decision;
  /**
   * Whether a trust policy lets `caller` perform `sts:AssumeRole` on the role.
   * caller: `{ AWS: <principal arn> }` or `{ Service: "bedrock-agentcore.amazonaws.com" }`.
   */
  canAssume(
    trustPolicy: PolicyDocument,
    roleArn: string,
    caller: { AWS?: string; Service?: string },
    context?: ContextValues,
  ): boolean;
}

/** The token vault: secrets encrypted at rest (AES-256-GCM), addressed by their secret ARN. */
export interface Vault {
  /** Encrypts and stores (call inside the request's store transaction). */
  put(secretArn: string, plaintext: string): void;
  get(secretArn: string): string | undefined;
  delete(secretArn: string): void;
}

/** The singletons every handler can reach. */
export interface LocalServices {
  store: Store;
  stateDir: string;
  accountId: string;
  /** Default region (requests carry their own in the SigV4 scope). */
  region: string;
  /** `http://127.0.0.1:<port>` */
  endpoint: string;
  credentials: CredentialIssuer;
  authorizer: Authorizer;
  vault: Vault;
  /** One line to Local AgentCore's log (never pass a secret). */
  log(line: string): void;
  now(): Date;
}

export interface RequestContext {
  requestId: string;
  /** The region of the request's SigV4 credential scope. */
  region: string;
  accountId: string;
  principal: Principal;
  model: ModelName;
  operation: string;
  local: LocalServices;
  /** Request headers, lower-cased names. */
  headers: Record<string, string | string[] | undefined>;
  /**
   * Throws the service's access-denied error (AWS's message: `User: <arn> is not authorized to
   * perform: <action> on resource: <arn> because no identity-based policy allows the <action>
   * action`, or `... with an explicit deny in an identity-based policy`) unless the principal may
   * perform `action` on every one of `resources`.
   */
  authorize(action: string, resources: string | string[], context?: ContextValues): void;
  /** Aborted when the client goes away. */
  signal: AbortSignal;
}

/** A streaming payload member value (S3 GetObject Body, InvokeAgentRuntime response). */
export type StreamingBody = Readable;
