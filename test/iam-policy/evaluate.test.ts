import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { evaluate, type EvaluationRequest } from "../../lib/local/iam-policy/evaluate.js";
import type { ContextValues, PolicyDocument, PolicyStatement } from "../../lib/local/service.js";

const ACCT = "123456789012";
const SESSION = `arn:aws:sts::${ACCT}:assumed-role/AgentRole/sess-1`;
const KEY_ARN = `arn:aws:bedrock-agentcore:us-west-2:${ACCT}:token-vault/default/apikeycredentialprovider/openai`;

const doc = (...Statement: PolicyStatement[]): PolicyDocument => ({ Version: "2012-10-17", Statement });
const req = (action: string, resource: string, context?: ContextValues, principalArn = SESSION): EvaluationRequest => ({
  principalArn,
  action,
  resource,
  context,
});
/** A statement with `Action: "*"` and `Resource: "*"` unless `s` says otherwise (NotAction/NotResource replace them). */
const statement = (Effect: "Allow" | "Deny", s: Partial<PolicyStatement>): PolicyStatement => ({
  Effect,
  ...(s.NotAction ? {} : { Action: "*" }),
  ...(s.NotResource ? {} : { Resource: "*" }),
  ...s,
});
const allow = (s: Partial<PolicyStatement>) => statement("Allow", s);
const deny = (s: Partial<PolicyStatement>) => statement("Deny", s);

/** Decision for one condition block on an Allow-everything statement. */
function withCondition(condition: PolicyStatement["Condition"], context: ContextValues): string {
  return evaluate(req("s3:GetObject", "arn:aws:s3:::b/k", context), [doc(allow({ Condition: condition }))]);
}

