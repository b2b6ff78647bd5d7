/**
 * STS AssumeRole, and the same step for the AgentCore service principal (the runtime host assumes
 * an agent's execution role with `assumeRoleAsService`). The role must exist, its trust policy must
 * allow the caller, and a role-session caller trusted only through its account also needs
 * `sts:AssumeRole` in its own policies (an explicit Deny there always refuses).
 */
import { AwsError } from "../../errors.js";
import { parsePolicyDocument } from "../../iam-policy/parse.js";
import type { IamRoleRecord } from "../../state/records.js";
import type {
  ContextValues,
  LocalServices,
  OperationHandler,
  RoleSessionCredentials,
  Shape,
} from "../../service.js";
import { parseIamArn } from "../iam/ids.js";
import { findRole } from "../iam/lookup.js";
import { userIdOf } from "./caller-identity.js";

export const AGENTCORE_SERVICE_PRINCIPAL = "bedrock-agentcore.amazonaws.com";

const MIN_DURATION = 900;
const MAX_DURATION = 43200;
const DEFAULT_DURATION = 3600;
/** AWS caps sessions assumed by a role session (role chaining) at one hour. */
const CHAINED_MAX_DURATION = 3600;
const SESSION_NAME = /^[\w+=,.@-]{2,64}$/;

const validationError = (message: string): AwsError => new AwsError("ValidationError", message, 400);

const accessDenied = (callerArn: string, roleArn: string): AwsError =>
  new AwsError("AccessDenied", `User: ${callerArn} is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`, 403);

function checkSessionName(name: string): void {
  if (!SESSION_NAME.test(name)) {
    throw validationError(
      `1 validation error detected: Value '${name}' at 'roleSessionName' failed to satisfy constraint: ` +
        `Member must satisfy regular expression pattern: [\\w+=,.@-]* and have length between 2 and 64`,
    );
  }
}

function checkDurationRange(seconds: number): void {
  if (!Number.isInteger(seconds) || seconds < MIN_DURATION) {
    throw validationError(
      `1 validation error detected: Value '${seconds}' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to ${MIN_DURATION}`,
    );
  }
  if (seconds > MAX_DURATION) {
    throw validationError(
      `1 validation error detected: Value '${seconds}' at 'durationSeconds' failed to satisfy constraint: Member must have value less than or equal to ${MAX_DURATION}`,
    );
  }
}

function checkDurationForRole(role: IamRoleRecord, seconds: number, chained: boolean): void {
  if (chained && seconds > CHAINED_MAX_DURATION) {
    throw validationError("The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.");
  }
  if (seconds > role.MaxSessionDuration) {
    throw validationError("The requested DurationSeconds exceeds the MaxSessionDuration set for this role.");
  }
}

/** The role a RoleArn names in this account, or undefined (AssumeRole then denies, as AWS does). */
function roleForArn(local: LocalServices, roleArn: string): IamRoleRecord | undefined {
  const parsed = parseIamArn(roleArn, "role");
  if (!parsed || parsed.account !== local.accountId) return undefined;
  const role = findRole(local.store, parsed.name);
  return role && role.Arn.toLowerCase() === roleArn.toLowerCase() ? role : undefined;
}

/** `aws:CurrentTime` (whole seconds, as AWS writes it) and `aws:EpochTime`. */
const timeKeys = (now: Date): ContextValues => ({
  "aws:CurrentTime": now.toISOString().replace(/\.\d{3}Z$/, "Z"),
  "aws:EpochTime": String(Math.floor(now.getTime() / 1000)),
});

function trustAllows(
  local: LocalServices,
  role: IamRoleRecord,
  caller: { AWS?: string; Service?: string },
  context: ContextValues,
): boolean {
  const trust = parsePolicyDocument(role.AssumeRolePolicyDocument, "trust");
  return local.authorizer.canAssume(trust, role.Arn, caller, context);
}

function sessionOutput(local: LocalServices, role: IamRoleRecord, sessionName: string, creds: RoleSessionCredentials): Shape {
  return {
    Credentials: {
      AccessKeyId: creds.accessKeyId,
      SecretAccessKey: creds.secretAccessKey,
      SessionToken: creds.sessionToken,
      Expiration: creds.expiration,
    },
    AssumedRoleUser: {
      AssumedRoleId: `${role.RoleId}:${sessionName}`,
      Arn: `arn:aws:sts::${local.accountId}:assumed-role/${role.RoleName}/${sessionName}`,
    },
  };
}

/** Request members Local AgentCore does not implement; refusing them beats silently ignoring them. */
const UNSUPPORTED = ["Policy", "PolicyArns", "Tags", "TransitiveTagKeys", "SerialNumber", "TokenCode", "ProvidedContexts"];

