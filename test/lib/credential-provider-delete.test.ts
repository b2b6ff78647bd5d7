/**
 * Deleting a credential provider through the library, API-key and OAuth2 alike, against a Local
 * AgentCore of the test's own: the provider is gone and its ledger entry with it (`true`); a name
 * that does not exist answers `false` and leaves the ledger's other entries alone.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { GetApiKeyCredentialProviderCommand, GetOauth2CredentialProviderCommand } from "@aws-sdk/client-bedrock-agentcore-control";
import { startLibraryLocal, type LibraryLocal } from "../helpers/library-local.js";
import { Ledger } from "../../lib/agentcore/ledger.js";
import { createApiKeyCredentialProvider, deleteApiKeyCredentialProvider } from "../../lib/agentcore/identity.js";
import { createOauth2CredentialProvider, deleteOauth2CredentialProvider } from "../../lib/agentcore/oauth2.js";

let lib: LibraryLocal;
const quiet = () => {};

before(async () => {
  lib = await startLibraryLocal("provider-delete-test-");
});
after(() => lib?.stop());

const opts = () => ({ session: lib.s, ledger: new Ledger(lib.dir), log: quiet });
const recorded = () => new Ledger(lib.dir).entries().map((e) => `${e.kind}:${"name" in e ? e.name : ""}`).sort();

describe("deleting credential providers", () => {
  test("an API-key provider: deleted with its ledger entry; an unknown name answers false", async () => {
    await createApiKeyCredentialProvider({ name: "del-key", apiKey: "sk-delete-me-12345678" }, opts());
    await createApiKeyCredentialProvider({ name: "kept-key", apiKey: "sk-keep-me-12345678" }, opts());
    assert.equal(await deleteApiKeyCredentialProvider("del-key", opts()), true);
    await assert.rejects(lib.s.clients.control.send(new GetApiKeyCredentialProviderCommand({ name: "del-key" })), { name: "ResourceNotFoundException" });
    assert.deepEqual(recorded(), ["credential-provider:kept-key"]);
    assert.equal(await deleteApiKeyCredentialProvider("del-key", opts()), false);
    assert.deepEqual(recorded(), ["credential-provider:kept-key"]);
  });

  test("an OAuth2 provider: deleted with its ledger entry; an unknown name answers false", async () => {
    const discoveryUrl = `${lib.idp.issuer}/.well-known/openid-configuration`;
    await createOauth2CredentialProvider({ name: "del-oauth2", clientId: "c1", clientSecret: "s".repeat(32), discoveryUrl }, opts());
    assert.equal(await deleteOauth2CredentialProvider("del-oauth2", opts()), true);
    await assert.rejects(lib.s.clients.control.send(new GetOauth2CredentialProviderCommand({ name: "del-oauth2" })), { name: "ResourceNotFoundException" });
    assert.deepEqual(recorded(), ["credential-provider:kept-key"]);
    assert.equal(await deleteOauth2CredentialProvider("del-oauth2", opts()), false);
    assert.deepEqual(recorded(), ["credential-provider:kept-key"]);
  });
});
