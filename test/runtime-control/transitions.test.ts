/**
 * How CREATING becomes READY: in the background (the stored records change with no request
 * reading them), and, when the server stopped before the transition was due, on the first read
 * after a restart in the same state folder.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { CreateAgentRuntimeCommand, GetAgentRuntimeEndpointCommand } from "@aws-sdk/client-bedrock-agentcore-control";
import { startTestLocal } from "../helpers/local.js";
import type { RuntimeEndpointRecord, RuntimeRecord } from "../../lib/local/services/runtime-control/index.js";
import { readEndpoint } from "../../lib/local/services/runtime-control/index.js";
import { codeArtifact, createRole, eventually, putCodeBundle, settledRuntime } from "./setup.js";

test("the stored records become READY in the background, with no read settling them", async () => {
  const local = await startTestLocal();
  try {
    const roleArn = await createRole(local, "background-role");
    putCodeBundle(local, "bundles", "a.zip");
    const { agentRuntimeId } = await local.clients.control.send(
      new CreateAgentRuntimeCommand({ agentRuntimeName: "background", agentRuntimeArtifact: codeArtifact("bundles", "a.zip"), roleArn }),
    );
    const store = local.server.services.store;
    const runtime = await eventually(
      async () => store.get<RuntimeRecord>("runtime", agentRuntimeId!),
      (r) => r?.status !== "CREATING",
      "the stored runtime to leave CREATING",
    );
    assert.equal(runtime?.status, "READY", runtime?.failureReason);
    const endpoint = store.get<RuntimeEndpointRecord>("runtime-endpoint", `${agentRuntimeId}/DEFAULT`);
    assert.equal(endpoint?.status, "READY");
    assert.equal(endpoint?.liveVersion, "1");
    // What the runtime host reads: the endpoint's live version and the workload identity to mint tokens for.
    const forHost = readEndpoint(local.server.services, agentRuntimeId!, "DEFAULT");
    assert.equal(forHost?.liveVersion, "1");
    assert.equal(runtime?.workloadIdentityName, agentRuntimeId);
  } finally {
    await local.stop();
  }
});

test("a transition due while the server was down completes on the first read after a restart", async () => {
  const stateDir = mkdtempSync(join(tmpdir(), "runtime-control-restart-"));
  try {
    const first = await startTestLocal({ stateDir });
    let agentRuntimeId: string;
    try {
      const roleArn = await createRole(first, "restart-role");
      putCodeBundle(first, "bundles", "a.zip");
      // Long enough that the first server is gone before its timer would fire.
      process.env.AGENTCORE_LOCAL_RUNTIME_SETTLE_MS = "1000";
      try {
        const out = await first.clients.control.send(
          new CreateAgentRuntimeCommand({ agentRuntimeName: "survivor", agentRuntimeArtifact: codeArtifact("bundles", "a.zip"), roleArn }),
        );
        agentRuntimeId = out.agentRuntimeId!;
      } finally {
        delete process.env.AGENTCORE_LOCAL_RUNTIME_SETTLE_MS;
      }
    } finally {
      await first.stop();
    }

    const second = await startTestLocal({ stateDir });
    try {
      // The second server scheduled nothing: only reads can complete the transition.
      const runtime = await settledRuntime(second.clients.control, agentRuntimeId);
      assert.equal(runtime.status, "READY", runtime.failureReason);
      const endpoint = await second.clients.control.send(new GetAgentRuntimeEndpointCommand({ agentRuntimeId, endpointName: "DEFAULT" }));
      assert.equal(endpoint.status, "READY");
      assert.equal(endpoint.liveVersion, "1");
    } finally {
      await second.stop();
    }
  } finally {
    rmSync(stateDir, { recursive: true, force: true });
  }
});
