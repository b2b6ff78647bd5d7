import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { GetTokenVaultCommand, SetTokenVaultCMKCommand, type BedrockAgentCoreControlClient } from "@aws-sdk/client-bedrock-agentcore-control";
import { startTestLocal, type TestLocal } from "../helpers/local.js";
import { assertDate, rejects } from "./expect.js";

const KEY_ARN = "arn:aws:kms:us-east-1:123456789012:key/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0";

describe("token vault", () => {
  let t: TestLocal;
  let control: BedrockAgentCoreControlClient;
  before(async () => {
    t = await startTestLocal();
    control = t.clients.control;
  });
  after(() => t.stop());

  it("every account starts with the default vault on a service managed key, stable across calls", async () => {
    const first = await control.send(new GetTokenVaultCommand({}));
    assert.equal(first.tokenVaultId, "default");
    assert.deepEqual(first.kmsConfiguration, { keyType: "ServiceManagedKey" });
    assertDate(first.lastModifiedDate, "lastModifiedDate");
    const second = await control.send(new GetTokenVaultCommand({ tokenVaultId: "default" }));
    assert.equal(second.lastModifiedDate?.getTime(), first.lastModifiedDate?.getTime());
  });

  it("SetTokenVaultCMK stores a customer managed key configuration that GetTokenVault reports", async () => {
    const set = await control.send(
      new SetTokenVaultCMKCommand({ kmsConfiguration: { keyType: "CustomerManagedKey", kmsKeyArn: KEY_ARN } }),
    );
    assert.equal(set.tokenVaultId, "default");
    assert.deepEqual(set.kmsConfiguration, { keyType: "CustomerManagedKey", kmsKeyArn: KEY_ARN });
    assertDate(set.lastModifiedDate, "lastModifiedDate");
    const got = await control.send(new GetTokenVaultCommand({}));
    assert.deepEqual(got.kmsConfiguration, { keyType: "CustomerManagedKey", kmsKeyArn: KEY_ARN });
    assert.equal(got.lastModifiedDate?.getTime(), set.lastModifiedDate?.getTime());

    const back = await control.send(new SetTokenVaultCMKCommand({ tokenVaultId: "default", kmsConfiguration: { keyType: "ServiceManagedKey" } }));
    assert.deepEqual(back.kmsConfiguration, { keyType: "ServiceManagedKey" });
  });

  it("rejects inconsistent KMS configurations and bad values", async () => {
    await rejects(() => control.send(new SetTokenVaultCMKCommand({ kmsConfiguration: { keyType: "CustomerManagedKey" } })), "ValidationException", 400);
    await rejects(
      () => control.send(new SetTokenVaultCMKCommand({ kmsConfiguration: { keyType: "ServiceManagedKey", kmsKeyArn: KEY_ARN } })),
      "ValidationException",
      400,
    );
    await rejects(
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      () => control.send(new SetTokenVaultCMKCommand({ kmsConfiguration: { keyType: "SomebodysKey" as any } })),
      "ValidationException",
      400,
    );
    await rejects(
      () => control.send(new SetTokenVaultCMKCommand({ kmsConfiguration: { keyType: "CustomerManagedKey", kmsKeyArn: "not-an-arn" } })),
      "ValidationException",
      400,
    );
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    await rejects(() => control.send(new SetTokenVaultCMKCommand({} as any)), "ValidationException", 400);
    const got = await control.send(new GetTokenVaultCommand({}));
    assert.deepEqual(got.kmsConfiguration, { keyType: "ServiceManagedKey" });
  });

  it("answers 404 for a vault other than default", async () => {
    const err = await rejects(() => control.send(new GetTokenVaultCommand({ tokenVaultId: "other" })), "ResourceNotFoundException", 404);
    assert.match(err.message, /other/);
  });
});
