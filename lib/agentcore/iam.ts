/**
 * The runtime's execution role: the AgentCore trust policy, the base execution policy the starter
 * toolkit attaches to a role it creates, and the tutorial's extra "outbound_policies" (the step that
 * lets the agent read its API key). Helpers to put and list inline policies.
 */
import { createHash } from "node:crypto";
import {
  CreateRoleCommand,
  DeleteRolePolicyCommand,
  GetRoleCommand,
  ListRolePoliciesCommand,
  PutRolePolicyCommand,
  GetRolePolicyCommand,
} from "@aws-sdk/client-iam";
import { session as defaultSession } from "../session.js";
import { Ledger, scopeOf } from "./ledger.js";
import type { LibOptions } from "./identity.js";
import { errorName, isNotFound } from "./aws-errors.js";

export interface PolicyStatement {
  Sid?: string;
  Effect: "Allow" | "Deny";
  Principal?: Record<string, string | string[]>;
  Action: string | string[];
  Resource?: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

export interface PolicyDocument {
  Version: "2012-10-17";
  Statement: PolicyStatement[];
}

/** The inline policy name of the base execution policy, as the starter toolkit names it. */
export const basePolicyName = (agentName: string) => `BedrockAgentCoreRuntimeExecutionPolicy-${agentName}`;

/** The tutorial's extra inline policy name. */
export const OUTBOUND_POLICY_NAME = "outbound_policies";

/** `AmazonBedrockAgentCoreSDKRuntime-<region>-<sha256(agent)[:10]>`, the toolkit's auto-created role name. */
export function executionRoleName(region: string, agentName: string): string {
  const suffix = createHash("sha256").update(agentName).digest("hex").slice(0, 10);
  return `AmazonBedrockAgentCoreSDKRuntime-${region}-${suffix}`;
}

/** Lets the AgentCore service assume the role, for runtimes of this account and region only. */
export function agentCoreTrustPolicy(accountId: string, region: string): PolicyDocument {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "AssumeRolePolicy",
        Effect: "Allow",
        Principal: { Service: "bedrock-agentcore.amazonaws.com" },
        Action: "sts:AssumeRole",
        Condition: {
          StringEquals: { "aws:SourceAccount": accountId },
          ArnLike: { "aws:SourceArn": `arn:aws:bedrock-agentcore:${region}:${accountId}:*` },
        },
      },
    ],
  };
}

/**
 * What the toolkit's auto-created role may do: pull its image, write logs, traces and metrics, and
 * get workload access tokens. Deliberately *not* `GetResourceApiKey`: the tutorial adds that.
 */
