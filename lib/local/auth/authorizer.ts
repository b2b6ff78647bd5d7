/**
 * IAM enforcement for Local AgentCore: the admin is allowed everything; a role session gets what
 * its role's inline and attached managed policies allow (explicit Deny wins, default deny).
 *
 * Policies are compiled once per distinct policy text. A role's records are re-read whenever the IAM
 * generation counter (`iam-generation`, bumped by the IAM service in every transaction that changes
 * roles, policies or attachments) moves, and on every decision when there is no counter, so any IAM
 * change is seen by the next request. The counter itself is read through the store's shared reads
 * (once per request, however many resources it authorizes, and again after any write). Decisions
 * are cached per role only while none of its policies depends on the request context.
 */
import { compilePolicy, type CompiledPolicy, evaluateCompiled, requestContext } from "../iam-policy/evaluate.js";
import { parsePolicyDocument } from "../iam-policy/parse.js";
import { trustDecision } from "../iam-policy/trust.js";
import type { IamAttachmentRecord, IamManagedPolicyRecord, IamRolePolicyRecord, IamRoleRecord } from "../state/records.js";
import type { Authorizer, ContextValues, Decision, PolicyDocument, Principal, RoleSessionPrincipal } from "../service.js";
import type { Store } from "../state/store.js";

/** AWS's AccessDenied text for a denied identity-policy decision. */
export function accessDeniedMessage(principal: Principal, action: string, resource: string, decision: Decision): string {
  const head = `User: ${principal.arn} is not authorized to perform: ${action} on resource: ${resource}`;
  return decision === "ExplicitlyDenied"
    ? `${head} with an explicit deny in an identity-based policy`
    : `${head} because no identity-based policy allows the ${action} action`;
}

const ADMIN_USER = /^arn:[^:]+:iam::\d{12}:user\/agentcore-local-admin$/;
const SESSION_ARN = /^arn:[^:]+:sts::(\d{12}):assumed-role\/([^/]+)\/([^/]+)$/;

const IAM_GENERATION = "iam-generation";

interface RolePolicies {
  generation: string | undefined;
  role: IamRoleRecord | undefined;
  fingerprint: string;
  policies: CompiledPolicy[];
  contextual: boolean;
  decisions: Map<string, Decision>;
}

export interface AuthorizerOptions {
  now?: () => Date;
}