describe("evaluation logic", () => {
  it("denies by default", () => {
    assert.equal(evaluate(req("s3:GetObject", "arn:aws:s3:::b/k"), []), "ImplicitlyDenied");
    assert.equal(evaluate(req("s3:GetObject", "arn:aws:s3:::b/k"), [doc(allow({ Action: "s3:PutObject" }))]), "ImplicitlyDenied");
  });

  it("allows with a matching Allow and lets an explicit Deny win across policies", () => {
    const a = doc(allow({ Action: "bedrock-agentcore:GetResourceApiKey" }));
    assert.equal(evaluate(req("bedrock-agentcore:GetResourceApiKey", KEY_ARN), [a]), "Allowed");
    const d = doc(deny({ Action: "bedrock-agentcore:*", Resource: `arn:aws:bedrock-agentcore:*:${ACCT}:token-vault/*` }));
    assert.equal(evaluate(req("bedrock-agentcore:GetResourceApiKey", KEY_ARN), [a, d]), "ExplicitlyDenied");
    assert.equal(evaluate(req("bedrock-agentcore:GetResourceApiKey", KEY_ARN), [d, a]), "ExplicitlyDenied");
  });

  it("matches actions case-insensitively with * and ?", () => {
    const p = [doc(allow({ Action: ["S3:get*", "iam:List?oles"] }))];
    assert.equal(evaluate(req("s3:GetObject", "*"), p), "Allowed");
    assert.equal(evaluate(req("IAM:LISTROLES", "*"), p), "Allowed");
    assert.equal(evaluate(req("iam:ListUsers", "*"), p), "ImplicitlyDenied");
    assert.equal(evaluate(req("iam:ListRRoles", "*"), p), "ImplicitlyDenied");
    assert.equal(evaluate(req("s3:PutObject", "*"), p), "ImplicitlyDenied");
  });

  it("NotAction allows everything else, and a NotAction Deny denies everything else", () => {
    const p = [doc(allow({ NotAction: "iam:*" }))];
    assert.equal(evaluate(req("s3:GetObject", "*"), p), "Allowed");
    assert.equal(evaluate(req("iam:ListRoles", "*"), p), "ImplicitlyDenied");
    const q = [doc(allow({}), deny({ NotAction: ["s3:*", "ecr:*"] }))];
    assert.equal(evaluate(req("ecr:DescribeRepositories", "*"), q), "Allowed");
    assert.equal(evaluate(req("iam:ListRoles", "*"), q), "ExplicitlyDenied");
  });

  it("matches resource ARNs with wildcards, case-sensitively in the resource part", () => {
    const p = [doc(allow({ Resource: "arn:aws:s3:::my-bucket/dir/*.txt" }))];
    assert.equal(evaluate(req("s3:GetObject", "arn:aws:s3:::my-bucket/dir/a/b.txt"), p), "Allowed");
    assert.equal(evaluate(req("s3:GetObject", "arn:aws:s3:::my-bucket/DIR/a.txt"), p), "ImplicitlyDenied");
    assert.equal(evaluate(req("s3:GetObject", "arn:aws:s3:::my-bucket/dir/a.txt2"), p), "ImplicitlyDenied");
    const q = [doc(allow({ Resource: `arn:aws:bedrock-agentcore:us-west-?:${ACCT}:token-vault/default/apikeycredentialprovider/open??` }))];
    assert.equal(evaluate(req("x:Y", KEY_ARN), q), "Allowed");
    assert.equal(evaluate(req("x:Y", KEY_ARN.replace("us-west-2", "us-east-1")), q), "ImplicitlyDenied");
    assert.equal(evaluate(req("x:Y", KEY_ARN + "x"), q), "ImplicitlyDenied");
  });

  it("keeps wildcards inside their ARN segment for partition, service, region and account", () => {
    const p = [doc(allow({ Resource: "arn:aws:bedrock-*:*:*:token-vault/*" }))];
    assert.equal(evaluate(req("x:Y", KEY_ARN), p), "Allowed");
    const q = [doc(allow({ Resource: "arn:aws:*:token-vault/*" }))]; // short ARN: padded with * segments
    assert.equal(evaluate(req("x:Y", KEY_ARN), q), "ImplicitlyDenied");
    const r = [doc(allow({ Resource: "arn:aws:*" }))];
    assert.equal(evaluate(req("x:Y", KEY_ARN), r), "Allowed");
  });

  it("NotResource applies to every resource but the listed ones", () => {
    const p = [doc(allow({ NotResource: "arn:aws:s3:::secret/*" }))];
    assert.equal(evaluate(req("s3:GetObject", "arn:aws:s3:::public/k"), p), "Allowed");
    assert.equal(evaluate(req("s3:GetObject", "arn:aws:s3:::secret/k"), p), "ImplicitlyDenied");
    const q = [doc(allow({}), deny({ NotResource: ["arn:aws:s3:::public/*"] }))];
    assert.equal(evaluate(req("s3:GetObject", "arn:aws:s3:::other/k"), q), "ExplicitlyDenied");
    assert.equal(evaluate(req("s3:GetObject", "arn:aws:s3:::public/k"), q), "Allowed");
  });
});

