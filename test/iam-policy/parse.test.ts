import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { AwsError } from "../../lib/local/errors.js";
import { POLICY_SIZE_LIMITS, parsePolicyDocument } from "../../lib/local/iam-policy/parse.js";

const ok = { Effect: "Allow", Action: "bedrock-agentcore:GetResourceApiKey", Resource: "*" };
const identity = (...Statement: unknown[]) => JSON.stringify({ Version: "2012-10-17", Statement });
const trust = (...Statement: unknown[]) => JSON.stringify({ Version: "2012-10-17", Statement });
const trustOk = { Effect: "Allow", Principal: { Service: "bedrock-agentcore.amazonaws.com" }, Action: "sts:AssumeRole" };

function rejects(text: string, kind: "identity" | "trust", code: string, message: RegExp | string, options = {}) {
  assert.throws(
    () => parsePolicyDocument(text, kind, options),
    (e: unknown) => {
      assert.ok(e instanceof AwsError, String(e));
      assert.equal(e.code, code);
      if (typeof message === "string") assert.equal(e.message, message);
      else assert.match(e.message, message);
      assert.equal(e.status, code === "LimitExceeded" ? 409 : 400);
      return true;
    },
  );
}

describe("parsePolicyDocument", () => {
  it("accepts identity and trust policies, a single statement object, both versions", () => {
    assert.deepEqual(parsePolicyDocument(identity(ok), "identity").Statement, [ok]);
    assert.deepEqual(parsePolicyDocument(JSON.stringify({ Version: "2008-10-17", Statement: ok }), "identity").Statement, ok);
    assert.ok(parsePolicyDocument(JSON.stringify({ Statement: [ok] }), "identity"));
    assert.ok(parsePolicyDocument(trust(trustOk), "trust"));
    assert.ok(parsePolicyDocument(trust({ ...trustOk, Principal: { AWS: ["123456789012", "arn:aws:iam::123456789012:role/x/R"] }, Action: ["sts:AssumeRole", "sts:TagSession"] }), "trust"));
    assert.ok(parsePolicyDocument(trust({ ...trustOk, Principal: "*", Action: "sts:*" }), "trust"));
    assert.ok(
      parsePolicyDocument(identity({ ...ok, Condition: { "ForAnyValue:StringLikeIfExists": { "aws:TagKeys": ["a*"] }, Bool: { "aws:SecureTransport": true }, NumericLessThan: { "s3:max-keys": 10 } } }), "identity"),
    );
  });

  it("rejects what IAM rejects, with its messages", () => {
    rejects("{not json", "identity", "MalformedPolicyDocument", "Syntax errors in policy.");
    rejects("[]", "identity", "MalformedPolicyDocument", "Syntax errors in policy.");
    rejects(JSON.stringify({ Version: "2012-10-17" }), "identity", "MalformedPolicyDocument", "Missing required field Statement");
    rejects(JSON.stringify({ Version: "2020-01-01", Statement: [ok] }), "identity", "MalformedPolicyDocument", /legacy parsing/);
    rejects(identity(), "identity", "MalformedPolicyDocument", "Syntax errors in policy.");
    rejects(identity({ ...ok, Effect: "allow" }), "identity", "MalformedPolicyDocument", /Invalid effect/);
    rejects(identity({ Action: "s3:*", Resource: "*" }), "identity", "MalformedPolicyDocument", "Missing required field Effect");
    rejects(identity({ Effect: "Allow", Resource: "*" }), "identity", "MalformedPolicyDocument", "Policy statement must contain actions.");
    rejects(identity({ ...ok, NotAction: "s3:*" }), "identity", "MalformedPolicyDocument", "Syntax errors in policy.");
    rejects(identity({ Effect: "Allow", Action: "s3:*" }), "identity", "MalformedPolicyDocument", "Policy statement must contain resources.");
    rejects(identity({ ...ok, NotResource: "*" }), "identity", "MalformedPolicyDocument", "Syntax errors in policy.");
    rejects(identity({ ...ok, Action: "GetObject" }), "identity", "MalformedPolicyDocument", /prefaced by a vendor/);
    rejects(identity({ ...ok, Resource: "my-bucket" }), "identity", "MalformedPolicyDocument", 'Resource my-bucket must be in ARN format or "*".');
    rejects(identity({ ...ok, Principal: "*" }), "identity", "MalformedPolicyDocument", "Policy document should not specify a principal.");
    rejects(identity({ ...ok, Sid: "has space" }), "identity", "MalformedPolicyDocument", /alpha-numeric/);
    rejects(identity({ ...ok, Sid: "A" }, { ...ok, Sid: "A" }), "identity", "MalformedPolicyDocument", /must be unique/);
    rejects(identity({ ...ok, Condition: { StringEqualz: { "aws:SourceAccount": "1" } } }), "identity", "MalformedPolicyDocument", "Invalid Condition type : StringEqualz");
    rejects(identity({ ...ok, Condition: { StringEquals: { "aws:SourceAccount": { nested: 1 } } } }), "identity", "MalformedPolicyDocument", "Syntax errors in policy.");
    rejects(identity({ ...ok, Extra: 1 }), "identity", "MalformedPolicyDocument", "Syntax errors in policy.");
  });

  it("checks trust policies: principal required, no Resource, only sts:AssumeRole* actions", () => {
    rejects(trust({ Effect: "Allow", Action: "sts:AssumeRole" }), "trust", "MalformedPolicyDocument", "Missing required field Principal");
    rejects(trust({ ...trustOk, Resource: "*" }), "trust", "MalformedPolicyDocument", "Has prohibited field Resource");
    rejects(trust({ ...trustOk, Action: "s3:GetObject" }), "trust", "MalformedPolicyDocument", "AssumeRole policy may only specify STS AssumeRole actions.");
    rejects(trust({ ...trustOk, Principal: { AWS: "not-an-arn" } }), "trust", "MalformedPolicyDocument", /Invalid principal in policy/);
    rejects(trust({ ...trustOk, Principal: { Robot: "x" } }), "trust", "MalformedPolicyDocument", /Invalid principal in policy/);
    rejects(trust({ ...trustOk, Principal: { Service: "not a service" } }), "trust", "MalformedPolicyDocument", /Invalid principal in policy/);
  });

  it("enforces the size quotas, not counting whitespace", () => {
    const pad = (n: number) => identity({ ...ok, Sid: "A".repeat(n) });
    const base = pad(0).length;
    const atLimit = pad(POLICY_SIZE_LIMITS.inline - base);
    assert.ok(parsePolicyDocument(atLimit, "identity"));
    assert.ok(parsePolicyDocument(atLimit.replace(/,/g, ",    \n"), "identity"), "whitespace does not count");
    rejects(pad(POLICY_SIZE_LIMITS.inline - base + 1), "identity", "LimitExceeded", /10240/);
    rejects(pad(POLICY_SIZE_LIMITS.managed), "identity", "LimitExceeded", "Cannot exceed quota for PolicySize: 6144", { limit: "managed" });
    const bigTrust = trust({ ...trustOk, Sid: "A".repeat(POLICY_SIZE_LIMITS.trust) });
    rejects(bigTrust, "trust", "LimitExceeded", "Cannot exceed quota for ACLSizePerRole: 2048");
  });
});
