/**
 * Trust policies (a role's AssumeRolePolicyDocument): who may assume the role.
 *
 * Principal matching follows AWS: `"*"` is anyone; an account id or `arn:aws:iam::<acct>:root`
 * is any principal of that account, which then also needs its own identity policy to allow
 * sts:AssumeRole (reported as `needsIdentityPolicy`); a role ARN matches that role's sessions; an
 * assumed-role session ARN, a user ARN and a service name match exactly.
 */
import type { ContextValues, PolicyDocument } from "../service.js";
import { compilePolicy, principalFacts, requestContext, statementApplies } from "./evaluate.js";

export interface TrustCaller {
  /** The caller's principal ARN (user, root, or assumed-role session). */
  AWS?: string;
  /** A service principal, e.g. `bedrock-agentcore.amazonaws.com`. */
  Service?: string;
}

export interface TrustDecision {
  allowed: boolean;
  /** True when only an account-wide principal allowed the caller: its identity policy must allow too. */
  needsIdentityPolicy: boolean;
  explicitDeny: boolean;
}

type PrincipalMatch = "none" | "direct" | "account";

const ACCOUNT_ID = /^\d{12}$/;

/** How one Principal entry matches the caller. */
function entryMatches(type: string, entry: string, caller: TrustCaller): PrincipalMatch {
  if (type === "Service") {
    return caller.Service !== undefined && entry.toLowerCase() === caller.Service.toLowerCase() ? "direct" : "none";
  }
  if (type !== "AWS" || caller.AWS === undefined) return "none";
  if (entry === "*") return "direct";
  const callerArn = caller.AWS;
  const facts = principalFacts(callerArn);
  if (ACCOUNT_ID.test(entry)) return facts.account === entry ? "account" : "none";
  const root = /^arn:[^:]+:iam::(\d{12}):root$/.exec(entry);
  if (root) return facts.account === root[1] ? "account" : "none";
  if (entry === callerArn) return "direct";
  // A role ARN (with any path) matches every session of that role.
  const role = /^arn:([^:]+):iam::(\d{12}):role\/(?:.*\/)?([^/]+)$/.exec(entry);
  const session = /^arn:([^:]+):sts::(\d{12}):assumed-role\/([^/]+)\/[^/]+$/.exec(callerArn);
  if (role && session && role[1] === session[1] && role[2] === session[2] && role[3] === session[3]) return "direct";
  return "none";
}

function principalMatch(principal: "*" | Record<string, string | string[]>, caller: TrustCaller): PrincipalMatch {
  if (principal === "*") return "direct";
  let best: PrincipalMatch = "none";
  for (const [type, value] of Object.entries(principal)) {
    for (const entry of Array.isArray(value) ? value : [value]) {
      const m = entryMatches(type, entry, caller);
      if (m === "direct") return m;
      if (m === "account") best = m;
    }
  }
  return best;
}

/** Full trust decision for `action` (default sts:AssumeRole) on `roleArn`. */
export function trustDecision(
  trustPolicy: PolicyDocument,
  roleArn: string,
  caller: TrustCaller,
  context: ContextValues = {},
  action = "sts:AssumeRole",
  now?: Date,
): TrustDecision {
  const policy = compilePolicy(trustPolicy);
  const given: ContextValues = { ...context };
  if (caller.Service && given["aws:PrincipalServiceName"] === undefined) given["aws:PrincipalServiceName"] = caller.Service;
  const ctx = requestContext({ principalArn: caller.AWS ?? "", action, resource: roleArn, context: given }, now);
  let direct = false;
  let viaAccount = false;
  for (const s of policy.statements) {
    const st = s.statement;
    let match: PrincipalMatch;
    if (st.Principal !== undefined) match = principalMatch(st.Principal, caller);
    else if (st.NotPrincipal !== undefined) match = principalMatch(st.NotPrincipal, caller) === "none" ? "direct" : "none";
    else match = "none";
    if (match === "none") continue;
    if (!statementApplies(s, action, roleArn, ctx)) continue;
    if (s.effect === "Deny") return { allowed: false, needsIdentityPolicy: false, explicitDeny: true };
    if (match === "direct") direct = true;
    else viaAccount = true;
  }
  if (direct) return { allowed: true, needsIdentityPolicy: false, explicitDeny: false };
  return { allowed: viaAccount, needsIdentityPolicy: viaAccount, explicitDeny: false };
}

/**
 * Whether the trust policy lets the caller assume the role. For an account-wide principal this is
 * only the trust policy's half: the caller's identity policy must allow sts:AssumeRole as well.
 */
export function evaluateTrust(
  trustPolicy: PolicyDocument,
  roleArn: string,
  caller: TrustCaller,
  context: ContextValues = {},
): boolean {
  return trustDecision(trustPolicy, roleArn, caller, context).allowed;
}