describe("condition operators", () => {
  it("String operators, with OR across values and IgnoreCase", () => {
    assert.equal(withCondition({ StringEquals: { "aws:SourceAccount": ["111111111111", ACCT] } }, { "aws:SourceAccount": ACCT }), "Allowed");
    assert.equal(withCondition({ StringEquals: { "aws:SourceAccount": "111111111111" } }, { "aws:SourceAccount": ACCT }), "ImplicitlyDenied");
    assert.equal(withCondition({ StringEquals: { "s3:prefix": "ABC" } }, { "s3:prefix": "abc" }), "ImplicitlyDenied");
    assert.equal(withCondition({ StringEqualsIgnoreCase: { "s3:prefix": "ABC" } }, { "s3:prefix": "abc" }), "Allowed");
    assert.equal(withCondition({ StringNotEqualsIgnoreCase: { "s3:prefix": "ABC" } }, { "s3:prefix": "abc" }), "ImplicitlyDenied");
    assert.equal(withCondition({ StringNotEquals: { "s3:prefix": ["a", "b"] } }, { "s3:prefix": "c" }), "Allowed");
    assert.equal(withCondition({ StringNotEquals: { "s3:prefix": ["a", "b"] } }, { "s3:prefix": "b" }), "ImplicitlyDenied");
    assert.equal(withCondition({ StringLike: { "s3:prefix": "home/*/doc?" } }, { "s3:prefix": "home/ann/docs" }), "Allowed");
    assert.equal(withCondition({ StringLike: { "s3:prefix": "home/*/doc?" } }, { "s3:prefix": "home/ann/doc" }), "ImplicitlyDenied");
    assert.equal(withCondition({ StringNotLike: { "s3:prefix": "tmp/*" } }, { "s3:prefix": "home/x" }), "Allowed");
    // StringEquals treats * literally
    assert.equal(withCondition({ StringEquals: { "s3:prefix": "a*" } }, { "s3:prefix": "abc" }), "ImplicitlyDenied");
    assert.equal(withCondition({ StringEquals: { "s3:prefix": "a*" } }, { "s3:prefix": "a*" }), "Allowed");
  });

  it("treats condition keys case-insensitively and ANDs keys and operators", () => {
    const cond = { StringEquals: { "AWS:SOURCEACCOUNT": ACCT, "aws:sourcevpc": "vpc-1" }, Bool: { "aws:SecureTransport": "false" } };
    assert.equal(withCondition(cond, { "aws:SourceAccount": ACCT, "aws:SourceVpc": "vpc-1" }), "Allowed");
    assert.equal(withCondition(cond, { "aws:SourceAccount": ACCT, "aws:SourceVpc": "vpc-2" }), "ImplicitlyDenied");
    assert.equal(withCondition(cond, { "aws:SourceAccount": ACCT, "aws:SourceVpc": "vpc-1", "aws:SecureTransport": "true" }), "ImplicitlyDenied");
  });

  it("Arn operators match segment by segment; ArnEquals takes wildcards as ArnLike does", () => {
    const source = `arn:aws:bedrock-agentcore:us-west-2:${ACCT}:runtime/agent-abc`;
    assert.equal(withCondition({ ArnLike: { "aws:SourceArn": `arn:aws:bedrock-agentcore:us-west-2:${ACCT}:*` } }, { "aws:SourceArn": source }), "Allowed");
    assert.equal(withCondition({ ArnEquals: { "aws:SourceArn": `arn:aws:bedrock-agentcore:*:${ACCT}:runtime/*` } }, { "aws:SourceArn": source }), "Allowed");
    assert.equal(withCondition({ ArnLike: { "aws:SourceArn": `arn:aws:bedrock-agentcore:us-east-1:${ACCT}:*` } }, { "aws:SourceArn": source }), "ImplicitlyDenied");
    assert.equal(withCondition({ ArnNotLike: { "aws:SourceArn": `arn:aws:bedrock-agentcore:us-east-1:*:*` } }, { "aws:SourceArn": source }), "Allowed");
    assert.equal(withCondition({ ArnNotEquals: { "aws:SourceArn": source } }, { "aws:SourceArn": source }), "ImplicitlyDenied");
    assert.equal(withCondition({ ArnLike: { "aws:SourceArn": "arn:aws:*" } }, { "aws:SourceArn": "not-an-arn" }), "ImplicitlyDenied");
  });

  it("Numeric operators", () => {
    const n = (op: string, policy: string, value: string) => withCondition({ [op]: { "s3:max-keys": policy } }, { "s3:max-keys": value });
    assert.equal(n("NumericEquals", "10", "10.0"), "Allowed");
    assert.equal(n("NumericNotEquals", "10", "10"), "ImplicitlyDenied");
    assert.equal(n("NumericLessThan", "10", "9"), "Allowed");
    assert.equal(n("NumericLessThan", "10", "10"), "ImplicitlyDenied");
    assert.equal(n("NumericLessThanEquals", "10", "10"), "Allowed");
    assert.equal(n("NumericGreaterThan", "10", "10.5"), "Allowed");
    assert.equal(n("NumericGreaterThanEquals", "10", "9"), "ImplicitlyDenied");
    assert.equal(n("NumericEquals", "10", "ten"), "ImplicitlyDenied");
    assert.equal(withCondition({ NumericLessThan: { "s3:max-keys": 5 } }, { "s3:max-keys": "4" }), "Allowed");
  });

  it("Date operators with ISO 8601 and epoch seconds", () => {
    const d = (op: string, policy: string, value: string) => withCondition({ [op]: { "aws:CurrentTime": policy } }, { "aws:CurrentTime": value });
    assert.equal(d("DateLessThan", "2030-01-01T00:00:00Z", "2026-11-28T10:00:00Z"), "Allowed");
    assert.equal(d("DateGreaterThan", "2030-01-01T00:00:00Z", "2026-11-28T10:00:00Z"), "ImplicitlyDenied");
    assert.equal(d("DateEquals", "2026-11-28T00:00:00Z", "1795824000"), "Allowed");
    assert.equal(d("DateNotEquals", "2026-11-28T00:00:00Z", "2026-11-28T00:00:01Z"), "Allowed");
    assert.equal(d("DateLessThanEquals", "2026-11-28", "2026-11-28T00:00:00Z"), "Allowed");
    assert.equal(d("DateGreaterThanEquals", "2026-11-28T00:00:00Z", "2026-11-27T23:59:59Z"), "ImplicitlyDenied");
    assert.equal(d("DateLessThan", "not a date", "2026-11-28T00:00:00Z"), "ImplicitlyDenied");
  });

  it("Bool and Null", () => {
    assert.equal(withCondition({ Bool: { "aws:MultiFactorAuthPresent": "true" } }, { "aws:MultiFactorAuthPresent": "TRUE" }), "Allowed");
    assert.equal(withCondition({ Bool: { "aws:MultiFactorAuthPresent": true } }, { "aws:MultiFactorAuthPresent": "false" }), "ImplicitlyDenied");
    assert.equal(withCondition({ Bool: { "aws:MultiFactorAuthPresent": "true" } }, {}), "ImplicitlyDenied");
    assert.equal(withCondition({ Null: { "aws:TokenIssueTime": "true" } }, {}), "Allowed");
    assert.equal(withCondition({ Null: { "aws:TokenIssueTime": "true" } }, { "aws:TokenIssueTime": "x" }), "ImplicitlyDenied");
    assert.equal(withCondition({ Null: { "aws:TokenIssueTime": "false" } }, { "aws:TokenIssueTime": "x" }), "Allowed");
  });

  it("missing keys: false for positive operators, true for negated ones and for …IfExists", () => {
    assert.equal(withCondition({ StringEquals: { "aws:SourceVpc": "v" } }, {}), "ImplicitlyDenied");
    assert.equal(withCondition({ StringNotEquals: { "aws:SourceVpc": "v" } }, {}), "Allowed");
    assert.equal(withCondition({ ArnNotLike: { "aws:SourceArn": "arn:aws:s3:::x" } }, {}), "Allowed");
    assert.equal(withCondition({ StringEqualsIfExists: { "aws:SourceVpc": "v" } }, {}), "Allowed");
    assert.equal(withCondition({ StringEqualsIfExists: { "aws:SourceVpc": "v" } }, { "aws:SourceVpc": "w" }), "ImplicitlyDenied");
    assert.equal(withCondition({ NumericLessThanIfExists: { "s3:max-keys": "10" } }, { "s3:max-keys": "3" }), "Allowed");
  });

  it("set operators over multi-valued keys", () => {
    const tags = { "aws:TagKeys": ["env", "team"] };
    assert.equal(withCondition({ "ForAnyValue:StringEquals": { "aws:TagKeys": ["team"] } }, tags), "Allowed");
    assert.equal(withCondition({ "ForAnyValue:StringEquals": { "aws:TagKeys": ["cost"] } }, tags), "ImplicitlyDenied");
    assert.equal(withCondition({ "ForAllValues:StringEquals": { "aws:TagKeys": ["env", "team", "cost"] } }, tags), "Allowed");
    assert.equal(withCondition({ "ForAllValues:StringEquals": { "aws:TagKeys": ["env"] } }, tags), "ImplicitlyDenied");
    assert.equal(withCondition({ "ForAllValues:StringLike": { "aws:TagKeys": ["*"] } }, {}), "Allowed"); // missing: vacuously true
    assert.equal(withCondition({ "ForAnyValue:StringLike": { "aws:TagKeys": ["*"] } }, {}), "ImplicitlyDenied");
    assert.equal(withCondition({ "ForAllValues:StringNotEquals": { "aws:TagKeys": ["cost"] } }, tags), "Allowed");
    assert.equal(withCondition({ "ForAnyValue:StringNotEquals": { "aws:TagKeys": ["env"] } }, tags), "Allowed");
    assert.equal(withCondition({ "ForAnyValue:StringNotEquals": { "aws:TagKeys": ["env", "team"] } }, tags), "ImplicitlyDenied");
    // a plain operator does not match a multi-valued key
    assert.equal(withCondition({ StringEquals: { "aws:TagKeys": "env" } }, tags), "ImplicitlyDenied");
  });
});

