/**
 * A provider's record and its vaulted secret are written in one SQLite transaction: when the
 * second write fails (a vault that fails on demand, before or after its own write), neither write
 * remains. For creation, update and deletion of API-key and OAuth2 credential providers: never a
 * secret without its provider, a provider without its secret, or a half-rotated key.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, beforeEach, describe, it } from "node:test";
import {
  CreateApiKeyCredentialProviderCommand,
  CreateOauth2CredentialProviderCommand,
  DeleteApiKeyCredentialProviderCommand,
  DeleteOauth2CredentialProviderCommand,
  GetApiKeyCredentialProviderCommand,
  GetOauth2CredentialProviderCommand,
  UpdateApiKeyCredentialProviderCommand,
  UpdateOauth2CredentialProviderCommand,
  type BedrockAgentCoreControlClient,
} from "@aws-sdk/client-bedrock-agentcore-control";
import { startLocalServer, type LocalServer } from "../../lib/local/http/server.js";
import { getApiKeyForProvider, getOauth2ProviderSecret } from "../../lib/local/services/identity/index.js";
import type { Vault } from "../../lib/local/service.js";
import { makeClients } from "../helpers/local.js";

type Failure = { op: "put" | "delete"; when: "before" | "after" } | undefined;

/** The real vault, failing its next `put` or `delete` when armed: before writing, or after. */
function failingVault(armed: { next: Failure }) {
  return (real: Vault): Vault => {
    const maybeFail = (op: "put" | "delete", write: () => void) => {
      const failure = armed.next?.op === op ? armed.next : undefined;
      if (failure) armed.next = undefined;
      if (failure?.when === "before") throw new Error(`injected vault ${op} failure`);
      write();
      if (failure?.when === "after") throw new Error(`injected vault ${op} failure`);
    };
    return {
      put: (arn, plaintext) => maybeFail("put", () => real.put(arn, plaintext)),
      get: (arn) => real.get(arn),
      delete: (arn) => maybeFail("delete", () => real.delete(arn)),
    };
  };
}

const github = (clientSecret: string) => ({ githubOauth2ProviderConfig: { clientId: "client-id", clientSecret } });

