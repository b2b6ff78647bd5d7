/**
 * 50 parallel creates of one API-key credential provider name give
 * exactly one success and 49 ConflictException, and the vault holds one secret: the winner's.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  CreateApiKeyCredentialProviderCommand,
  GetApiKeyCredentialProviderCommand,
  ListApiKeyCredentialProvidersCommand,
} from "@aws-sdk/client-bedrock-agentcore-control";
import type { ApiKeyProviderRecord } from "../../lib/local/services/identity/records.js";
import { startTestLocal, type TestLocal } from "../helpers/local.js";

describe("50 parallel creates of the same provider name", () => {
  let local: TestLocal;
  before(async () => {
    local = await startTestLocal();
  });
  after(async () => {
    await local?.stop();
  });

  it("exactly one succeeds, 49 get ConflictException, and the vault holds the winner's key only", async () => {
    const keys = Array.from({ length: 50 }, (_, i) => `sk-parallel-${i}-${"x".repeat(i)}`);
    const results = await Promise.allSettled(
      keys.map((apiKey) => local.clients.control.send(new CreateApiKeyCredentialProviderCommand({ name: "shared-name", apiKey }))),
    );
    const won = results.flatMap((r, i) => (r.status === "fulfilled" ? [i] : []));
    const lost = results.flatMap((r) => (r.status === "rejected" ? [r.reason as Error & { $metadata?: { httpStatusCode?: number } }] : []));
    assert.equal(won.length, 1, `successes: ${won.length}`);
    assert.equal(lost.length, 49);
    for (const e of lost) {
      assert.equal(e.name, "ConflictException", e.message);
      assert.equal(e.$metadata?.httpStatusCode, 409);
    }

    const listed = await local.clients.control.send(new ListApiKeyCredentialProvidersCommand({}));
    assert.deepEqual(listed.credentialProviders?.map((p) => p.name), ["shared-name"]);
    const described = await local.clients.control.send(new GetApiKeyCredentialProviderCommand({ name: "shared-name" }));

    const { store, vault } = local.server.services;
    const record = store.get<ApiKeyProviderRecord>("identity-apikey-provider", described.credentialProviderArn!)!;
    assert.equal(record.secretArn, described.apiKeySecretArn?.secretArn);
    const rows = store.db.prepare("SELECT arn FROM vault_secrets WHERE arn LIKE 'arn:aws:secretsmanager:%'").all() as { arn: string }[];
    assert.deepEqual(rows.map((r) => r.arn), [record.secretArn], "one secret in the vault");
    assert.equal(vault.get(record.secretArn), keys[won[0]!], "the secret is the winning request's key, not a loser's");
  });
});