describe("policy variables and global keys", () => {
  it("substitutes variables in Resource and condition values", () => {
    const p = [doc(allow({ Resource: "arn:aws:s3:::home/${aws:username}/*" }))];
    assert.equal(evaluate(req("s3:GetObject", "arn:aws:s3:::home/ann/f", {}, `arn:aws:iam::${ACCT}:user/ann`), p), "Allowed");
    assert.equal(evaluate(req("s3:GetObject", "arn:aws:s3:::home/bob/f", {}, `arn:aws:iam::${ACCT}:user/ann`), p), "ImplicitlyDenied");
    // a role session has no aws:username: the Resource matches nothing
    assert.equal(evaluate(req("s3:GetObject", "arn:aws:s3:::home/ann/f"), p), "ImplicitlyDenied");
    const q = [doc(allow({ Condition: { StringEquals: { "s3:prefix": "${aws:PrincipalTag/team}/" } } }))];
    assert.equal(evaluate(req("s3:ListBucket", "*", { "aws:PrincipalTag/team": "blue", "s3:prefix": "blue/" }), q), "Allowed");
    assert.equal(evaluate(req("s3:ListBucket", "*", { "aws:PrincipalTag/team": "red", "s3:prefix": "blue/" }), q), "ImplicitlyDenied");
    assert.equal(evaluate(req("s3:ListBucket", "*", { "aws:PrincipalTag/team": "Blue", "s3:prefix": "blue/" }), q), "ImplicitlyDenied");
    // a negated operator whose value cannot be resolved does not match either
    const r = [doc(allow({ Condition: { StringNotEquals: { "s3:prefix": ["x", "${aws:PrincipalTag/none}"] } } }))];
    assert.equal(evaluate(req("s3:ListBucket", "*", { "s3:prefix": "blue/" }), r), "ImplicitlyDenied");
    assert.equal(evaluate(req("s3:ListBucket", "*", { "s3:prefix": "blue/", "aws:PrincipalTag/none": "y" }), r), "Allowed");
  });

  it("uses defaults and the ${*} ${?} ${$} escapes", () => {
    const p = [doc(allow({ Resource: "arn:aws:s3:::b/${aws:PrincipalTag/team, 'shared'}/*" }))];
    assert.equal(evaluate(req("s3:GetObject", "arn:aws:s3:::b/shared/x"), p), "Allowed");
    assert.equal(evaluate(req("s3:GetObject", "arn:aws:s3:::b/red/x", { "aws:PrincipalTag/team": "red" }), p), "Allowed");
    assert.equal(evaluate(req("s3:GetObject", "arn:aws:s3:::b/shared/x", { "aws:PrincipalTag/team": "red" }), p), "ImplicitlyDenied");
    const lit = [doc(allow({ Resource: "arn:aws:s3:::b/${*}${?}${$}" }))];
    assert.equal(evaluate(req("s3:GetObject", "arn:aws:s3:::b/*?$"), lit), "Allowed");
    assert.equal(evaluate(req("s3:GetObject", "arn:aws:s3:::b/ab$"), lit), "ImplicitlyDenied");
    const like = [doc(allow({ Condition: { StringLike: { "s3:prefix": "${*}*" } } }))];
    assert.equal(evaluate(req("s3:ListBucket", "*", { "s3:prefix": "*abc" }), like), "Allowed");
    assert.equal(evaluate(req("s3:ListBucket", "*", { "s3:prefix": "abc" }), like), "ImplicitlyDenied");
  });

  it("treats ${…} literally in version 2008-10-17 policies", () => {
    const p: PolicyDocument[] = [{ Version: "2008-10-17", Statement: [allow({ Resource: "arn:aws:s3:::b/${aws:username}" })] }];
    assert.equal(evaluate(req("s3:GetObject", "arn:aws:s3:::b/${aws:username}", {}, `arn:aws:iam::${ACCT}:user/ann`), p), "Allowed");
    assert.equal(evaluate(req("s3:GetObject", "arn:aws:s3:::b/ann", {}, `arn:aws:iam::${ACCT}:user/ann`), p), "ImplicitlyDenied");
  });

  it("fills global keys from the principal: aws:PrincipalArn of a session is its role's ARN", () => {
    const cond = (c: PolicyStatement["Condition"]) => [doc(allow({ Condition: c }))];
    const r = req("s3:GetObject", "arn:aws:s3:us-west-2:123456789012:accesspoint/x");
    assert.equal(evaluate(r, cond({ ArnEquals: { "aws:PrincipalArn": `arn:aws:iam::${ACCT}:role/AgentRole` } })), "Allowed");
    assert.equal(evaluate(r, cond({ StringEquals: { "aws:PrincipalAccount": ACCT, "aws:PrincipalType": "AssumedRole" } })), "Allowed");
    assert.equal(evaluate(r, cond({ Bool: { "aws:SecureTransport": "false" } })), "Allowed");
    assert.equal(evaluate(r, cond({ StringEquals: { "aws:RequestedRegion": "us-west-2" } })), "Allowed");
    assert.equal(evaluate(r, cond({ Null: { "aws:username": "true" } })), "Allowed");
    assert.equal(evaluate(r, cond({ DateLessThan: { "aws:CurrentTime": "2000-01-01T00:00:00Z" } })), "ImplicitlyDenied");
    assert.equal(evaluate(r, cond({ NumericGreaterThan: { "aws:EpochTime": "946684800" } })), "Allowed");
    // given keys win
    const given = req("s3:GetObject", "*", { "aws:PrincipalArn": "arn:aws:iam::123456789012:role/path/AgentRole" });
    assert.equal(evaluate(given, cond({ ArnLike: { "aws:PrincipalArn": "arn:aws:iam::*:role/path/*" } })), "Allowed");
    const fixed = new Date("2026-11-28T12:00:00Z");
    assert.equal(
      evaluate(r, cond({ DateEquals: { "aws:CurrentTime": "2026-11-28T12:00:00Z" }, NumericEquals: { "aws:EpochTime": "1795867200" } }), { now: fixed }),
      "Allowed",
    );
  });
});
