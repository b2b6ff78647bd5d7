/**
 * Each Identity operation asks IAM about the resources AWS documents for its action: a role session
 * gets AccessDeniedException until a policy allows the action on those ARNs, and a policy that
 * names one provider (or one workload identity) allows that one only.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { CreateRoleCommand, PutRolePolicyCommand } from "@aws-sdk/client-iam";
import { AssumeRoleCommand } from "@aws-sdk/client-sts";
import {
  CreateApiKeyCredentialProviderCommand,
  CreateWorkloadIdentityCommand,
  GetApiKeyCredentialProviderCommand,
  GetTokenVaultCommand,
  ListApiKeyCredentialProvidersCommand,
  type BedrockAgentCoreControlClient,
} from "@aws-sdk/client-bedrock-agentcore-control";
import { startTestLocal, type TestLocal } from "../helpers/local.js";
import { rejects } from "./expect.js";

describe("Identity authorization", () => {
  let t: TestLocal;
  let session: BedrockAgentCoreControlClient;
  let arn: (resource: string) => string;

  const allow = (Action: string | string[], Resource: string | string[]) =>
    JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action, Resource }] });
  const putPolicy = (PolicyName: string, PolicyDocument: string) =>
    t.clients.iam.send(new PutRolePolicyCommand({ RoleName: "identity-user", PolicyName, PolicyDocument }));

  before(async () => {
    t = await startTestLocal();
    arn = (resource) => `arn:aws:bedrock-agentcore:${t.region}:${t.accountId}:${resource}`;
    const trust = JSON.stringify({
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Principal: { AWS: `arn:aws:iam::${t.accountId}:root` }, Action: "sts:AssumeRole" }],
    });
    const role = await t.clients.iam.send(new CreateRoleCommand({ RoleName: "identity-user", AssumeRolePolicyDocument: trust }));
    const out = await t.clients.sts.send(new AssumeRoleCommand({ RoleArn: role.Role!.Arn!, RoleSessionName: "tester" }));
    session = t.clientsFor({
      accessKeyId: out.Credentials!.AccessKeyId!,
      secretAccessKey: out.Credentials!.SecretAccessKey!,
      sessionToken: out.Credentials!.SessionToken!,
    }).control;
    await t.clients.control.send(new CreateApiKeyCredentialProviderCommand({ name: "team-key", apiKey: "sk-team" }));
    await t.clients.control.send(new CreateApiKeyCredentialProviderCommand({ name: "other-key", apiKey: "sk-other" }));
  });
  after(() => t.stop());

  it("denies a role session with no policy, in AWS's words, naming the provider ARN", async () => {
    const err = await rejects(() => session.send(new GetApiKeyCredentialProviderCommand({ name: "team-key" })), "AccessDeniedException", 403);
    assert.match(err.message, /assumed-role\/identity-user\/tester is not authorized to perform: bedrock-agentcore:GetApiKeyCredentialProvider/);
    assert.ok(err.message.includes("token-vault/default"), err.message);
    await rejects(() => session.send(new GetTokenVaultCommand({})), "AccessDeniedException", 403);
  });

  it("allows exactly the provider a policy names (with its token vault)", async () => {
    await putPolicy(
      "team-key-only",
      allow("bedrock-agentcore:GetApiKeyCredentialProvider", [arn("token-vault/default"), arn("token-vault/default/apikeycredentialprovider/team-key")]),
    );
    const ok = await session.send(new GetApiKeyCredentialProviderCommand({ name: "team-key" }));
    assert.equal(ok.name, "team-key");
    await rejects(() => session.send(new GetApiKeyCredentialProviderCommand({ name: "other-key" })), "AccessDeniedException", 403);
    // Authorization comes before existence: an unknown name is denied, not revealed as missing.
    await rejects(() => session.send(new GetApiKeyCredentialProviderCommand({ name: "nobody" })), "AccessDeniedException", 403);
  });

  it("needs the token vault as well as the provider", async () => {
    await putPolicy("create-provider-only", allow("bedrock-agentcore:CreateApiKeyCredentialProvider", arn("token-vault/default/apikeycredentialprovider/*")));
    await rejects(() => session.send(new CreateApiKeyCredentialProviderCommand({ name: "mine", apiKey: "sk-m" })), "AccessDeniedException", 403);
    await putPolicy(
      "create-provider-only",
      allow("bedrock-agentcore:CreateApiKeyCredentialProvider", [arn("token-vault/default"), arn("token-vault/default/apikeycredentialprovider/*")]),
    );
    const out = await session.send(new CreateApiKeyCredentialProviderCommand({ name: "mine", apiKey: "sk-m" }));
    assert.equal(out.$metadata.httpStatusCode, 201);
  });

  it("List, GetTokenVault and workload identities use their documented resources", async () => {
    await rejects(() => session.send(new ListApiKeyCredentialProvidersCommand({})), "AccessDeniedException", 403);
    await rejects(() => session.send(new CreateWorkloadIdentityCommand({ name: "team-agent" })), "AccessDeniedException", 403);
    await putPolicy(
      "reader",
      allow(
        ["bedrock-agentcore:ListApiKeyCredentialProviders", "bedrock-agentcore:GetTokenVault"],
        [arn("token-vault/default"), arn("token-vault/default/apikeycredentialprovider/*")],
      ),
    );
    await putPolicy(
      "workloads",
      allow("bedrock-agentcore:CreateWorkloadIdentity", [
        arn("workload-identity-directory/default"),
        arn("workload-identity-directory/default/workload-identity/team-*"),
      ]),
    );
    const listed = await session.send(new ListApiKeyCredentialProvidersCommand({}));
    assert.deepEqual(listed.credentialProviders!.map((p) => p.name), ["mine", "other-key", "team-key"]);
    assert.equal((await session.send(new GetTokenVaultCommand({}))).tokenVaultId, "default");
    await session.send(new CreateWorkloadIdentityCommand({ name: "team-agent" }));
    await rejects(() => session.send(new CreateWorkloadIdentityCommand({ name: "rogue-agent" })), "AccessDeniedException", 403);
  });
  it("conditions on the request's global keys (region, time, caller) are evaluated on every call", async () => {
    const conditioned = (Condition: Record<string, Record<string, string>>) =>
      JSON.stringify({
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Action: "bedrock-agentcore:GetApiKeyCredentialProvider", Resource: "*", Condition }],
      });
    const get = () => session.send(new GetApiKeyCredentialProviderCommand({ name: "other-key" }));
    await putPolicy("conditioned", conditioned({ StringEquals: { "aws:RequestedRegion": t.region, "aws:PrincipalType": "AssumedRole" } }));
    assert.equal((await get()).name, "other-key");
    assert.equal((await get()).name, "other-key", "again");
    await putPolicy("conditioned", conditioned({ StringEquals: { "aws:RequestedRegion": "eu-west-3" } }));
    await rejects(get, "AccessDeniedException", 403);
    await putPolicy("conditioned", conditioned({ DateGreaterThan: { "aws:CurrentTime": "2001-01-01T00:00:00Z" }, StringLike: { "aws:userid": "*:tester" } }));
    assert.equal((await get()).name, "other-key");
    await putPolicy("conditioned", conditioned({ DateLessThan: { "aws:CurrentTime": "2001-01-01T00:00:00Z" } }));
    await rejects(get, "AccessDeniedException", 403);
    // Keys only the request supplies (the evaluator cannot derive them from the principal or the resource).
    await putPolicy("conditioned", conditioned({ StringEquals: { "aws:SourceIp": "127.0.0.1", "aws:SecureTransport": "false" } }));
    assert.equal((await get()).name, "other-key");
    await putPolicy("conditioned", conditioned({ StringEquals: { "aws:SourceIp": "10.1.2.3" } }));
    await rejects(get, "AccessDeniedException", 403);
  });
});
