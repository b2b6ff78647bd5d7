/**
 * CREATE_FAILED / UPDATE_FAILED with a failureReason that says what to fix: a missing role, a trust
 * policy that does not trust AgentCore for this runtime, a missing code bundle, a container image
 * outside Local ECR. A failed update leaves the DEFAULT endpoint serving the previous version.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { CreateAgentRuntimeCommand, UpdateAgentRuntimeCommand } from "@aws-sdk/client-bedrock-agentcore-control";
import { CreateRepositoryCommand } from "@aws-sdk/client-ecr";
import { UpdateAssumeRolePolicyCommand } from "@aws-sdk/client-iam";
import { startTestLocal } from "../helpers/local.js";
import { agentCoreTrustPolicy, codeArtifact, createRole, putCodeBundle, settledEndpoint, settledRuntime, type TestLocal } from "./setup.js";

let local: TestLocal;
let roleArn: string;

before(async () => {
  local = await startTestLocal();
  roleArn = await createRole(local, "agentcore-failures-role");
  putCodeBundle(local, "bundles", "ok.zip");
});
after(() => local?.stop());

async function createAndSettle(name: string, artifact: object, role = roleArn) {
  const control = local.clients.control;
  const out = await control.send(
    new CreateAgentRuntimeCommand({ agentRuntimeName: name, agentRuntimeArtifact: artifact as never, roleArn: role }),
  );
  assert.equal(out.status, "CREATING");
  return settledRuntime(control, out.agentRuntimeId!);
}

test("a role that does not exist fails the creation and names the role", async () => {
  const missing = `arn:aws:iam::${local.accountId}:role/no-such-role`;
  const r = await createAndSettle("missing_role", codeArtifact("bundles", "ok.zip"), missing);
  assert.equal(r.status, "CREATE_FAILED");
  assert.match(r.failureReason!, /no-such-role does not exist/);
  assert.match(r.failureReason!, /CreateRole/);
  const endpoint = await settledEndpoint(local.clients.control, r.agentRuntimeId!, "DEFAULT");
  assert.equal(endpoint.status, "CREATE_FAILED");
  assert.equal(endpoint.liveVersion, undefined);
  assert.match(endpoint.failureReason!, /no-such-role/);
});

test("a trust policy that does not let AgentCore assume the role fails the creation", async () => {
  const lambdaOnly = await createRole(
    local,
    "trusts-lambda-only",
    agentCoreTrustPolicy(local.accountId, local.region, "lambda.amazonaws.com"),
  );
  const r = await createAndSettle("wrong_service", codeArtifact("bundles", "ok.zip"), lambdaOnly);
  assert.equal(r.status, "CREATE_FAILED");
  assert.match(r.failureReason!, /trust policy of role trusts-lambda-only does not let bedrock-agentcore\.amazonaws\.com assume it/);

  // The right service, but the condition pins another account.
  const otherAccount = await createRole(
    local,
    "trusts-other-account",
    agentCoreTrustPolicy("111122223333", local.region),
  );
  const r2 = await createAndSettle("wrong_account", codeArtifact("bundles", "ok.zip"), otherAccount);
  assert.equal(r2.status, "CREATE_FAILED");
  assert.match(r2.failureReason!, /trust policy of role trusts-other-account/);
  assert.match(r2.failureReason!, /UpdateAssumeRolePolicy/);

  // Fixing the trust policy and updating the runtime makes it READY.
  await local.clients.iam.send(
    new UpdateAssumeRolePolicyCommand({ RoleName: "trusts-other-account", PolicyDocument: agentCoreTrustPolicy(local.accountId, local.region) }),
  );
  const control = local.clients.control;
  await control.send(
    new UpdateAgentRuntimeCommand({ agentRuntimeId: r2.agentRuntimeId!, agentRuntimeArtifact: codeArtifact("bundles", "ok.zip"), roleArn: otherAccount }),
  );
  const fixed = await settledRuntime(control, r2.agentRuntimeId!);
  assert.equal(fixed.status, "READY", fixed.failureReason);
  assert.equal(fixed.agentRuntimeVersion, "2");
});

test("a missing code bundle fails the creation with the S3 location to upload", async () => {
  const r = await createAndSettle("missing_object", codeArtifact("bundles", "nothing-here.zip"));
  assert.equal(r.status, "CREATE_FAILED");
  assert.match(r.failureReason!, /s3:\/\/bundles\/nothing-here\.zip does not exist/);
  assert.match(r.failureReason!, /PutObject/);

  const noBucket = await createAndSettle("missing_bucket", codeArtifact("no-such-bucket", "a.zip"));
  assert.equal(noBucket.status, "CREATE_FAILED");
  assert.match(noBucket.failureReason!, /bucket no-such-bucket/);
});

test("a Python code runtime fails locally with what to use instead", async () => {
  const r = await createAndSettle("python_agent", {
    codeConfiguration: { code: { s3: { bucket: "bundles", prefix: "ok.zip" } }, runtime: "PYTHON_3_12", entryPoint: ["main.py"] },
  });
  assert.equal(r.status, "CREATE_FAILED");
  assert.match(r.failureReason!, /NODE_22 only, not PYTHON_3_12/);
});

test("container images must come from an existing Local ECR repository", async () => {
  const registry = `${local.accountId}.dkr.ecr.${local.region}.amazonaws.com`;
  const missingRepo = await createAndSettle("no_repo", { containerConfiguration: { containerUri: `${registry}/no-such-repo:latest` } });
  assert.equal(missingRepo.status, "CREATE_FAILED");
  assert.match(missingRepo.failureReason!, /ECR repository no-such-repo does not exist/);

  const otherAccount = await createAndSettle("other_registry", {
    containerConfiguration: { containerUri: `111122223333.dkr.ecr.${local.region}.amazonaws.com/agent:latest` },
  });
  assert.equal(otherAccount.status, "CREATE_FAILED");
  assert.match(otherAccount.failureReason!, /another account or region/);

  await local.clients.ecr.send(new CreateRepositoryCommand({ repositoryName: "agents/echo" }));
  const ok = await createAndSettle("with_repo", { containerConfiguration: { containerUri: `${registry}/agents/echo:v1` } });
  assert.equal(ok.status, "READY", ok.failureReason);
});

test("a failed update keeps the DEFAULT endpoint on the previous version", async () => {
  const control = local.clients.control;
  const r = await createAndSettle("update_fails", codeArtifact("bundles", "ok.zip"));
  assert.equal(r.status, "READY", r.failureReason);
  await control.send(
    new UpdateAgentRuntimeCommand({ agentRuntimeId: r.agentRuntimeId!, agentRuntimeArtifact: codeArtifact("bundles", "missing-v2.zip"), roleArn }),
  );
  const failed = await settledRuntime(control, r.agentRuntimeId!);
  assert.equal(failed.status, "UPDATE_FAILED");
  assert.equal(failed.agentRuntimeVersion, "2");
  assert.match(failed.failureReason!, /missing-v2\.zip does not exist/);
  const endpoint = await settledEndpoint(control, r.agentRuntimeId!, "DEFAULT");
  assert.equal(endpoint.status, "UPDATE_FAILED");
  assert.equal(endpoint.liveVersion, "1", "invocations keep going to version 1");
  assert.equal(endpoint.targetVersion, "2");
});