export const AssumeRole: OperationHandler = (input, ctx) => {
  const local = ctx.local;
  const roleArn: string = input.RoleArn;
  const sessionName: string = input.RoleSessionName;
  const durationSeconds: number = input.DurationSeconds ?? DEFAULT_DURATION;
  checkSessionName(sessionName);
  checkDurationRange(durationSeconds);
  for (const member of UNSUPPORTED) {
    if (input[member] !== undefined) throw validationError(`Local AgentCore does not support the AssumeRole parameter ${member}.`);
  }

  const principal = ctx.principal;
  if (principal.kind === "bearer") throw new AwsError("AccessDenied", "A bearer token cannot assume a role; sign the request with SigV4.", 403);
  const now = local.now();
  const context: ContextValues = {
    "aws:PrincipalArn": principal.kind === "admin" ? principal.arn : principal.roleArn,
    "aws:PrincipalAccount": principal.accountId,
    "aws:PrincipalType": principal.kind === "admin" ? "User" : "AssumedRole",
    "aws:userid": userIdOf(principal),
    "aws:RequestedRegion": ctx.region,
    ...timeKeys(now),
    "aws:SecureTransport": "false",
    "aws:SourceIp": "127.0.0.1",
    "sts:RoleSessionName": sessionName,
    ...(principal.kind === "admin" ? { "aws:username": principal.arn.slice(principal.arn.lastIndexOf("/") + 1) } : {}),
    ...(input.ExternalId !== undefined ? { "sts:ExternalId": input.ExternalId as string } : {}),
    ...(input.SourceIdentity !== undefined ? { "sts:SourceIdentity": input.SourceIdentity as string } : {}),
  };

  const role = roleForArn(local, roleArn);
  if (!role) throw accessDenied(principal.arn, roleArn);
  // AWS's logic: an explicit Deny in the caller's own policies always wins; a trust policy naming the
  // caller (or its role) directly suffices; one naming only the caller's account also needs the
  // caller's policies to allow sts:AssumeRole, which the authorizer's canAssume checks.
  if (local.authorizer.decide(principal, "sts:AssumeRole", role.Arn, context) === "ExplicitlyDenied") {
    throw accessDenied(principal.arn, roleArn);
  }
  if (!trustAllows(local, role, { AWS: principal.arn }, context)) throw accessDenied(principal.arn, roleArn);
  checkDurationForRole(role, durationSeconds, principal.kind === "role-session");

  const creds = local.credentials.issueRoleSession(
    { arn: role.Arn, roleId: role.RoleId, roleName: role.RoleName },
    sessionName,
    durationSeconds,
  );
  local.log(`sts AssumeRole ${principal.arn} -> ${role.Arn} session ${sessionName}`);
  return {
    ...sessionOutput(local, role, sessionName, creds),
    ...(input.SourceIdentity !== undefined ? { SourceIdentity: input.SourceIdentity } : {}),
  };
};

export interface ServiceAssumeRoleRequest {
  roleArn: string;
  sessionName: string;
  /** The account on whose behalf the service acts (`aws:SourceAccount`). */
  sourceAccount: string;
  /** The resource on whose behalf it acts, e.g. the agent runtime's ARN (`aws:SourceArn`). */
  sourceArn: string;
  durationSeconds?: number;
}

/**
 * Assumes an execution role as `bedrock-agentcore.amazonaws.com`, the way AgentCore Runtime does:
 * the role's trust policy must allow that service principal, with `aws:SourceAccount` and
 * `aws:SourceArn` in the request context for its conditions. Throws an `AccessDenied` AwsError
 * that says why otherwise.
 */
export function assumeRoleAsService(local: LocalServices, req: ServiceAssumeRoleRequest): RoleSessionCredentials {
  const durationSeconds = req.durationSeconds ?? DEFAULT_DURATION;
  checkSessionName(req.sessionName);
  checkDurationRange(durationSeconds);
  const role = roleForArn(local, req.roleArn);
  if (!role) {
    throw new AwsError("AccessDenied", `Role ${req.roleArn} cannot be assumed by ${AGENTCORE_SERVICE_PRINCIPAL}: the role does not exist.`, 403);
  }
  const now = local.now();
  const context: ContextValues = {
    "aws:SourceAccount": req.sourceAccount,
    "aws:SourceArn": req.sourceArn,
    "aws:PrincipalServiceName": AGENTCORE_SERVICE_PRINCIPAL,
    ...timeKeys(now),
    "sts:RoleSessionName": req.sessionName,
  };
  if (!trustAllows(local, role, { Service: AGENTCORE_SERVICE_PRINCIPAL }, context)) {
    throw new AwsError(
      "AccessDenied",
      `Role ${req.roleArn} cannot be assumed by ${AGENTCORE_SERVICE_PRINCIPAL}: its trust policy does not allow ` +
        `sts:AssumeRole for that service principal with aws:SourceAccount ${req.sourceAccount} and aws:SourceArn ${req.sourceArn}.`,
      403,
    );
  }
  checkDurationForRole(role, durationSeconds, false);
  local.log(`sts AssumeRole ${AGENTCORE_SERVICE_PRINCIPAL} -> ${role.Arn} session ${req.sessionName}`);
  return local.credentials.issueRoleSession({ arn: role.Arn, roleId: role.RoleId, roleName: role.RoleName }, req.sessionName, durationSeconds);
}
