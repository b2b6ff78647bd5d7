/**
 * Bad requests get AWS-shaped errors and change nothing: duplicate names, names outside the
 * model's pattern, a missing or empty artifact, client-token reuse, unknown runtimes, and callers
 * without the permissions AWS requires (including iam:PassRole on the execution role).
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import {
  CreateAgentRuntimeCommand,
  DeleteAgentRuntimeCommand,
  GetAgentRuntimeCommand,
  ListAgentRuntimesCommand,
  UpdateAgentRuntimeCommand,
} from "@aws-sdk/client-bedrock-agentcore-control";
import { PutRolePolicyCommand } from "@aws-sdk/client-iam";
import { AssumeRoleCommand } from "@aws-sdk/client-sts";
import { startTestLocal } from "../helpers/local.js";
import { codeArtifact, createRole, putCodeBundle, rejection, settledRuntime, type TestLocal } from "./setup.js";

let local: TestLocal;
let roleArn: string;

before(async () => {
  local = await startTestLocal();
  roleArn = await createRole(local, "agentcore-validation-role");
  putCodeBundle(local, "bundles", "ok.zip");
});
after(() => local?.stop());

const runtimeCount = async () => (await local.clients.control.send(new ListAgentRuntimesCommand({}))).agentRuntimes!.length;

test("a second runtime with the same name is a ConflictException", async () => {
  const control = local.clients.control;
  await control.send(new CreateAgentRuntimeCommand({ agentRuntimeName: "twin", agentRuntimeArtifact: codeArtifact("bundles", "ok.zip"), roleArn }));
  const before = await runtimeCount();
  const err = await rejection(
    control.send(new CreateAgentRuntimeCommand({ agentRuntimeName: "twin", agentRuntimeArtifact: codeArtifact("bundles", "ok.zip"), roleArn })),
  );
  assert.equal(err.name, "ConflictException");
  assert.equal(err.$metadata?.httpStatusCode, 409);
  assert.match(err.message, /named twin already exists/);
  assert.equal(await runtimeCount(), before);
});

test("names outside [a-zA-Z][a-zA-Z0-9_]{0,47} are refused", async () => {
  const control = local.clients.control;
  for (const name of ["my-agent", "1agent", "a".repeat(49)]) {
    const err = await rejection(
      control.send(new CreateAgentRuntimeCommand({ agentRuntimeName: name, agentRuntimeArtifact: codeArtifact("bundles", "ok.zip"), roleArn })),
    );
    assert.equal(err.name, "ValidationException", name);
    assert.equal(err.$metadata?.httpStatusCode, 400);
    assert.match(err.message, /agentRuntimeName/);
  }
});

test("a missing or empty artifact is a ValidationException", async () => {
  const control = local.clients.control;
  const before = await runtimeCount();
  const missing = await rejection(
    control.send(new CreateAgentRuntimeCommand({ agentRuntimeName: "no_artifact", roleArn } as never)),
  );
  assert.equal(missing.name, "ValidationException");
  assert.match(missing.message, /agentRuntimeArtifact/);
  const empty = await rejection(
    control.send(new CreateAgentRuntimeCommand({ agentRuntimeName: "empty_artifact", agentRuntimeArtifact: {} as never, roleArn })),
  );
  assert.equal(empty.name, "ValidationException");
  assert.match(empty.message, /agentRuntimeArtifact/);
  const lifecycle = await rejection(
    control.send(
      new CreateAgentRuntimeCommand({
        agentRuntimeName: "bad_lifecycle",
        agentRuntimeArtifact: codeArtifact("bundles", "ok.zip"),
        roleArn,
        lifecycleConfiguration: { idleRuntimeSessionTimeout: 7200, maxLifetime: 3600 },
      }),
    ),
  );
  assert.equal(lifecycle.name, "ValidationException");
  assert.equal(await runtimeCount(), before);
});

test("the same clientToken answers the same runtime; with other parameters it is refused", async () => {
  const control = local.clients.control;
  const clientToken = "runtime-control-idempotency-token-0001";
  const input = { agentRuntimeName: "idempotent", agentRuntimeArtifact: codeArtifact("bundles", "ok.zip"), roleArn, clientToken };
  const first = await control.send(new CreateAgentRuntimeCommand(input));
  const again = await control.send(new CreateAgentRuntimeCommand(input));
  assert.equal(again.agentRuntimeId, first.agentRuntimeId);
  assert.equal(again.createdAt?.getTime(), first.createdAt?.getTime());
  const listed = (await control.send(new ListAgentRuntimesCommand({}))).agentRuntimes!.filter((r) => r.agentRuntimeName === "idempotent");
  assert.equal(listed.length, 1);

  const mismatch = await rejection(control.send(new CreateAgentRuntimeCommand({ ...input, description: "different" })));
  assert.equal(mismatch.name, "ValidationException");
  assert.equal(mismatch.reason, "IdempotentParameterMismatchException");
});

test("unknown runtimes are ResourceNotFoundException; updating while CREATING is a ConflictException", async () => {
  const control = local.clients.control;
  for (const call of [
    control.send(new GetAgentRuntimeCommand({ agentRuntimeId: "ghost-AbCdEf1234" })),
    control.send(new DeleteAgentRuntimeCommand({ agentRuntimeId: "ghost-AbCdEf1234" })),
    control.send(new UpdateAgentRuntimeCommand({ agentRuntimeId: "ghost-AbCdEf1234", agentRuntimeArtifact: codeArtifact("bundles", "ok.zip"), roleArn })),
  ]) {
    const err = await rejection(call);
    assert.equal(err.name, "ResourceNotFoundException");
    assert.equal(err.$metadata?.httpStatusCode, 404);
  }
  // A long transition makes "still CREATING" certain, whatever the machine's speed.
  process.env.AGENTCORE_LOCAL_RUNTIME_SETTLE_MS = "60000";
  let id: string;
  try {
    id = (await control.send(new CreateAgentRuntimeCommand({ agentRuntimeName: "busy", agentRuntimeArtifact: codeArtifact("bundles", "ok.zip"), roleArn })))
      .agentRuntimeId!;
  } finally {
    delete process.env.AGENTCORE_LOCAL_RUNTIME_SETTLE_MS;
  }
  const err = await rejection(
    control.send(new UpdateAgentRuntimeCommand({ agentRuntimeId: id, agentRuntimeArtifact: codeArtifact("bundles", "ok.zip"), roleArn })),
  );
  assert.equal(err.name, "ConflictException");
  assert.match(err.message, /CREATING/);
});

test("a role session needs CreateAgentRuntime and iam:PassRole on the execution role", async () => {
  const callerRole = await createRole(
    local,
    "runtime-deployer",
    JSON.stringify({
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Principal: { AWS: `arn:aws:iam::${local.accountId}:root` }, Action: "sts:AssumeRole" }],
    }),
  );
  const session = await local.clients.sts.send(new AssumeRoleCommand({ RoleArn: callerRole, RoleSessionName: "deploy" }));
  const c = session.Credentials!;
  const asDeployer = local.clientsFor({ accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: c.SessionToken! }).control;
  const create = () =>
    asDeployer.send(new CreateAgentRuntimeCommand({ agentRuntimeName: "by_deployer", agentRuntimeArtifact: codeArtifact("bundles", "ok.zip"), roleArn }));

  const denied = await rejection(create());
  assert.equal(denied.name, "AccessDeniedException");
  assert.match(denied.message, /bedrock-agentcore:CreateAgentRuntime/);

  const allowAgentCore = { Effect: "Allow", Action: "bedrock-agentcore:*", Resource: "*" };
  await local.clients.iam.send(
    new PutRolePolicyCommand({
      RoleName: "runtime-deployer",
      PolicyName: "agentcore",
      PolicyDocument: JSON.stringify({ Version: "2012-10-17", Statement: [allowAgentCore] }),
    }),
  );
  const noPassRole = await rejection(create());
  assert.equal(noPassRole.name, "AccessDeniedException");
  assert.match(noPassRole.message, /iam:PassRole/);
  assert.ok(noPassRole.message.includes(roleArn));

  await local.clients.iam.send(
    new PutRolePolicyCommand({
      RoleName: "runtime-deployer",
      PolicyName: "agentcore",
      PolicyDocument: JSON.stringify({
        Version: "2012-10-17",
        Statement: [allowAgentCore, { Effect: "Allow", Action: "iam:PassRole", Resource: roleArn }],
      }),
    }),
  );
  const created = await create();
  const settled = await settledRuntime(asDeployer, created.agentRuntimeId!);
  assert.equal(settled.status, "READY", settled.failureReason);
});
