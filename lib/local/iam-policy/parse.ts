/**
 * Parsing and checking of IAM policy documents as IAM does on PutRolePolicy, CreatePolicy,
 * CreateRole and UpdateAssumeRolePolicy. Errors are `MalformedPolicyDocument` (400) with IAM's
 * messages, and `LimitExceeded` (409) for size quotas (IAM counts characters without whitespace).
 */
import { AwsError } from "../errors.js";
import type { PolicyDocument, PolicyStatement } from "../service.js";
import { parseOperator } from "./conditions.js";

export type PolicyKind = "identity" | "trust";

/** Size quotas, in non-whitespace characters. */
export const POLICY_SIZE_LIMITS = {
  /** Inline policies of one role (AWS: aggregate of all of a role's inline policies). */
  inline: 10_240,
  /** A customer managed policy. */
  managed: 6_144,
  /** A role trust policy (default quota). */
  trust: 2_048,
} as const;

export interface ParseOptions {
  /** Which quota applies; identity policies default to `inline`, trust policies to `trust`. */
  limit?: keyof typeof POLICY_SIZE_LIMITS;
  /** Named in the inline-policy quota message. */
  roleName?: string;
}

const malformed = (message: string) => new AwsError("MalformedPolicyDocument", message, 400);
const SYNTAX = "Syntax errors in policy.";

const TOP_KEYS = new Set(["Version", "Id", "Statement"]);
const STATEMENT_KEYS = new Set(["Sid", "Effect", "Principal", "NotPrincipal", "Action", "NotAction", "Resource", "NotResource", "Condition"]);
const PRINCIPAL_TYPES = new Set(["AWS", "Service", "Federated", "CanonicalUser"]);
const ACTION = /^[a-zA-Z0-9-]+:[a-zA-Z0-9*?_-]+$/;
const TRUST_ACTIONS = ["sts:AssumeRole", "sts:AssumeRoleWithSAML", "sts:AssumeRoleWithWebIdentity", "sts:TagSession", "sts:SetSourceIdentity", "sts:SetContext"];

export function nonWhitespaceLength(text: string): number {
  return text.replace(/\s/g, "").length;
}

function checkSize(text: string, kind: PolicyKind, options: ParseOptions): void {
  const limit = options.limit ?? (kind === "trust" ? "trust" : "inline");
  const max = POLICY_SIZE_LIMITS[limit];
  if (nonWhitespaceLength(text) <= max) return;
  const message =
    limit === "managed"
      ? `Cannot exceed quota for PolicySize: ${max}`
      : limit === "trust"
        ? `Cannot exceed quota for ACLSizePerRole: ${max}`
        : `Maximum policy size of ${max} bytes exceeded${options.roleName ? ` for role ${options.roleName}` : ""}.`;
  throw new AwsError("LimitExceeded", message, 409);
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

function stringList(v: unknown): string[] | undefined {
  if (typeof v === "string") return [v];
  if (Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === "string")) return v as string[];
  return undefined;
}

function checkActions(st: Record<string, unknown>, kind: PolicyKind): void {
  const hasAction = "Action" in st;
  const hasNotAction = "NotAction" in st;
  if (hasAction && hasNotAction) throw malformed(SYNTAX);
  if (!hasAction && !hasNotAction) throw malformed("Policy statement must contain actions.");
  const actions = stringList(st.Action ?? st.NotAction);
  if (!actions) throw malformed(SYNTAX);
  for (const a of actions) {
    if (a !== "*" && !ACTION.test(a)) throw malformed("Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.");
  }
  if (kind === "trust" && hasAction) {
    for (const a of actions) {
      const re = new RegExp("^" + a.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".") + "$", "i");
      if (!TRUST_ACTIONS.some((t) => re.test(t))) throw malformed("AssumeRole policy may only specify STS AssumeRole actions.");
    }
  }
}

function checkResources(st: Record<string, unknown>, kind: PolicyKind): void {
  const has = "Resource" in st || "NotResource" in st;
  if (kind === "trust") {
    if ("Resource" in st) throw malformed("Has prohibited field Resource");
    if ("NotResource" in st) throw malformed("Has prohibited field NotResource");
    return;
  }
  if ("Resource" in st && "NotResource" in st) throw malformed(SYNTAX);
  if (!has) throw malformed("Policy statement must contain resources.");
  const resources = stringList(st.Resource ?? st.NotResource);
  if (!resources) throw malformed(SYNTAX);
  for (const r of resources) {
    if (r !== "*" && !r.startsWith("arn:")) throw malformed(`Resource ${r} must be in ARN format or "*".`);
  }
}

function invalidPrincipal(type: string, value: unknown): AwsError {
  return malformed(`Invalid principal in policy: ${JSON.stringify(type)}:${JSON.stringify(value)}`);
}

