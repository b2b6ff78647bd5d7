import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { CreateRepositoryCommand, DescribeRepositoriesCommand, GetAuthorizationTokenCommand, type ECRClient } from "@aws-sdk/client-ecr";
import { CreateRoleCommand, PutRolePolicyCommand } from "@aws-sdk/client-iam";
import { AssumeRoleCommand } from "@aws-sdk/client-sts";
import { startTestLocal, type TestLocal } from "../helpers/local.js";

describe("ECR enforces IAM for role sessions", () => {
  let local: TestLocal;
  let asRole: ECRClient;
  before(async () => {
    local = await startTestLocal();
    const trust = JSON.stringify({
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Principal: { AWS: `arn:aws:iam::${local.accountId}:root` }, Action: "sts:AssumeRole" }],
    });
    const role = await local.clients.iam.send(new CreateRoleCommand({ RoleName: "ecr-builder", AssumeRolePolicyDocument: trust }));
    const { Credentials: c } = await local.clients.sts.send(new AssumeRoleCommand({ RoleArn: role.Role!.Arn!, RoleSessionName: "build" }));
    asRole = local.clientsFor({ accessKeyId: c!.AccessKeyId!, secretAccessKey: c!.SecretAccessKey!, sessionToken: c!.SessionToken! }).ecr;
  });
  after(() => local.stop());

  const denied = (action: string, resource: string) => (e: Error) => {
    assert.equal(e.name, "AccessDeniedException");
    assert.match(e.message, new RegExp(`is not authorized to perform: ${action} on resource: ${resource.replace(/[*/]/g, "\\$&")}`));
    return true;
  };

  it("denies by default, then allows what a policy grants on the repository ARN", async () => {
    const arn = `arn:aws:ecr:${local.region}:${local.accountId}:repository/agents/one`;
    await assert.rejects(asRole.send(new CreateRepositoryCommand({ repositoryName: "agents/one" })), denied("ecr:CreateRepository", arn));
    await assert.rejects(asRole.send(new GetAuthorizationTokenCommand({})), denied("ecr:GetAuthorizationToken", "*"));
    await local.clients.iam.send(
      new PutRolePolicyCommand({
        RoleName: "ecr-builder",
        PolicyName: "ecr",
        PolicyDocument: JSON.stringify({
          Version: "2012-10-17",
          Statement: [
            { Effect: "Allow", Action: ["ecr:CreateRepository", "ecr:DescribeRepositories"], Resource: `arn:aws:ecr:*:${local.accountId}:repository/agents/*` },
            { Effect: "Allow", Action: "ecr:GetAuthorizationToken", Resource: "*" },
          ],
        }),
      }),
    );
    const { repository } = await asRole.send(new CreateRepositoryCommand({ repositoryName: "agents/one" }));
    assert.equal(repository?.repositoryArn, arn);
    const described = await asRole.send(new DescribeRepositoriesCommand({ repositoryNames: ["agents/one"] }));
    assert.equal(described.repositories?.length, 1);
    await asRole.send(new GetAuthorizationTokenCommand({}));
    const outside = `arn:aws:ecr:${local.region}:${local.accountId}:repository/other`;
    await assert.rejects(asRole.send(new CreateRepositoryCommand({ repositoryName: "other" })), denied("ecr:CreateRepository", outside));
    // listing every repository needs the action on "*", which the policy does not grant
    await assert.rejects(asRole.send(new DescribeRepositoriesCommand({})), denied("ecr:DescribeRepositories", "*"));
  });
});
