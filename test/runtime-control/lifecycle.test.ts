/**
 * An agent runtime's whole life through the real AgentCore control SDK client: create (CREATING,
 * then READY), get, update to version 2 with the DEFAULT endpoint following, versions, delete
 * (DELETING, then gone with its endpoints, versions and workload identity).
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import {
  CreateAgentRuntimeCommand,
  DeleteAgentRuntimeCommand,
  GetAgentRuntimeCommand,
  GetAgentRuntimeEndpointCommand,
  GetWorkloadIdentityCommand,
  ListAgentRuntimeEndpointsCommand,
  ListAgentRuntimesCommand,
  ListAgentRuntimeVersionsCommand,
  UpdateAgentRuntimeCommand,
} from "@aws-sdk/client-bedrock-agentcore-control";
import { startTestLocal } from "../helpers/local.js";
import { codeArtifact, createRole, gone, putCodeBundle, rejection, settledEndpoint, settledRuntime, type TestLocal } from "./setup.js";

let local: TestLocal;
let roleArn: string;

before(async () => {
  local = await startTestLocal();
  roleArn = await createRole(local, "agentcore-lifecycle-role");
  putCodeBundle(local, "bundles", "agent/v1.zip");
  putCodeBundle(local, "bundles", "agent/v2.zip");
});
after(() => local?.stop());

test("create → READY, get, update → version 2 with DEFAULT moved, delete → gone with everything it made", async () => {
  const control = local.clients.control;
  const created = await control.send(
    new CreateAgentRuntimeCommand({
      agentRuntimeName: "lifecycle_agent",
      agentRuntimeArtifact: codeArtifact("bundles", "agent/v1.zip"),
      roleArn,
      networkConfiguration: { networkMode: "PUBLIC" },
      environmentVariables: { GREETING: "hello" },
      description: "first version",
    }),
  );
  assert.equal(created.$metadata.httpStatusCode, 202);
  assert.equal(created.status, "CREATING");
  assert.equal(created.agentRuntimeVersion, "1");
  const id = created.agentRuntimeId!;
  assert.match(id, /^lifecycle_agent-[a-zA-Z0-9]{10}$/);
  assert.equal(created.agentRuntimeArn, `arn:aws:bedrock-agentcore:${local.region}:${local.accountId}:runtime/${id}`);
  assert.ok(created.createdAt instanceof Date && !Number.isNaN(created.createdAt.getTime()));
  const workloadIdentityArn = `arn:aws:bedrock-agentcore:${local.region}:${local.accountId}:workload-identity-directory/default/workload-identity/${id}`;
  assert.equal(created.workloadIdentityDetails?.workloadIdentityArn, workloadIdentityArn);

  const ready = await settledRuntime(control, id);
  assert.equal(ready.status, "READY", ready.failureReason);
  assert.equal(ready.failureReason, undefined);
  assert.equal(ready.agentRuntimeName, "lifecycle_agent");
  assert.equal(ready.agentRuntimeVersion, "1");
  assert.equal(ready.roleArn, roleArn);
  assert.ok(ready.createdAt instanceof Date && ready.lastUpdatedAt instanceof Date);
  assert.equal(ready.createdAt.getTime(), created.createdAt!.getTime());
  assert.ok(ready.lastUpdatedAt.getTime() >= ready.createdAt.getTime());
  assert.deepEqual(ready.lifecycleConfiguration, { idleRuntimeSessionTimeout: 900, maxLifetime: 28800 });
  assert.deepEqual(ready.agentRuntimeArtifact, codeArtifact("bundles", "agent/v1.zip"));
  assert.deepEqual(ready.environmentVariables, { GREETING: "hello" });
  assert.equal(ready.description, "first version");
  assert.deepEqual(ready.protocolConfiguration, { serverProtocol: "HTTP" });
  assert.equal(ready.workloadIdentityDetails?.workloadIdentityArn, workloadIdentityArn);

  const identity = await control.send(new GetWorkloadIdentityCommand({ name: id }));
  assert.equal(identity.workloadIdentityArn, workloadIdentityArn);

  const defaultV1 = await settledEndpoint(control, id, "DEFAULT");
  assert.equal(defaultV1.status, "READY");
  assert.equal(defaultV1.liveVersion, "1");
  assert.equal(defaultV1.agentRuntimeEndpointArn, `${created.agentRuntimeArn}/runtime-endpoint/DEFAULT`);
  assert.match(defaultV1.id!, /^DEFAULT-[a-zA-Z0-9]{10}$/);

  const updated = await control.send(
    new UpdateAgentRuntimeCommand({
      agentRuntimeId: id,
      agentRuntimeArtifact: codeArtifact("bundles", "agent/v2.zip"),
      roleArn,
      lifecycleConfiguration: { idleRuntimeSessionTimeout: 120, maxLifetime: 3600 },
      environmentVariables: { GREETING: "bonjour" },
    }),
  );
  assert.equal(updated.$metadata.httpStatusCode, 202);
  assert.equal(updated.agentRuntimeVersion, "2");
  assert.equal(updated.status, "UPDATING");
  assert.ok(updated.lastUpdatedAt instanceof Date);

  const v2 = await settledRuntime(control, id);
  assert.equal(v2.status, "READY", v2.failureReason);
  assert.equal(v2.agentRuntimeVersion, "2");
  assert.deepEqual(v2.environmentVariables, { GREETING: "bonjour" });
  assert.deepEqual(v2.lifecycleConfiguration, { idleRuntimeSessionTimeout: 120, maxLifetime: 3600 });
  assert.equal(v2.description, undefined, "an update replaces the whole configuration");

  // Version 1 is immutable and still readable.
  const v1 = await control.send(new GetAgentRuntimeCommand({ agentRuntimeId: id, agentRuntimeVersion: "1" }));
  assert.equal(v1.agentRuntimeVersion, "1");
  assert.deepEqual(v1.environmentVariables, { GREETING: "hello" });
  assert.deepEqual(v1.agentRuntimeArtifact, codeArtifact("bundles", "agent/v1.zip"));

  const defaultV2 = await settledEndpoint(control, id, "DEFAULT");
  assert.equal(defaultV2.status, "READY");
  assert.equal(defaultV2.liveVersion, "2");
  assert.equal(defaultV2.targetVersion, "2");

  const versions = await control.send(new ListAgentRuntimeVersionsCommand({ agentRuntimeId: id }));
  assert.deepEqual(
    versions.agentRuntimes!.map((v) => [v.agentRuntimeVersion, v.status]),
    [
      ["1", "READY"],
      ["2", "READY"],
    ],
  );
  assert.ok(versions.agentRuntimes!.every((v) => v.lastUpdatedAt instanceof Date));

  const missingVersion = await rejection(control.send(new GetAgentRuntimeCommand({ agentRuntimeId: id, agentRuntimeVersion: "9" })));
  assert.equal(missingVersion.name, "ResourceNotFoundException");

  const deleted = await control.send(new DeleteAgentRuntimeCommand({ agentRuntimeId: id }));
  assert.equal(deleted.$metadata.httpStatusCode, 202);
  assert.equal(deleted.status, "DELETING");
  await gone(() => control.send(new GetAgentRuntimeCommand({ agentRuntimeId: id })), `runtime ${id}`);

  const endpoints = await control.send(new ListAgentRuntimeEndpointsCommand({ agentRuntimeId: id }));
  assert.deepEqual(endpoints.runtimeEndpoints, []);
  assert.equal((await rejection(control.send(new GetAgentRuntimeEndpointCommand({ agentRuntimeId: id, endpointName: "DEFAULT" })))).name, "ResourceNotFoundException");
  assert.equal((await rejection(control.send(new ListAgentRuntimeVersionsCommand({ agentRuntimeId: id })))).name, "ResourceNotFoundException");
  assert.equal((await rejection(control.send(new GetWorkloadIdentityCommand({ name: id })))).name, "ResourceNotFoundException");
  const store = local.server.services.store;
  assert.deepEqual(store.list("runtime-version", `${id}/`), []);
  assert.deepEqual(store.list("runtime-endpoint", `${id}/`), []);
  const listed = await control.send(new ListAgentRuntimesCommand({}));
  assert.ok(!listed.agentRuntimes!.some((r) => r.agentRuntimeId === id));
});

test("ListAgentRuntimes pages with maxResults and nextToken", async () => {
  const control = local.clients.control;
  const ids = new Set<string>();
  for (const name of ["page_a", "page_b", "page_c"]) {
    const out = await control.send(
      new CreateAgentRuntimeCommand({ agentRuntimeName: name, agentRuntimeArtifact: codeArtifact("bundles", "agent/v1.zip"), roleArn }),
    );
    ids.add(out.agentRuntimeId!);
  }
  const seen: string[] = [];
  let nextToken: string | undefined;
  let pages = 0;
  do {
    const page = await control.send(new ListAgentRuntimesCommand({ maxResults: 2, nextToken }));
    assert.ok(page.agentRuntimes!.length <= 2);
    for (const r of page.agentRuntimes!) {
      seen.push(r.agentRuntimeId!);
      assert.equal(r.agentRuntimeVersion, "1");
      assert.ok(r.lastUpdatedAt instanceof Date);
      assert.match(r.agentRuntimeArn!, /^arn:aws:bedrock-agentcore:[a-z0-9-]+:\d{12}:runtime\//);
    }
    nextToken = page.nextToken;
    pages++;
  } while (nextToken);
  assert.ok(pages >= 2, "three runtimes at two per page take at least two pages");
  assert.equal(new Set(seen).size, seen.length, "no runtime is listed twice");
  for (const id of ids) assert.ok(seen.includes(id), `${id} is listed`);

  const bad = await rejection(control.send(new ListAgentRuntimesCommand({ nextToken: "not-a-token" })));
  assert.equal(bad.name, "ValidationException");
});
