/**
 * Runtime endpoints through the real SDK client: create on a chosen version, get, list, move to
 * another version, the DEFAULT endpoint's protection, delete.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import {
  CreateAgentRuntimeCommand,
  CreateAgentRuntimeEndpointCommand,
  DeleteAgentRuntimeEndpointCommand,
  GetAgentRuntimeEndpointCommand,
  ListAgentRuntimeEndpointsCommand,
  UpdateAgentRuntimeCommand,
  UpdateAgentRuntimeEndpointCommand,
} from "@aws-sdk/client-bedrock-agentcore-control";
import { startTestLocal } from "../helpers/local.js";
import { codeArtifact, createRole, gone, putCodeBundle, rejection, settledEndpoint, settledRuntime, type TestLocal } from "./setup.js";

let local: TestLocal;
let roleArn: string;

before(async () => {
  local = await startTestLocal();
  roleArn = await createRole(local, "agentcore-endpoints-role");
  putCodeBundle(local, "bundles", "v1.zip");
  putCodeBundle(local, "bundles", "v2.zip");
});
after(() => local?.stop());

test("endpoints: create on version 1, move to version 2, list, delete; DEFAULT is protected", async () => {
  const control = local.clients.control;
  const { agentRuntimeId, agentRuntimeArn } = await control.send(
    new CreateAgentRuntimeCommand({ agentRuntimeName: "with_endpoints", agentRuntimeArtifact: codeArtifact("bundles", "v1.zip"), roleArn }),
  );
  const id = agentRuntimeId!;
  assert.equal((await settledRuntime(control, id)).status, "READY");
  await control.send(new UpdateAgentRuntimeCommand({ agentRuntimeId: id, agentRuntimeArtifact: codeArtifact("bundles", "v2.zip"), roleArn }));
  assert.equal((await settledRuntime(control, id)).agentRuntimeVersion, "2");

  const created = await control.send(
    new CreateAgentRuntimeEndpointCommand({ agentRuntimeId: id, name: "prod", agentRuntimeVersion: "1", description: "pinned" }),
  );
  assert.equal(created.$metadata.httpStatusCode, 202);
  assert.equal(created.status, "CREATING");
  assert.equal(created.targetVersion, "1");
  assert.equal(created.endpointName, "prod");
  assert.equal(created.agentRuntimeEndpointArn, `${agentRuntimeArn}/runtime-endpoint/prod`);
  assert.ok(created.createdAt instanceof Date);

  const prod = await settledEndpoint(control, id, "prod");
  assert.equal(prod.status, "READY");
  assert.equal(prod.liveVersion, "1");
  assert.equal(prod.description, "pinned");
  assert.match(prod.id!, /^prod-[a-zA-Z0-9]{10}$/);
  assert.ok(prod.lastUpdatedAt instanceof Date);

  const listed = await control.send(new ListAgentRuntimeEndpointsCommand({ agentRuntimeId: id }));
  assert.deepEqual(
    listed.runtimeEndpoints!.map((e) => [e.name, e.liveVersion]),
    [
      ["DEFAULT", "2"],
      ["prod", "1"],
    ],
  );
  const firstPage = await control.send(new ListAgentRuntimeEndpointsCommand({ agentRuntimeId: id, maxResults: 1 }));
  assert.equal(firstPage.runtimeEndpoints!.length, 1);
  const secondPage = await control.send(new ListAgentRuntimeEndpointsCommand({ agentRuntimeId: id, maxResults: 1, nextToken: firstPage.nextToken }));
  assert.deepEqual(secondPage.runtimeEndpoints!.map((e) => e.name), ["prod"]);
  assert.equal(secondPage.nextToken, undefined);

  const duplicate = await rejection(control.send(new CreateAgentRuntimeEndpointCommand({ agentRuntimeId: id, name: "prod" })));
  assert.equal(duplicate.name, "ConflictException");
  const badVersion = await rejection(control.send(new CreateAgentRuntimeEndpointCommand({ agentRuntimeId: id, name: "canary", agentRuntimeVersion: "7" })));
  assert.equal(badVersion.name, "ResourceNotFoundException");
  const badName = await rejection(control.send(new CreateAgentRuntimeEndpointCommand({ agentRuntimeId: id, name: "my-endpoint" })));
  assert.equal(badName.name, "ValidationException");

  const moving = await control.send(new UpdateAgentRuntimeEndpointCommand({ agentRuntimeId: id, endpointName: "prod", agentRuntimeVersion: "2" }));
  assert.equal(moving.status, "UPDATING");
  assert.equal(moving.liveVersion, "1");
  assert.equal(moving.targetVersion, "2");
  const moved = await settledEndpoint(control, id, "prod");
  assert.equal(moved.status, "READY");
  assert.equal(moved.liveVersion, "2");

  for (const call of [
    control.send(new DeleteAgentRuntimeEndpointCommand({ agentRuntimeId: id, endpointName: "DEFAULT" })),
    control.send(new UpdateAgentRuntimeEndpointCommand({ agentRuntimeId: id, endpointName: "DEFAULT", agentRuntimeVersion: "1" })),
  ]) {
    const err = await rejection(call);
    assert.equal(err.name, "ValidationException");
    assert.match(err.message, /DEFAULT endpoint is managed by the runtime/);
  }

  const deleting = await control.send(new DeleteAgentRuntimeEndpointCommand({ agentRuntimeId: id, endpointName: "prod" }));
  assert.equal(deleting.$metadata.httpStatusCode, 202);
  assert.equal(deleting.status, "DELETING");
  await gone(() => control.send(new GetAgentRuntimeEndpointCommand({ agentRuntimeId: id, endpointName: "prod" })), "endpoint prod");
  const after = await control.send(new ListAgentRuntimeEndpointsCommand({ agentRuntimeId: id }));
  assert.deepEqual(after.runtimeEndpoints!.map((e) => e.name), ["DEFAULT"]);

  const unknown = await rejection(control.send(new GetAgentRuntimeEndpointCommand({ agentRuntimeId: id, endpointName: "nope" })));
  assert.equal(unknown.name, "ResourceNotFoundException");
});
