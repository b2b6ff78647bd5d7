import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  CreateApiKeyCredentialProviderCommand,
  DeleteApiKeyCredentialProviderCommand,
  GetApiKeyCredentialProviderCommand,
  ListApiKeyCredentialProvidersCommand,
  UpdateApiKeyCredentialProviderCommand,
  type BedrockAgentCoreControlClient,
} from "@aws-sdk/client-bedrock-agentcore-control";
import { startTestLocal, type TestLocal } from "../helpers/local.js";
import { getApiKeyForProvider } from "../../lib/local/services/identity/index.js";
import { assertDate, rejects } from "./expect.js";

describe("API-key credential providers", () => {
  let t: TestLocal;
  let control: BedrockAgentCoreControlClient;
  before(async () => {
    t = await startTestLocal();
    control = t.clients.control;
  });
  after(() => t.stop());

  const secretCount = (arn: string) =>
    (t.server.services.store.db.prepare("SELECT count(*) AS n FROM vault_secrets WHERE arn = ?").get(arn) as { n: number }).n;

  it("creates a provider (201) with the secret and provider ARNs in AWS's formats", async () => {
    const out = await control.send(new CreateApiKeyCredentialProviderCommand({ name: "openai-key", apiKey: "sk-create-1" }));
    assert.equal(out.$metadata.httpStatusCode, 201);
    assert.equal(out.name, "openai-key");
    assert.equal(
      out.credentialProviderArn,
      `arn:aws:bedrock-agentcore:${t.region}:${t.accountId}:token-vault/default/apikeycredentialprovider/openai-key`,
    );
    assert.match(
      out.apiKeySecretArn?.secretArn ?? "",
      new RegExp(`^arn:aws:secretsmanager:${t.region}:${t.accountId}:secret:bedrock-agentcore-identity!default/apikey/openai-key-[A-Za-z0-9]{6}$`),
    );
    assert.equal(getApiKeyForProvider(t.server.services, t.server.services, "openai-key").apiKey, "sk-create-1");
  });

  it("gets it back with epoch timestamps parsed as Dates and no key in the answer", async () => {
    const out = await control.send(new GetApiKeyCredentialProviderCommand({ name: "openai-key" }));
    assert.equal(out.$metadata.httpStatusCode, 200);
    assert.equal(out.name, "openai-key");
    assert.match(out.apiKeySecretArn!.secretArn!, /apikey\/openai-key-/);
    const created = assertDate(out.createdTime, "createdTime");
    const updated = assertDate(out.lastUpdatedTime, "lastUpdatedTime");
    assert.equal(created.getTime(), updated.getTime());
    assert.ok(!JSON.stringify(out).includes("sk-create-1"));
  });

  it("refuses a second provider with the same name (409 ConflictException) and keeps the first key", async () => {
    const err = await rejects(
      () => control.send(new CreateApiKeyCredentialProviderCommand({ name: "openai-key", apiKey: "sk-intruder" })),
      "ConflictException",
      409,
    );
    assert.match(err.message, /openai-key already exists/);
    assert.equal(getApiKeyForProvider(t.server.services, t.server.services, "openai-key").apiKey, "sk-create-1");
  });

  it("updates the key under the same secret ARN and moves lastUpdatedTime", async () => {
    const before = await control.send(new GetApiKeyCredentialProviderCommand({ name: "openai-key" }));
    const later = new Date(before.createdTime!.getTime() + 60_000);
    const realNow = t.server.services.now;
    t.server.services.now = () => later;
    try {
      const out = await control.send(new UpdateApiKeyCredentialProviderCommand({ name: "openai-key", apiKey: "sk-rotated-2" }));
      assert.equal(out.$metadata.httpStatusCode, 200);
      assert.equal(out.apiKeySecretArn?.secretArn, before.apiKeySecretArn?.secretArn);
      assert.equal(out.createdTime?.getTime(), before.createdTime?.getTime());
      assert.equal(out.lastUpdatedTime?.getTime(), later.getTime());
    } finally {
      t.server.services.now = realNow;
    }
    const got = await control.send(new GetApiKeyCredentialProviderCommand({ name: "openai-key" }));
    assert.equal(got.lastUpdatedTime?.getTime(), later.getTime());
    assert.equal(getApiKeyForProvider(t.server.services, t.server.services, "openai-key").apiKey, "sk-rotated-2");
  });

  it("deletes (204) the provider and its vaulted secret together", async () => {
    const created = await control.send(new CreateApiKeyCredentialProviderCommand({ name: "to-delete", apiKey: "sk-doomed" }));
    const arn = created.apiKeySecretArn!.secretArn!;
    assert.equal(secretCount(arn), 1);
    const out = await control.send(new DeleteApiKeyCredentialProviderCommand({ name: "to-delete" }));
    assert.equal(out.$metadata.httpStatusCode, 204);
    assert.equal(secretCount(arn), 0);
    await rejects(() => control.send(new GetApiKeyCredentialProviderCommand({ name: "to-delete" })), "ResourceNotFoundException", 404);
    assert.throws(() => getApiKeyForProvider(t.server.services, t.server.services, "to-delete"), { name: "ResourceNotFoundException" });
  });

  it("re-creating a deleted name gets a fresh secret ARN", async () => {
    const first = await control.send(new CreateApiKeyCredentialProviderCommand({ name: "phoenix", apiKey: "sk-1" }));
    await control.send(new DeleteApiKeyCredentialProviderCommand({ name: "phoenix" }));
    const second = await control.send(new CreateApiKeyCredentialProviderCommand({ name: "phoenix", apiKey: "sk-2" }));
    assert.match(second.apiKeySecretArn!.secretArn!, /apikey\/phoenix-[A-Za-z0-9]{6}$/);
    assert.notEqual(second.apiKeySecretArn!.secretArn, first.apiKeySecretArn!.secretArn);
    assert.equal(secretCount(first.apiKeySecretArn!.secretArn!), 0);
    assert.equal(getApiKeyForProvider(t.server.services, t.server.services, "phoenix").apiKey, "sk-2");
    await control.send(new DeleteApiKeyCredentialProviderCommand({ name: "phoenix" }));
  });

  it("answers 404 ResourceNotFoundException for Get, Update and Delete of an unknown name", async () => {
    for (const command of [
      new GetApiKeyCredentialProviderCommand({ name: "ghost" }),
      new UpdateApiKeyCredentialProviderCommand({ name: "ghost", apiKey: "sk-x" }),
      new DeleteApiKeyCredentialProviderCommand({ name: "ghost" }),
    ]) {
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      const err = await rejects(() => control.send(command as any), "ResourceNotFoundException", 404);
      assert.match(err.message, /ghost not found/);
    }
  });

  it("lists with nextToken/maxResults pages that together hold every provider once", async () => {
    const names = ["page-a", "page-b", "page-c", "page-d", "page-e"];
    for (const name of names) await control.send(new CreateApiKeyCredentialProviderCommand({ name, apiKey: `sk-${name}` }));
    const seen: string[] = [];
    let nextToken: string | undefined;
    let pages = 0;
    do {
      const out = await control.send(new ListApiKeyCredentialProvidersCommand({ maxResults: 2, nextToken }));
      assert.ok(out.credentialProviders!.length <= 2);
      for (const p of out.credentialProviders!) {
        seen.push(p.name!);
        assertDate(p.createdTime, "createdTime");
        assertDate(p.lastUpdatedTime, "lastUpdatedTime");
        assert.match(p.credentialProviderArn!, /:token-vault\/default\/apikeycredentialprovider\//);
      }
      nextToken = out.nextToken;
      pages++;
    } while (nextToken);
    const all = ["openai-key", ...names].sort();
    assert.deepEqual(seen, all);
    assert.equal(pages, Math.ceil(all.length / 2));

    const everything = await control.send(new ListApiKeyCredentialProvidersCommand({}));
    assert.deepEqual(everything.credentialProviders!.map((p) => p.name), all);
    assert.equal(everything.nextToken, undefined);
  });

  it("rejects a forged nextToken and an out-of-range maxResults with ValidationException", async () => {
    await rejects(() => control.send(new ListApiKeyCredentialProvidersCommand({ nextToken: "not-a-token" })), "ValidationException", 400);
    await rejects(() => control.send(new ListApiKeyCredentialProvidersCommand({ maxResults: 101 })), "ValidationException", 400);
  });

  it("rejects bad input with ValidationException naming the field", async () => {
    const cases: { input: Record<string, unknown>; field: string }[] = [
      { input: { name: "has space", apiKey: "k" }, field: "name" },
      { input: { name: "slash/name", apiKey: "k" }, field: "name" },
      { input: { name: "x".repeat(129), apiKey: "k" }, field: "name" },
      { input: { apiKey: "k" }, field: "name" },
      { input: { name: 42, apiKey: "k" }, field: "name" },
      { input: { name: "no-key" }, field: "apiKey" },
      { input: { name: "typed-key", apiKey: { value: "k" } }, field: "apiKey" },
      { input: { name: "ext", apiKey: "k", apiKeySecretSource: "EXTERNAL" }, field: "apiKeySecretSource" },
      { input: { name: "bad-enum", apiKey: "k", apiKeySecretSource: "SOMEWHERE" }, field: "apiKeySecretSource" },
    ];
    for (const { input, field } of cases) {
      const err = await rejects(
        // eslint-disable-next-line @typescript-eslint/no-explicit-any
        () => control.send(new CreateApiKeyCredentialProviderCommand(input as any)),
        "ValidationException",
        400,
      );
      assert.ok(
        err.fieldList?.some((f) => f.name === field) || err.message.includes(field),
        `${JSON.stringify(input).slice(0, 60)}: the error names ${field}: ${err.message}`,
      );
    }
    // Nothing was created by any of them.
    const listed = await control.send(new ListApiKeyCredentialProvidersCommand({ maxResults: 100 }));
    for (const name of ["no-key", "typed-key", "ext", "bad-enum"]) {
      assert.ok(!listed.credentialProviders!.some((p) => p.name === name), name);
    }
  });

  it("accepts the longest legal name (128 characters)", async () => {
    const name = "n".repeat(128);
    const out = await control.send(new CreateApiKeyCredentialProviderCommand({ name, apiKey: "sk-long" }));
    assert.equal(out.name, name);
    await control.send(new DeleteApiKeyCredentialProviderCommand({ name }));
  });
});
