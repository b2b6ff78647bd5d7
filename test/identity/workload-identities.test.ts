import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  CreateWorkloadIdentityCommand,
  DeleteWorkloadIdentityCommand,
  GetWorkloadIdentityCommand,
  ListWorkloadIdentitiesCommand,
  UpdateWorkloadIdentityCommand,
  type BedrockAgentCoreControlClient,
} from "@aws-sdk/client-bedrock-agentcore-control";
import type { WorkloadIdentityRecord } from "../../lib/local/state/records.js";
import { startTestLocal, type TestLocal } from "../helpers/local.js";
import { assertDate, rejects } from "./expect.js";

describe("workload identities", () => {
  let t: TestLocal;
  let control: BedrockAgentCoreControlClient;
  before(async () => {
    t = await startTestLocal();
    control = t.clients.control;
  });
  after(() => t.stop());

  const arnOf = (name: string) =>
    `arn:aws:bedrock-agentcore:${t.region}:${t.accountId}:workload-identity-directory/default/workload-identity/${name}`;

  it("creates (201) with its return URLs and the ARN in AWS's format", async () => {
    const out = await control.send(
      new CreateWorkloadIdentityCommand({ name: "my-agent", allowedResourceOauth2ReturnUrls: ["http://localhost:8080/callback"] }),
    );
    assert.equal(out.$metadata.httpStatusCode, 201);
    assert.equal(out.name, "my-agent");
    assert.equal(out.workloadIdentityArn, arnOf("my-agent"));
    assert.deepEqual(out.allowedResourceOauth2ReturnUrls, ["http://localhost:8080/callback"]);
  });

  it("gets it with Date timestamps", async () => {
    const out = await control.send(new GetWorkloadIdentityCommand({ name: "my-agent" }));
    assert.equal(out.workloadIdentityArn, arnOf("my-agent"));
    assert.deepEqual(out.allowedResourceOauth2ReturnUrls, ["http://localhost:8080/callback"]);
    assertDate(out.createdTime, "createdTime");
    assertDate(out.lastUpdatedTime, "lastUpdatedTime");
  });

  it("refuses a taken name with the modeled ValidationException (ResourceConflict)", async () => {
    const err = await rejects(() => control.send(new CreateWorkloadIdentityCommand({ name: "my-agent" })), "ValidationException", 400);
    assert.equal(err.reason, "ResourceConflict");
    assert.match(err.message, /my-agent already exists/);
  });

  it("updates (replaces) the return URLs and moves lastUpdatedTime", async () => {
    const before = await control.send(new GetWorkloadIdentityCommand({ name: "my-agent" }));
    const later = new Date(before.createdTime!.getTime() + 5_000);
    const realNow = t.server.services.now;
    t.server.services.now = () => later;
    try {
      const out = await control.send(
        new UpdateWorkloadIdentityCommand({ name: "my-agent", allowedResourceOauth2ReturnUrls: ["https://app.example.com/oauth", "myapp://done"] }),
      );
      assert.deepEqual(out.allowedResourceOauth2ReturnUrls, ["https://app.example.com/oauth", "myapp://done"]);
      assert.equal(out.lastUpdatedTime?.getTime(), later.getTime());
      assert.equal(out.createdTime?.getTime(), before.createdTime?.getTime());
    } finally {
      t.server.services.now = realNow;
    }
    const cleared = await control.send(new UpdateWorkloadIdentityCommand({ name: "my-agent" }));
    assert.deepEqual(cleared.allowedResourceOauth2ReturnUrls ?? [], []);
  });

  it("deletes (204), then answers 404 ResourceNotFoundException", async () => {
    await control.send(new CreateWorkloadIdentityCommand({ name: "short-lived" }));
    const out = await control.send(new DeleteWorkloadIdentityCommand({ name: "short-lived" }));
    assert.equal(out.$metadata.httpStatusCode, 204);
    for (const command of [
      new GetWorkloadIdentityCommand({ name: "short-lived" }),
      new UpdateWorkloadIdentityCommand({ name: "short-lived" }),
      new DeleteWorkloadIdentityCommand({ name: "short-lived" }),
    ]) {
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      const err = await rejects(() => control.send(command as any), "ResourceNotFoundException", 404);
      assert.match(err.message, /short-lived not found/);
    }
  });

  it("will not delete an identity an agent runtime manages", async () => {
    const runtimeArn = `arn:aws:bedrock-agentcore:${t.region}:${t.accountId}:runtime/agent-AbCdEf1234`;
    const record: WorkloadIdentityRecord = {
      name: "agent-AbCdEf1234",
      workloadIdentityArn: arnOf("agent-AbCdEf1234"),
      allowedResourceOauth2ReturnUrls: [],
      createdTime: new Date().toISOString(),
      lastUpdatedTime: new Date().toISOString(),
      managedByRuntimeArn: runtimeArn,
    };
    // The runtime control plane writes this record when it creates a runtime.
    t.server.services.store.put("identity-workload-identity", record.workloadIdentityArn, record);
    const err = await rejects(() => control.send(new DeleteWorkloadIdentityCommand({ name: record.name })), "ValidationException", 400);
    assert.match(err.message, /managed by agent runtime/);
    assert.ok(err.message.includes(runtimeArn));
    const still = await control.send(new GetWorkloadIdentityCommand({ name: record.name }));
    assert.equal(still.workloadIdentityArn, record.workloadIdentityArn);
    // Its return URLs can still be set, as users do for an agent runtime's OAuth flows.
    const updated = await control.send(
      new UpdateWorkloadIdentityCommand({ name: record.name, allowedResourceOauth2ReturnUrls: ["http://localhost:9000/cb"] }),
    );
    assert.deepEqual(updated.allowedResourceOauth2ReturnUrls, ["http://localhost:9000/cb"]);
  });

  it("lists in pages of maxResults", async () => {
    for (const name of ["wl-1", "wl-2", "wl-3"]) await control.send(new CreateWorkloadIdentityCommand({ name }));
    const seen: string[] = [];
    let nextToken: string | undefined;
    do {
      const out = await control.send(new ListWorkloadIdentitiesCommand({ maxResults: 2, nextToken }));
      assert.ok(out.workloadIdentities!.length <= 2);
      for (const w of out.workloadIdentities!) {
        assert.equal(w.workloadIdentityArn, arnOf(w.name!));
        seen.push(w.name!);
      }
      nextToken = out.nextToken;
    } while (nextToken);
    assert.deepEqual(seen, ["agent-AbCdEf1234", "my-agent", "wl-1", "wl-2", "wl-3"]);
    await rejects(() => control.send(new ListWorkloadIdentitiesCommand({ maxResults: 21 })), "ValidationException", 400);
  });

  it("rejects bad input with ValidationException", async () => {
    const cases: Record<string, unknown>[] = [
      { name: "ab" }, // shorter than 3
      { name: "x".repeat(256) },
      { name: "white space" },
      {},
      { name: ["array"] },
      { name: "bad-urls", allowedResourceOauth2ReturnUrls: ["no scheme here"] },
      { name: "bad-urls-type", allowedResourceOauth2ReturnUrls: "http://not-a-list" },
    ];
    for (const input of cases) {
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      await rejects(() => control.send(new CreateWorkloadIdentityCommand(input as any)), "ValidationException", 400);
    }
    await rejects(() => control.send(new GetWorkloadIdentityCommand({ name: "bad-urls" })), "ResourceNotFoundException", 404);
  });
});