export function createAuthorizer(store: Store, options: AuthorizerOptions = {}): Authorizer {
  const now = options.now ?? (() => new Date());
  /** Compiled policies by their JSON text (a stored text that does not parse grants nothing). */
  const byText = new Map<string, CompiledPolicy | null>();
  const byRole = new Map<string, RolePolicies>();

  function compileText(text: string): CompiledPolicy | null {
    let c = byText.get(text);
    if (c === undefined) {
      try {
        // Size quotas were enforced when the policy was stored; here only the syntax matters.
        c = compilePolicy(parsePolicyDocument(text, "identity", { limit: "inline" }));
      } catch {
        try {
          c = compilePolicy(JSON.parse(text) as PolicyDocument);
        } catch {
          c = null;
        }
      }
      if (byText.size > 1000) byText.clear();
      byText.set(text, c);
    }
    return c;
  }

  /** The role and its compiled policies, re-read when IAM changed since the last look. */
  function policiesOf(roleName: string): RolePolicies {
    const generation = store.getMetaShared(IAM_GENERATION);
    const cached = byRole.get(roleName);
    if (cached && generation !== undefined && cached.generation === generation) return cached;
    const role = store.get<IamRoleRecord>("iam-role", roleName);
    const texts: string[] = [];
    for (const p of store.list<IamRolePolicyRecord>("iam-role-policy", `${roleName}/`)) {
      if (p.RoleName === roleName) texts.push(p.PolicyDocument);
    }
    for (const a of store.list<IamAttachmentRecord>("iam-attachment", `${roleName}|`)) {
      if (a.RoleName !== roleName) continue;
      const managed = store.get<IamManagedPolicyRecord>("iam-policy", a.PolicyArn);
      if (managed) texts.push(managed.Document);
    }
    const fingerprint = JSON.stringify([role?.RoleId, role?.Arn, role?.Tags, texts]);
    if (cached && cached.fingerprint === fingerprint) {
      cached.generation = generation;
      return cached;
    }
    const policies = texts.map(compileText).filter((p): p is CompiledPolicy => p !== null);
    const contextual = policies.some((p) => p.contextual);
    const entry: RolePolicies = { generation, role, fingerprint, policies, contextual, decisions: new Map() };
    if (byRole.size > 1000) byRole.clear();
    byRole.set(roleName, entry);
    return entry;
  }

  function decideForSession(principal: RoleSessionPrincipal, action: string, resource: string, context?: ContextValues | (() => ContextValues)): Decision {
    const entry = policiesOf(principal.roleName);
    const role = entry.role;
    // A deleted role (or one deleted and created again under the same name) grants its old sessions nothing.
    if (!role || role.RoleId !== principal.roleId) return "ImplicitlyDenied";
    if (entry.policies.length === 0) return "ImplicitlyDenied";
    const cacheKey = `${action.toLowerCase()}\u0000${resource}`;
    const useCache = !entry.contextual;
    if (useCache) {
      const hit = entry.decisions.get(cacheKey); // the session name only matters to contextual policies
      if (hit) return hit;
    }
    const given: ContextValues = {
      "aws:PrincipalArn": role.Arn,
      "aws:PrincipalAccount": principal.accountId,
      "aws:PrincipalType": "AssumedRole",
      "aws:userid": `${role.RoleId}:${principal.sessionName}`,
      ...Object.fromEntries(role.Tags.map((t) => [`aws:PrincipalTag/${t.Key}`, t.Value])),
      ...(typeof context === "function" ? context() : context),
    };
    const ctx = requestContext({ principalArn: principal.arn, action, resource, context: given }, now());
    const decision = evaluateCompiled(entry.policies, action, resource, ctx);
    if (useCache) {
      if (entry.decisions.size > 10_000) entry.decisions.clear();
      entry.decisions.set(cacheKey, decision);
    }
    return decision;
  }

  const authorizer: Authorizer = {
    decide(principal, action, resource, context) {
      if (principal.kind === "admin") return "Allowed";
      if (principal.kind === "bearer") return "ImplicitlyDenied"; // no AWS identity: IAM allows it nothing
      if (principal.expiresAt <= now().getTime()) return "ImplicitlyDenied";
      return decideForSession(principal, action, resource, context);
    },

    canAssume(trustPolicy, roleArn, caller, context = {}) {
      const given: ContextValues = { ...context };
      const session = caller.AWS ? SESSION_ARN.exec(caller.AWS) : null;
      let sessionPrincipal: RoleSessionPrincipal | undefined;
      if (session) {
        const role = store.get<IamRoleRecord>("iam-role", session[2]);
        if (role) {
          given["aws:PrincipalArn"] ??= role.Arn;
          sessionPrincipal = {
            kind: "role-session",
            accountId: session[1],
            arn: caller.AWS!,
            roleArn: role.Arn,
            roleName: role.RoleName,
            roleId: role.RoleId,
            sessionName: session[3],
            accessKeyId: "",
            expiresAt: Number.POSITIVE_INFINITY,
          };
        }
      }
      const trust = trustDecision(trustPolicy, roleArn, caller, given, "sts:AssumeRole", now());
      if (!trust.allowed) return false;
      if (!trust.needsIdentityPolicy) return true;
      // The trust policy names the caller's whole account: the caller's own policies decide too.
      if (caller.AWS && ADMIN_USER.test(caller.AWS)) return true;
      if (!sessionPrincipal) return false;
      return decideForSession(sessionPrincipal, "sts:AssumeRole", roleArn, context) === "Allowed";
    },
  };
  return authorizer;
}