const AWS_PRINCIPAL = /^(\*|\d{12}|arn:aws[a-z-]*:iam::\d{12}:(root|user\/.+|role\/.+)|arn:aws[a-z-]*:sts::\d{12}:(assumed-role\/[^/]+\/[^/]+|federated-user\/.+))$/;
const SERVICE_PRINCIPAL = /^[a-z0-9.-]+\.(amazonaws\.com|amazon\.com|amazonaws\.com\.cn)$/;

function checkPrincipal(st: Record<string, unknown>, kind: PolicyKind): void {
  const hasP = "Principal" in st;
  const hasNP = "NotPrincipal" in st;
  if (kind === "identity") {
    if (hasP || hasNP) throw malformed("Policy document should not specify a principal.");
    return;
  }
  if (hasP && hasNP) throw malformed(SYNTAX);
  if (!hasP && !hasNP) throw malformed("Missing required field Principal");
  const p = st.Principal ?? st.NotPrincipal;
  if (p === "*") return;
  if (!isObject(p) || Object.keys(p).length === 0) throw malformed(SYNTAX);
  for (const [type, value] of Object.entries(p)) {
    if (!PRINCIPAL_TYPES.has(type)) throw invalidPrincipal(type, value);
    const entries = stringList(value);
    if (!entries) throw invalidPrincipal(type, value);
    for (const e of entries) {
      if (type === "AWS" && !AWS_PRINCIPAL.test(e)) throw invalidPrincipal(type, e);
      if (type === "Service" && !SERVICE_PRINCIPAL.test(e)) throw invalidPrincipal(type, e);
    }
  }
}

function checkCondition(st: Record<string, unknown>): void {
  if (!("Condition" in st)) return;
  const c = st.Condition;
  if (!isObject(c)) throw malformed(SYNTAX);
  for (const [operator, block] of Object.entries(c)) {
    if (!parseOperator(operator)) throw malformed(`Invalid Condition type : ${operator}`);
    if (!isObject(block) || Object.keys(block).length === 0) throw malformed(SYNTAX);
    for (const [key, value] of Object.entries(block)) {
      if (key === "") throw malformed(SYNTAX);
      const values = Array.isArray(value) ? value : [value];
      if (values.length === 0 || !values.every((v) => typeof v === "string" || typeof v === "number" || typeof v === "boolean")) {
        throw malformed(SYNTAX);
      }
    }
  }
}

function checkStatement(st: unknown, kind: PolicyKind): PolicyStatement {
  if (!isObject(st)) throw malformed(SYNTAX);
  for (const k of Object.keys(st)) if (!STATEMENT_KEYS.has(k)) throw malformed(SYNTAX);
  if ("Sid" in st && (typeof st.Sid !== "string" || !/^[0-9A-Za-z]*$/.test(st.Sid))) {
    throw malformed("Statement IDs (SID) must be alpha-numeric. Check that your input satisfies the regular expression [0-9A-Za-z]*");
  }
  if (!("Effect" in st)) throw malformed("Missing required field Effect");
  if (st.Effect !== "Allow" && st.Effect !== "Deny") throw malformed(`Invalid effect: ${String(st.Effect)}`);
  checkPrincipal(st, kind);
  checkActions(st, kind);
  checkResources(st, kind);
  checkCondition(st);
  return st as unknown as PolicyStatement;
}

/** Parses a policy document's JSON text and checks it as IAM does; throws AwsError otherwise. */
export function parsePolicyDocument(text: string, kind: PolicyKind, options: ParseOptions = {}): PolicyDocument {
  if (typeof text !== "string" || text.trim() === "") throw malformed(SYNTAX);
  checkSize(text, kind, options);
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw malformed(SYNTAX);
  }
  if (!isObject(doc)) throw malformed(SYNTAX);
  for (const k of Object.keys(doc)) if (!TOP_KEYS.has(k)) throw malformed(SYNTAX);
  if ("Version" in doc && doc.Version !== "2012-10-17" && doc.Version !== "2008-10-17") {
    throw malformed("The policy failed legacy parsing");
  }
  if ("Id" in doc && typeof doc.Id !== "string") throw malformed(SYNTAX);
  if (!("Statement" in doc)) throw malformed("Missing required field Statement");
  const raw = doc.Statement;
  const statements = Array.isArray(raw) ? raw : [raw];
  if (statements.length === 0) throw malformed(SYNTAX);
  const sids = new Set<string>();
  for (const st of statements) {
    const s = checkStatement(st, kind);
    if (s.Sid) {
      if (sids.has(s.Sid)) throw malformed("Statement IDs (SID) in a single policy must be unique.");
      sids.add(s.Sid);
    }
  }
  return doc as unknown as PolicyDocument;
}