describe("provider and secret writes are one transaction", () => {
  const armed: { next: Failure } = { next: undefined };
  let stateDir: string;
  let server: LocalServer;
  let control: BedrockAgentCoreControlClient;

  before(async () => {
    stateDir = mkdtempSync(join(tmpdir(), "agentcore-provider-tx-"));
    server = await startLocalServer({ stateDir, port: 0, vault: failingVault(armed) });
    control = makeClients(server.endpoint, server.region, server.admin).control;
  });
  after(async () => {
    control?.destroy();
    await server?.close();
    rmSync(stateDir, { recursive: true, force: true });
  });
  beforeEach(() => (armed.next = undefined));

  const secretRows = () =>
    (server.services.store.db.prepare("SELECT arn FROM vault_secrets WHERE arn LIKE 'arn:aws:secretsmanager:%'").all() as { arn: string }[]).map((r) => r.arn).sort();

  /** The call fails with a 500 and the injected failure was what failed it. */
  async function failsWith(failure: Failure, call: () => Promise<unknown>): Promise<void> {
    armed.next = failure;
    await assert.rejects(call(), (e: Error & { $metadata?: { httpStatusCode?: number } }) => e.$metadata?.httpStatusCode === 500);
    assert.equal(armed.next, undefined, "the injected failure was reached");
  }

  for (const when of ["before", "after"] as const) {
    it(`API-key create: a vault write failing ${when} it leaves no provider and no secret`, async () => {
      const before = secretRows();
      const name = `create-${when}`;
      await failsWith({ op: "put", when }, () => control.send(new CreateApiKeyCredentialProviderCommand({ name, apiKey: "sk-never-stored" })));
      await assert.rejects(control.send(new GetApiKeyCredentialProviderCommand({ name })), { name: "ResourceNotFoundException" });
      assert.deepEqual(secretRows(), before);
      // And the name is free: the next create succeeds.
      await control.send(new CreateApiKeyCredentialProviderCommand({ name, apiKey: "sk-stored" }));
      assert.equal(getApiKeyForProvider(server.services, server.services, name).apiKey, "sk-stored");
    });

    it(`API-key update: a vault write failing ${when} it keeps the old key and timestamps`, async () => {
      const name = `update-${when}`;
      await control.send(new CreateApiKeyCredentialProviderCommand({ name, apiKey: "sk-old" }));
      const was = await control.send(new GetApiKeyCredentialProviderCommand({ name }));
      await failsWith({ op: "put", when }, () => control.send(new UpdateApiKeyCredentialProviderCommand({ name, apiKey: "sk-new" })));
      assert.equal(getApiKeyForProvider(server.services, server.services, name).apiKey, "sk-old");
      const now = await control.send(new GetApiKeyCredentialProviderCommand({ name }));
      assert.deepEqual(now.lastUpdatedTime, was.lastUpdatedTime);
    });

    it(`API-key delete: a vault delete failing ${when} it keeps the provider and its key`, async () => {
      const name = `delete-${when}`;
      await control.send(new CreateApiKeyCredentialProviderCommand({ name, apiKey: "sk-kept" }));
      await failsWith({ op: "delete", when }, () => control.send(new DeleteApiKeyCredentialProviderCommand({ name })));
      assert.equal(getApiKeyForProvider(server.services, server.services, name).apiKey, "sk-kept");
      await control.send(new DeleteApiKeyCredentialProviderCommand({ name }));
      await assert.rejects(control.send(new GetApiKeyCredentialProviderCommand({ name })), { name: "ResourceNotFoundException" });
    });

    it(`OAuth2 create: a vault write failing ${when} it leaves no provider and no secret`, async () => {
      const before = secretRows();
      const name = `oauth-create-${when}`;
      await failsWith({ op: "put", when }, () =>
        control.send(new CreateOauth2CredentialProviderCommand({ name, credentialProviderVendor: "GithubOauth2", oauth2ProviderConfigInput: github("never-stored") })),
      );
      await assert.rejects(control.send(new GetOauth2CredentialProviderCommand({ name })), { name: "ResourceNotFoundException" });
      assert.deepEqual(secretRows(), before);
    });

    it(`OAuth2 update: a vault write failing ${when} it keeps the old secret and config`, async () => {
      const name = `oauth-update-${when}`;
      await control.send(new CreateOauth2CredentialProviderCommand({ name, credentialProviderVendor: "GithubOauth2", oauth2ProviderConfigInput: github("old-secret") }));
      await failsWith({ op: "put", when }, () =>
        control.send(
          new UpdateOauth2CredentialProviderCommand({
            name,
            credentialProviderVendor: "GithubOauth2",
            oauth2ProviderConfigInput: { githubOauth2ProviderConfig: { clientId: "another-client", clientSecret: "new-secret" } },
          }),
        ),
      );
      const resolved = getOauth2ProviderSecret(server.services, server.services, name);
      assert.equal(resolved.clientSecret, "old-secret");
      assert.equal(resolved.clientId, "client-id");
    });

    it(`OAuth2 delete: a vault delete failing ${when} it keeps the provider and its secret`, async () => {
      const name = `oauth-delete-${when}`;
      await control.send(new CreateOauth2CredentialProviderCommand({ name, credentialProviderVendor: "GithubOauth2", oauth2ProviderConfigInput: github("kept-secret") }));
      await failsWith({ op: "delete", when }, () => control.send(new DeleteOauth2CredentialProviderCommand({ name })));
      assert.equal(getOauth2ProviderSecret(server.services, server.services, name).clientSecret, "kept-secret");
    });
  }

  it("afterwards: every secret belongs to a provider, every provider has its secret", () => {
    const { store, vault } = server.services;
    const providers = [
      ...store.list<{ secretArn: string }>("identity-apikey-provider"),
      ...store.list<{ secretArn: string; hasClientSecret: boolean }>("identity-oauth2-provider").filter((r) => r.hasClientSecret),
    ];
    assert.deepEqual(secretRows(), providers.map((p) => p.secretArn).sort());
    for (const p of providers) assert.ok(vault.get(p.secretArn) !== undefined);
  });
});
