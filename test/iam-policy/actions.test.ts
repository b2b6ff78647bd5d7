import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  canonicalActionName,
  isKnownAction,
  isWildcardOnlyAction,
  matchesResourceType,
  matchingResourceTypes,
  resourceTypesFor,
} from "../../lib/local/iam-policy/actions.js";

const ACCT = "123456789012";

describe("action knowledge from iam-data", () => {
  it("knows the tutorial's actions, case-insensitively, and not made-up ones", () => {
    for (const a of ["bedrock-agentcore:GetResourceApiKey", "bedrock-agentcore:InvokeAgentRuntime", "sts:AssumeRole", "iam:PassRole", "ecr:BatchGetImage", "s3:GetObject"]) {
      assert.ok(isKnownAction(a), a);
    }
    assert.equal(canonicalActionName("BEDROCK-AGENTCORE:getresourceapikey"), "bedrock-agentcore:GetResourceApiKey");
    assert.equal(isKnownAction("bedrock-agentcore:FooBar"), false);
    assert.equal(isKnownAction("madeupsvc:Foo"), false);
    assert.equal(isKnownAction("../../etc:passwd"), false);
    assert.equal(isKnownAction("GetObject"), false);
  });

  it("gives the resource types and matches ARNs against their templates", () => {
    const types = resourceTypesFor("bedrock-agentcore:GetResourceApiKey").map((t) => t.name);
    assert.ok(types.includes("apikeycredentialprovider") && types.includes("workload-identity"));
    const key = `arn:aws:bedrock-agentcore:us-west-2:${ACCT}:token-vault/default/apikeycredentialprovider/openai-apikey-provider`;
    assert.deepEqual(matchingResourceTypes("bedrock-agentcore:GetResourceApiKey", key), ["apikeycredentialprovider"]);
    const wi = `arn:aws:bedrock-agentcore:us-west-2:${ACCT}:workload-identity-directory/default/workload-identity/agent-x`;
    assert.deepEqual(matchingResourceTypes("bedrock-agentcore:GetResourceApiKey", wi), ["workload-identity"]);
    assert.equal(matchesResourceType("bedrock-agentcore:GetResourceApiKey", `arn:aws:s3:::bucket/key`), false);
    assert.equal(matchesResourceType("s3:GetObject", "arn:aws:s3:::bucket/dir/file name.zip"), true);
    assert.equal(matchesResourceType("iam:GetRole", `arn:aws:iam::${ACCT}:role/service-role/R`), true);
    assert.equal(matchesResourceType("iam:GetRole", `arn:aws:iam::${ACCT}:policy/P`), false);
    assert.equal(matchesResourceType("ecr:DescribeRepositories", `arn:aws:ecr:us-west-2:${ACCT}:repository/my-agent`), true);
  });

  it("knows wildcard-only actions", () => {
    assert.equal(isWildcardOnlyAction("iam:ListRoles"), true);
    assert.equal(isWildcardOnlyAction("ecr:GetAuthorizationToken"), true);
    assert.equal(isWildcardOnlyAction("iam:GetRole"), false);
    assert.equal(matchesResourceType("iam:ListRoles", "*"), true);
    assert.equal(matchesResourceType("iam:ListRoles", `arn:aws:iam::${ACCT}:role/R`), false);
    assert.throws(() => resourceTypesFor("iam:NoSuchAction"), /Unknown IAM action/);
  });
});
