/**
 * IpAddress / NotIpAddress (and BinaryEquals) conditions: unit cases for the edges (IPv6, prefix
 * lengths, a bare address, malformed values on either side, IfExists, a missing key) and the same
 * pairs against `@cloud-copilot/iam-simulate` (a test-only oracle), except 0.0.0.0/0, which it
 * matches against nothing.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { runUnsafeSimulation, type Simulation } from "@cloud-copilot/iam-simulate";
import { evaluate, requestContext, type EvaluationRequest } from "../../lib/local/iam-policy/evaluate.js";
import { parsePolicyDocument } from "../../lib/local/iam-policy/parse.js";
import type { ContextValues, PolicyDocument, PolicyStatement } from "../../lib/local/service.js";

const ACCT = "123456789012";
const PRINCIPAL = `arn:aws:sts::${ACCT}:assumed-role/AgentRole/sess`;
const NOW = new Date("2026-11-28T12:00:00Z");

const policy = (Condition: PolicyStatement["Condition"]): PolicyDocument => ({
  Version: "2012-10-17",
  Statement: [{ Effect: "Allow", Action: "s3:GetObject", Resource: "*", Condition }],
});
const request = (context: ContextValues): EvaluationRequest => ({ principalArn: PRINCIPAL, action: "s3:GetObject", resource: "arn:aws:s3:::b/k", context });
const decide = (condition: PolicyStatement["Condition"], context: ContextValues) => evaluate(request(context), [policy(condition)]);

function oracle(condition: PolicyStatement["Condition"], context: ContextValues): string {
  const contextVariables: Record<string, string | string[]> = {};
  for (const [k, v] of requestContext(request(context), NOW)) contextVariables[k] = v;
  const sim: Simulation = {
    request: { principal: PRINCIPAL, action: "s3:GetObject", resource: { resource: "arn:aws:s3:::b/k", accountId: ACCT }, contextVariables },
    identityPolicies: [{ name: "p", policy: policy(condition) }],
    serviceControlPolicies: [],
    resourceControlPolicies: [],
  };
  return runUnsafeSimulation(sim, {});
}

const CASES: [range: string | string[], ip: string, allowed: boolean][] = [
  ["203.0.113.0/24", "203.0.113.7", true],
  ["203.0.113.0/24", "203.0.114.7", false],
  ["203.0.113.7", "203.0.113.7", true],
  ["203.0.113.7", "203.0.113.8", false],
  ["203.0.113.7/32", "203.0.113.7", true],
  ["0.0.0.0/0", "198.51.100.1", true],
  ["127.0.0.0/8", "127.0.0.1", true],
  ["10.0.0.0/8", "127.0.0.1", false],
  [["10.0.0.0/8", "127.0.0.0/8"], "127.0.0.1", true],
  ["2001:db8:1234:5678::/64", "2001:db8:1234:5678:abcd::1", true],
  ["2001:DB8:1234:5678::/64", "2001:db8:1234:5679::1", false],
  ["::1/128", "::1", true],
  ["203.0.113.0/24", "2001:db8::1", false],
];

describe("IpAddress and NotIpAddress", () => {
  it("match CIDR ranges, single addresses and IPv6 as AWS documents", () => {
    for (const [range, ip, allowed] of CASES) {
      const ctx = { "aws:SourceIp": ip };
      assert.equal(decide({ IpAddress: { "aws:SourceIp": range } }, ctx), allowed ? "Allowed" : "ImplicitlyDenied", `IpAddress ${range} ${ip}`);
      assert.equal(decide({ NotIpAddress: { "aws:SourceIp": range } }, ctx), allowed ? "ImplicitlyDenied" : "Allowed", `NotIpAddress ${range} ${ip}`);
    }
  });

  it("agree with iam-simulate on the same pairs", () => {
    // iam-simulate matches nothing against 0.0.0.0/0; AWS documents it as every IPv4 address.
    for (const [range, ip] of CASES.filter(([r]) => r !== "0.0.0.0/0")) {
      for (const operator of ["IpAddress", "NotIpAddress"]) {
        const condition = { [operator]: { "aws:SourceIp": range } };
        const ctx = { "aws:SourceIp": ip };
        assert.equal(decide(condition, ctx), oracle(condition, ctx), `${operator} ${range} ${ip}`);
      }
    }
  });

  it("never match what is not an address or a range", () => {
    for (const [range, ip] of [
      ["203.0.113.0/33", "203.0.113.1"],
      ["203.0.113.0/", "203.0.113.1"],
      ["203.0.113.0/-1", "203.0.113.1"],
      ["not-an-ip", "203.0.113.1"],
      ["203.0.113.0/24", "203.0.113.1/32"],
      ["203.0.113.0/24", "localhost"],
      ["203.0.113.0/24", ""],
    ]) {
      assert.equal(decide({ IpAddress: { "aws:SourceIp": range } }, { "aws:SourceIp": ip }), "ImplicitlyDenied", `IpAddress ${range} ${ip}`);
    }
  });

  it("treat a missing key as other operators do: false, true when negated or IfExists", () => {
    assert.equal(decide({ IpAddress: { "aws:SourceIp": "0.0.0.0/0" } }, {}), "ImplicitlyDenied");
    assert.equal(decide({ NotIpAddress: { "aws:SourceIp": "0.0.0.0/0" } }, {}), "Allowed");
    assert.equal(decide({ IpAddressIfExists: { "aws:SourceIp": "10.0.0.0/8" } }, {}), "Allowed");
    assert.equal(decide({ IpAddressIfExists: { "aws:SourceIp": "10.0.0.0/8" } }, { "aws:SourceIp": "127.0.0.1" }), "ImplicitlyDenied");
  });

  it("are accepted in stored policies, with condition keys in any case", () => {
    const doc = JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Deny", Action: "*", Resource: "*", Condition: { NotIpAddress: { "AWS:SourceIP": ["127.0.0.0/8", "::1/128"] } } }] });
    assert.doesNotThrow(() => parsePolicyDocument(doc, "identity"));
    const denyOutside = JSON.parse(doc) as PolicyDocument;
    const allowAll: PolicyDocument = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }] };
    assert.equal(evaluate(request({ "aws:SourceIp": "127.0.0.1" }), [allowAll, denyOutside]), "Allowed");
    assert.equal(evaluate(request({ "aws:SourceIp": "192.0.2.1" }), [allowAll, denyOutside]), "ExplicitlyDenied");
  });
});

describe("BinaryEquals", () => {
  it("compares the base64 text exactly", () => {
    assert.equal(decide({ BinaryEquals: { "s3:x-amz-meta-key": "QmluYXJ5VmFsdWU=" } }, { "s3:x-amz-meta-key": "QmluYXJ5VmFsdWU=" }), "Allowed");
    assert.equal(decide({ BinaryEquals: { "s3:x-amz-meta-key": "QmluYXJ5VmFsdWU=" } }, { "s3:x-amz-meta-key": "qmluyxj5vmfsdwu=" }), "ImplicitlyDenied");
  });
});