export function baseExecutionPolicy(p: { accountId: string; region: string; agentName: string; repositoryName?: string }): PolicyDocument {
  const { accountId, region, agentName } = p;
  const statements: PolicyStatement[] = [];
  if (p.repositoryName) {
    statements.push({
      Sid: "ECRImageAccess",
      Effect: "Allow",
      Action: ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
      Resource: [`arn:aws:ecr:${region}:${accountId}:repository/${p.repositoryName}`],
    });
  }
  statements.push(
    { Sid: "ECRTokenAccess", Effect: "Allow", Action: ["ecr:GetAuthorizationToken"], Resource: "*" },
    {
      Sid: "Logs",
      Effect: "Allow",
      Action: ["logs:DescribeLogStreams", "logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
      Resource: [
        `arn:aws:logs:${region}:${accountId}:log-group:/aws/bedrock-agentcore/runtimes/*`,
        `arn:aws:logs:${region}:${accountId}:log-group:/aws/bedrock-agentcore/runtimes/*:log-stream:*`,
      ],
    },
    { Sid: "LogGroups", Effect: "Allow", Action: ["logs:DescribeLogGroups"], Resource: [`arn:aws:logs:${region}:${accountId}:log-group:*`] },
    {
      Sid: "XRay",
      Effect: "Allow",
      Action: ["xray:PutTraceSegments", "xray:PutTelemetryRecords", "xray:GetSamplingRules", "xray:GetSamplingTargets"],
      Resource: "*",
    },
    {
      Sid: "Metrics",
      Effect: "Allow",
      Action: "cloudwatch:PutMetricData",
      Resource: "*",
      Condition: { StringEquals: { "cloudwatch:namespace": "bedrock-agentcore" } },
    },
    {
      Sid: "GetAgentAccessToken",
      Effect: "Allow",
      Action: [
        "bedrock-agentcore:GetWorkloadAccessToken",
        "bedrock-agentcore:GetWorkloadAccessTokenForJWT",
        "bedrock-agentcore:GetWorkloadAccessTokenForUserId",
      ],
      Resource: [
        `arn:aws:bedrock-agentcore:${region}:${accountId}:workload-identity-directory/default`,
        `arn:aws:bedrock-agentcore:${region}:${accountId}:workload-identity-directory/default/workload-identity/${agentName}-*`,
      ],
    },
  );
  return { Version: "2012-10-17", Statement: statements };
}

/** The tutorial's "Add extra required policies" cell, verbatim. */
export function tutorialOutboundPolicy(): PolicyDocument {
  return {
    Version: "2012-10-17",
    Statement: [
      { Sid: "GetResourceAPIKey", Effect: "Allow", Action: ["bedrock-agentcore:GetResourceApiKey"], Resource: "*" },
      {
        Sid: "SecretManager",
        Effect: "Allow",
        Action: ["secretsmanager:GetSecretValue"],
        Resource: "arn:aws:secretsmanager:*:*:secret:bedrock-agentcore*",
      },
    ],
  };
}

/** `arn:aws:iam::123:role/path/name` → `name`; a bare name is returned as is. */
export function roleNameOf(roleNameOrArn: string): string {
  if (!roleNameOrArn.startsWith("arn:")) return roleNameOrArn;
  const resource = roleNameOrArn.split(":").slice(5).join(":");
  return resource.slice(resource.lastIndexOf("/") + 1);
}

export interface ExecutionRole {
  roleName: string;
  roleArn: string;
  action: "created" | "existing";
}

/**
 * Gets or creates the execution role with the AgentCore trust policy and the base execution policy.
 * A role that already exists is reused as it is (the toolkit's behaviour), not deleted and recreated.
 */
export async function createExecutionRole(
  p: { agentName: string; roleName?: string; repositoryName?: string },
  opts: LibOptions = {},
): Promise<ExecutionRole> {
  const s = opts.session ?? (await defaultSession());
  const ledger = opts.ledger ?? new Ledger();
  const log = opts.log ?? console.log;
  const scope = await scopeOf(s);
  const roleName = p.roleName ?? executionRoleName(s.region, p.agentName);
  try {
    const existing = await s.clients.iam.send(new GetRoleCommand({ RoleName: roleName }));
    log(`Execution role ${roleName} already exists: reusing it.`);
    return { roleName, roleArn: existing.Role!.Arn!, action: "existing" };
  } catch (e) {
    if (!isNotFound(e)) throw e;
  }
  const trust = agentCoreTrustPolicy(scope.accountId, s.region);
  const created = await ledger.record(scope, { kind: "iam-role", roleName }, () =>
    s.clients.iam.send(
      new CreateRoleCommand({
        RoleName: roleName,
        AssumeRolePolicyDocument: JSON.stringify(trust),
        Description: `Execution role for the AgentCore runtime ${p.agentName}`,
      }),
    ),
  );
  await putRolePolicy(roleName, basePolicyName(p.agentName), baseExecutionPolicy({ ...scope, agentName: p.agentName, repositoryName: p.repositoryName }), {
    ...opts,
    session: s,
    ledger,
    log: () => {},
  });
  log(`Created execution role ${roleName} with policy ${basePolicyName(p.agentName)}.`);
  return { roleName, roleArn: created.Role!.Arn!, action: "created" };
}

/** Puts (creates or replaces) an inline policy on a role; recorded in the ledger. */
export async function putRolePolicy(roleNameOrArn: string, policyName: string, document: PolicyDocument | string, opts: LibOptions = {}): Promise<void> {
  const s = opts.session ?? (await defaultSession());
  const ledger = opts.ledger ?? new Ledger();
  const roleName = roleNameOf(roleNameOrArn);
  const scope = await scopeOf(s);
  const text = typeof document === "string" ? document : JSON.stringify(document);
  try {
    await ledger.record(scope, { kind: "iam-role-policy", roleName, policyName }, () =>
      s.clients.iam.send(new PutRolePolicyCommand({ RoleName: roleName, PolicyName: policyName, PolicyDocument: text })),
    );
  } catch (e) {
    if (isNotFound(e)) throw new Error(`The role ${roleName} does not exist (${errorName(e)}). Create it first (createExecutionRole or configure({ autoCreateExecutionRole: true }) + launch()).`);
    throw e;
  }
  (opts.log ?? console.log)(`Put inline policy ${policyName} on role ${roleName}.`);
}

export async function listRolePolicies(roleNameOrArn: string, opts: LibOptions = {}): Promise<string[]> {
  const s = opts.session ?? (await defaultSession());
  const names: string[] = [];
  let marker: string | undefined;
  do {
    const page = await s.clients.iam.send(new ListRolePoliciesCommand({ RoleName: roleNameOf(roleNameOrArn), Marker: marker }));
    names.push(...(page.PolicyNames ?? []));
    marker = page.IsTruncated ? page.Marker : undefined;
  } while (marker);
  return names;
}

export async function getRolePolicy(roleNameOrArn: string, policyName: string, opts: LibOptions = {}): Promise<PolicyDocument> {
  const s = opts.session ?? (await defaultSession());
  const out = await s.clients.iam.send(new GetRolePolicyCommand({ RoleName: roleNameOf(roleNameOrArn), PolicyName: policyName }));
  return JSON.parse(decodeURIComponent(out.PolicyDocument!)) as PolicyDocument;
}

export async function deleteRolePolicy(roleNameOrArn: string, policyName: string, opts: LibOptions = {}): Promise<boolean> {
  const s = opts.session ?? (await defaultSession());
  try {
    await s.clients.iam.send(new DeleteRolePolicyCommand({ RoleName: roleNameOf(roleNameOrArn), PolicyName: policyName }));
    return true;
  } catch (e) {
    if (isNotFound(e)) return false;
    throw e;
  }
}
