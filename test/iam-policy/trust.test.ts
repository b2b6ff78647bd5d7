import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parsePolicyDocument } from "../../lib/local/iam-policy/parse.js";
import { evaluateTrust, trustDecision } from "../../lib/local/iam-policy/trust.js";

const ACCT = "123456789012";
const REGION = "us-west-2";
const ROLE = `arn:aws:iam::${ACCT}:role/AgentCoreRuntimeRole`;
const SERVICE = "bedrock-agentcore.amazonaws.com";

/** The trust policy the tutorial creates for the runtime's execution role. */
const tutorialTrust = (acct = ACCT, region = REGION) =>
  parsePolicyDocument(
    JSON.stringify({
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "AssumeRolePolicy",
          Effect: "Allow",
          Principal: { Service: SERVICE },
          Action: "sts:AssumeRole",
          Condition: {
            StringEquals: { "aws:SourceAccount": acct },
            ArnLike: { "aws:SourceArn": `arn:aws:bedrock-agentcore:${region}:${acct}:*` },
          },
        },
      ],
    }),
    "trust",
  );

const runtimeArn = (acct = ACCT, region = REGION) => `arn:aws:bedrock-agentcore:${region}:${acct}:runtime/agent-AbCdE12345`;

describe("trust policy of the tutorial", () => {
  it("lets the AgentCore service assume the role for a runtime of the right account and region", () => {
    const ctx = { "aws:SourceAccount": ACCT, "aws:SourceArn": runtimeArn() };
    assert.equal(evaluateTrust(tutorialTrust(), ROLE, { Service: SERVICE }, ctx), true);
  });

  it("refuses a wrong account, a wrong region, missing context or another service", () => {
    assert.equal(evaluateTrust(tutorialTrust(), ROLE, { Service: SERVICE }, { "aws:SourceAccount": "999999999999", "aws:SourceArn": runtimeArn("999999999999") }), false);
    assert.equal(evaluateTrust(tutorialTrust(), ROLE, { Service: SERVICE }, { "aws:SourceAccount": ACCT, "aws:SourceArn": runtimeArn(ACCT, "eu-west-1") }), false);
    assert.equal(evaluateTrust(tutorialTrust(), ROLE, { Service: SERVICE }, {}), false);
    assert.equal(evaluateTrust(tutorialTrust(), ROLE, { Service: "lambda.amazonaws.com" }, { "aws:SourceAccount": ACCT, "aws:SourceArn": runtimeArn() }), false);
    assert.equal(evaluateTrust(tutorialTrust(), ROLE, { AWS: `arn:aws:iam::${ACCT}:user/agentcore-local-admin` }, { "aws:SourceAccount": ACCT, "aws:SourceArn": runtimeArn() }), false);
  });
});

describe("principal matching", () => {
  const trust = (Principal: unknown, extra: Record<string, unknown> = {}) =>
    parsePolicyDocument(JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal, Action: "sts:AssumeRole", ...extra }] }), "trust");
  const session = (role: string, acct = ACCT) => ({ AWS: `arn:aws:sts::${acct}:assumed-role/${role}/s1` });

  it('"*" is anyone', () => {
    assert.equal(evaluateTrust(trust("*"), ROLE, session("Other")), true);
    assert.equal(evaluateTrust(trust("*"), ROLE, { Service: SERVICE }), true);
  });

  it("an account id or its root ARN is any principal of that account, and needs the caller's identity policy", () => {
    for (const p of [{ AWS: ACCT }, { AWS: `arn:aws:iam::${ACCT}:root` }]) {
      assert.deepEqual(trustDecision(trust(p), ROLE, session("Caller")), { allowed: true, needsIdentityPolicy: true, explicitDeny: false });
      assert.equal(evaluateTrust(trust(p), ROLE, session("Caller", "210987654321")), false);
    }
  });

  it("a role ARN matches that role's sessions; a session ARN matches exactly", () => {
    const byRole = trust({ AWS: `arn:aws:iam::${ACCT}:role/team/Caller` });
    assert.deepEqual(trustDecision(byRole, ROLE, session("Caller")), { allowed: true, needsIdentityPolicy: false, explicitDeny: false });
    assert.equal(evaluateTrust(byRole, ROLE, session("Other")), false);
    const bySession = trust({ AWS: [`arn:aws:sts::${ACCT}:assumed-role/Caller/s1`] });
    assert.equal(evaluateTrust(bySession, ROLE, session("Caller")), true);
    assert.equal(evaluateTrust(bySession, ROLE, { AWS: `arn:aws:sts::${ACCT}:assumed-role/Caller/s2` }), false);
  });

  it("an explicit Deny in the trust policy wins, and NotPrincipal excludes", () => {
    const doc = parsePolicyDocument(
      JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          { Effect: "Allow", Principal: { AWS: ACCT }, Action: "sts:AssumeRole" },
          { Effect: "Deny", NotPrincipal: { AWS: `arn:aws:iam::${ACCT}:role/Good` }, Action: "sts:*" },
        ],
      }),
      "trust",
    );
    assert.equal(trustDecision(doc, ROLE, session("Bad")).explicitDeny, true);
    assert.equal(evaluateTrust(doc, ROLE, session("Good")), true);
  });

  it("only covers the actions it names", () => {
    const doc = trust({ Service: SERVICE }, { Action: "sts:TagSession" });
    assert.equal(evaluateTrust(doc, ROLE, { Service: SERVICE }), false);
  });
});
