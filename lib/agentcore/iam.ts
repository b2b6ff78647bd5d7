/**
 * The runtime's execution role: the AgentCore trust policy, the base execution policy the starter
 * toolkit attaches to a role it creates, and the tutorial's extra "outbound_policies" (the step that
 * lets the agent read its API key). Helpers to put and list inline policies.
 */
import { createHash } from "node:crypto";
import {
  CreateRoleCommand,
  DeleteRolePolicyCommand,
  ListRolePoliciesCommand,
  PutRolePolicyCommand,
  GetRolePolicyCommand,
} from "@aws-sdk/client-iam";
import { session as defaultSession, type Session } from "../session.js";
import { Ledger, scopeOf } from "./ledger.js";
import type { LibOptions } from "./identity.js";
import { isNotFound } from "./aws-errors.js";
import { ForeignResourceError, getRole, iamLedgerTags, isOurRole, LEDGER_TAG, roleLedgerId } from "./ownership.js";

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

/**
 * `AgentCoreKitRuntime-<region>-<sha256(agent)[:10]>`: the role this library creates. A name of its
 * own: the Python toolkit's `AmazonBedrockAgentCoreSDKRuntime-…` role belongs to the Python
 * tutorial, and must be neither reused, changed nor deleted by this one.
 */
export function executionRoleName(region: string, agentName: string): string {
  const suffix = createHash("sha256").update(agentName).digest("hex").slice(0, 10);
  return `AgentCoreKitRuntime-${region}-${suffix}`;
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
 * A role named by the caller is used as it is. The default name is reused only when this ledger
 * created that role (its tag names the ledger entry); someone else's role of that name is refused.
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
  const existing = await getRole(s, roleName);
  if (existing) {
    const ours = isOurRole(existing, ledger.find(scope, { kind: "iam-role", roleName }));
    if (!ours && !p.roleName) {
      throw new ForeignResourceError(
        `An IAM role named ${roleName} already exists and was not created by this notebook (${ledger.file} does not list it with its tag ${LEDGER_TAG}), so it is left untouched. ` +
          `Use it as it is with configure({ executionRole: "${existing.Arn}" }), or delete it if it is left over from an earlier run whose ledger is gone, then launch again.`,
      );
    }
    log(`Execution role ${roleName} already exists: reusing it${ours ? "" : " as it is"}.`);
    return { roleName, roleArn: existing.Arn!, action: "existing" };
  }
  const trust = agentCoreTrustPolicy(scope.accountId, s.region);
  const created = await ledger.record(
    scope,
    { kind: "iam-role", roleName },
    (entry) =>
      s.clients.iam.send(
        new CreateRoleCommand({
          RoleName: roleName,
          AssumeRolePolicyDocument: JSON.stringify(trust),
          Description: `Execution role for the AgentCore runtime ${p.agentName}`,
          Tags: iamLedgerTags(entry),
        }),
      ),
    {
      // The first attempt created it and its answer was lost: the role carries this entry's tag.
      adopt: async (entry) => {
        const role = await getRole(s, roleName);
        return role && roleLedgerId(role) === entry.id ? { Role: role, $metadata: {} } : undefined;
      },
    },
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

export interface PutRolePolicyOptions extends LibOptions {
  /** Overwrite an inline policy of that name on a role this library did not create (it stays unrecorded: cleanup leaves it). */
  replaceExisting?: boolean;
}

/**
 * Puts an inline policy on a role; recorded in the ledger when this library created it. On a role
 * someone else made, a policy of that name that already says something else is not overwritten
 * unless `replaceExisting` (and is never recorded, so cleanup does not delete it).
 */
export async function putRolePolicy(roleNameOrArn: string, policyName: string, document: PolicyDocument | string, opts: PutRolePolicyOptions = {}): Promise<void> {
  const s = opts.session ?? (await defaultSession());
  const ledger = opts.ledger ?? new Ledger();
  const log = opts.log ?? console.log;
  const roleName = roleNameOf(roleNameOrArn);
  const scope = await scopeOf(s);
  const text = typeof document === "string" ? document : JSON.stringify(document);
  const role = await getRole(s, roleName);
  if (!role) throw new Error(`The role ${roleName} does not exist. Create it first (createExecutionRole or configure({ autoCreateExecutionRole: true }) + launch()).`);
  const put = () => s.clients.iam.send(new PutRolePolicyCommand({ RoleName: roleName, PolicyName: policyName, PolicyDocument: text }));
  const resource = { kind: "iam-role-policy" as const, roleName, policyName };
  const ours = isOurRole(role, ledger.find(scope, { kind: "iam-role", roleName })) || ledger.find(scope, resource)?.state === "created";
  if (!ours) {
    const current = await currentPolicy(s, roleName, policyName);
    if (current !== undefined && sameDocument(current, text)) {
      log(`Role ${roleName} already has inline policy ${policyName} as given: left as it is.`);
      return;
    }
    if (current !== undefined) {
      if (!opts.replaceExisting) {
        throw new ForeignResourceError(
          `The role ${roleName} was not created by this notebook and already has an inline policy ${policyName} that says something else; it was left unchanged. ` +
            `Choose another policy name, or pass { replaceExisting: true } to overwrite it (cleanup will then leave it in place).`,
        );
      }
      await put();
      log(`Replaced inline policy ${policyName} on role ${roleName} (not created by this notebook: cleanup leaves it).`);
      return;
    }
  }
  await ledger.record(scope, resource, put);
  log(`Put inline policy ${policyName} on role ${roleName}.`);
}

async function currentPolicy(s: Session, roleName: string, policyName: string): Promise<string | undefined> {
  try {
    return decodeURIComponent((await s.clients.iam.send(new GetRolePolicyCommand({ RoleName: roleName, PolicyName: policyName }))).PolicyDocument!);
  } catch (e) {
    if (isNotFound(e)) return undefined;
    throw e;
  }
}

function sameDocument(a: string, b: string): boolean {
  try {
    return JSON.stringify(JSON.parse(a)) === JSON.stringify(JSON.parse(b));
  } catch {
    return a === b;
  }
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
