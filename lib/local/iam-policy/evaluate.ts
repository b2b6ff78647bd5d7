/**
 * AWS's identity-policy evaluation: an explicit Deny in any statement wins, else any Allow, else
 * an implicit deny. Policies are compiled once (cached per document object) so a decision costs
 * microseconds.
 */
import type { ContextValues, Decision, PolicyDocument, PolicyStatement } from "../service.js";
import { type CompiledCondition, compileCondition } from "./conditions.js";
import { actionMatches, compileResourcePattern, type ResourcePattern } from "./match.js";
import { type NormalizedContext, normalizeContext } from "./variables.js";

export interface EvaluationRequest {
  /** The caller: `arn:aws:sts::<acct>:assumed-role/<Role>/<Session>`, an IAM user or root ARN. */
  principalArn: string;
  /** `service:Action`. */
  action: string;
  /** The resource ARN, or `*` for actions that take none. */
  resource: string;
  /** Request context keys; the global keys AWS derives from the principal are filled in unless given. */
  context?: ContextValues;
}

export interface CompiledStatement {
  effect: "Allow" | "Deny";
  actions: (action: string) => boolean;
  resources: ((resource: string, ctx: NormalizedContext) => boolean) | undefined;
  condition: CompiledCondition | undefined;
  statement: PolicyStatement;
}

export interface CompiledPolicy {
  statements: CompiledStatement[];
  /** False when the decision depends only on action and resource (no conditions, no variables). */
  contextual: boolean;
}

const list = (v: unknown): string[] => (Array.isArray(v) ? v : [v]).filter((x): x is string => typeof x === "string");
const isStatement = (s: unknown): s is PolicyStatement =>
  typeof s === "object" && s !== null && ((s as PolicyStatement).Effect === "Allow" || (s as PolicyStatement).Effect === "Deny");

function anyOf<T extends unknown[]>(fns: ((...a: T) => boolean)[]): (...a: T) => boolean {
  if (fns.length === 1) return fns[0];
  return (...a) => {
    for (const f of fns) if (f(...a)) return true;
    return false;
  };
}

function compileStatement(s: PolicyStatement, variables: boolean): CompiledStatement {
  const actionPatterns = list(s.Action ?? s.NotAction);
  const matchAction = anyOf(actionPatterns.map((p) => (a: string) => actionMatches(p, a)));
  const actions = s.NotAction !== undefined ? (a: string) => !matchAction(a) : matchAction;
  let resources: CompiledStatement["resources"];
  if (s.Resource !== undefined || s.NotResource !== undefined) {
    const patterns: ResourcePattern[] = list(s.Resource ?? s.NotResource).map((p) => compileResourcePattern(p, variables));
    if (s.NotResource === undefined) {
      resources = (r, ctx) => patterns.some((p) => p(r, ctx) === true);
    } else {
      // A NotResource entry whose variable has no value leaves the statement inapplicable (AWS:
      // an unresolvable variable can make the whole statement invalid).
      resources = (r, ctx) => patterns.every((p) => p(r, ctx) === false);
    }
  }
  return { effect: s.Effect, actions, resources, condition: compileCondition(s.Condition, variables), statement: s };
}

const compiled = new WeakMap<PolicyDocument, CompiledPolicy>();

/** Compiles (once per document object) a parsed policy. */
export function compilePolicy(doc: PolicyDocument): CompiledPolicy {
  let c = compiled.get(doc);
  if (!c) {
    // Policy variables exist only in version 2012-10-17; in 2008-10-17 `${…}` is literal text.
    // A document that bypassed the parser (raw JSON) is read leniently: malformed statements grant nothing.
    const variables = doc.Version === "2012-10-17";
    const raw: unknown[] = Array.isArray(doc.Statement) ? doc.Statement : [doc.Statement];
    const statements = raw.filter(isStatement).map((s) => compileStatement(s, variables));
    const contextual = statements.some((s) => s.statement.Condition !== undefined) || (variables && JSON.stringify(doc).includes("${"));
    c = { statements, contextual };
    compiled.set(doc, c);
  }
  return c;
}

/** Whether a statement applies to the request (action, resource, condition). */
export function statementApplies(s: CompiledStatement, action: string, resource: string, ctx: NormalizedContext): boolean {
  if (!s.actions(action)) return false;
  if (s.resources && !s.resources(resource, ctx)) return false;
  if (s.condition && !s.condition(ctx)) return false;
  return true;
}

/** The decision for one request under a set of identity policies. */
export function evaluate(
  request: EvaluationRequest,
  policies: readonly (PolicyDocument | CompiledPolicy)[],
  options: { now?: Date } = {},
): Decision {
  const ctx = requestContext(request, options.now);
  return evaluateCompiled(
    policies.map((p) => ("statements" in p && "contextual" in p ? (p as CompiledPolicy) : compilePolicy(p as PolicyDocument))),
    request.action,
    request.resource,
    ctx,
  );
}

export function evaluateCompiled(policies: readonly CompiledPolicy[], action: string, resource: string, ctx: NormalizedContext): Decision {
  let allowed = false;
  for (const p of policies) {
    for (const s of p.statements) {
      if (s.effect === "Allow" && allowed) continue; // only a Deny can still change the answer
      if (!statementApplies(s, action, resource, ctx)) continue;
      if (s.effect === "Deny") return "ExplicitlyDenied";
      allowed = true;
    }
  }
  return allowed ? "Allowed" : "ImplicitlyDenied";
}

export interface PrincipalFacts {
  account?: string;
  /** aws:PrincipalArn (for a role session, the role's ARN). */
  arn?: string;
  type?: "AssumedRole" | "User" | "Account";
  username?: string;
}

/** What an ARN says about the principal, as AWS derives the global condition keys from it. */
export function principalFacts(principalArn: string): PrincipalFacts {
  const m = /^arn:([^:]+):(iam|sts)::(\d{12}):(.+)$/.exec(principalArn);
  if (!m) return {};
  const [, partition, , account, rest] = m;
  const session = /^assumed-role\/([^/]+)\/(.+)$/.exec(rest);
  if (session) return { account, arn: `arn:${partition}:iam::${account}:role/${session[1]}`, type: "AssumedRole" };
  if (rest === "root") return { account, arn: principalArn, type: "Account" };
  if (rest.startsWith("user/")) return { account, arn: principalArn, type: "User", username: rest.slice(rest.lastIndexOf("/") + 1) };
  if (rest.startsWith("role/")) return { account, arn: principalArn, type: "AssumedRole" };
  return { account, arn: principalArn };
}

/** The request context with the global keys AWS provides filled in (given keys win). */
export function requestContext(request: EvaluationRequest, now = new Date()): NormalizedContext {
  const ctx = normalizeContext(request.context);
  const put = (k: string, v: string | undefined) => {
    if (v !== undefined && !ctx.has(k)) ctx.set(k, v);
  };
  const facts = principalFacts(request.principalArn);
  put("aws:principalarn", facts.arn);
  put("aws:principalaccount", facts.account);
  put("aws:principaltype", facts.type);
  put("aws:username", facts.username);
  if (facts.arn) put("aws:principalisawsservice", "false");
  put("aws:currenttime", now.toISOString());
  put("aws:epochtime", String(Math.floor(now.getTime() / 1000)));
  put("aws:securetransport", "false");
  const region = request.resource.startsWith("arn:") ? request.resource.split(":")[3] : undefined;
  put("aws:requestedregion", region || undefined);
  return ctx;
}
