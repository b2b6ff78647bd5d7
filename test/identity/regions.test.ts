/**
 * Identity resources are regional, as on AWS: a credential provider, OAuth2 provider or workload
 * identity created in us-east-1 does not exist in us-west-2, the same name may exist in both, List
 * shows the signing region's only, and IAM is asked about the stored resource's ARN. The exploit
 * this guards against: an explicit Deny on the us-east-1 provider bypassed by signing the data-plane
 * call for us-west-2. The token vault's configuration is per region too. Rows written before
 * resources were regional are moved to the region of their stored ARN when Local AgentCore starts.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { CreateRoleCommand, PutRolePolicyCommand } from "@aws-sdk/client-iam";
import { AssumeRoleCommand } from "@aws-sdk/client-sts";
import {
  CreateApiKeyCredentialProviderCommand,
  CreateOauth2CredentialProviderCommand,
  CreateWorkloadIdentityCommand,
  DeleteApiKeyCredentialProviderCommand,
  GetApiKeyCredentialProviderCommand,
  GetOauth2CredentialProviderCommand,
  GetTokenVaultCommand,
  GetWorkloadIdentityCommand,
  ListApiKeyCredentialProvidersCommand,
  ListOauth2CredentialProvidersCommand,
  ListWorkloadIdentitiesCommand,
  SetTokenVaultCMKCommand,
} from "@aws-sdk/client-bedrock-agentcore-control";
import { GetResourceApiKeyCommand, GetWorkloadAccessTokenCommand } from "@aws-sdk/client-bedrock-agentcore";
import { makeClients, startTestLocal, type TestClients, type TestCredentials, type TestLocal } from "../helpers/local.js";
import { apiKeyProviderArn, oauth2ProviderArn, tokenVaultArn, workloadIdentityArn } from "../../lib/local/services/identity/arns.js";
import { KIND_APIKEY_PROVIDER, KIND_OAUTH2_PROVIDER, KIND_TOKEN_VAULT, KIND_WORKLOAD_IDENTITY } from "../../lib/local/services/identity/records.js";
import { rejects } from "./expect.js";

const EAST = "us-east-1";
const LEGACY_KMS_KEY = "arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555";
const WEST = "us-west-2";

const github = (clientSecret: string) => ({ githubOauth2ProviderConfig: { clientId: "client-id", clientSecret } });

describe("Identity resources are scoped by region", () => {
  let t: TestLocal;
  let east: TestClients;
  let west: TestClients;
  let attacker: { east: TestClients; west: TestClients };

  before(async () => {
    t = await startTestLocal({ region: EAST });
    east = t.clients;
    west = makeClients(t.endpoint, WEST, t.admin);
    await east.control.send(new CreateApiKeyCredentialProviderCommand({ name: "openai", apiKey: "sk-east-secret" }));
    await east.control.send(new CreateWorkloadIdentityCommand({ name: "agent" }));

    // A role allowed everything except the us-east-1 provider's key.
    const trust = JSON.stringify({
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Principal: { AWS: `arn:aws:iam::${t.accountId}:root` }, Action: "sts:AssumeRole" }],
    });
    await east.iam.send(new CreateRoleCommand({ RoleName: "denied-east-key", AssumeRolePolicyDocument: trust }));
    await east.iam.send(
      new PutRolePolicyCommand({
        RoleName: "denied-east-key",
        PolicyName: "all-but-the-east-key",
        PolicyDocument: JSON.stringify({
          Version: "2012-10-17",
          Statement: [
            { Effect: "Allow", Action: "*", Resource: "*" },
            { Effect: "Deny", Action: "*", Resource: apiKeyProviderArn({ region: EAST, accountId: t.accountId }, "openai") },
          ],
        }),
      }),
    );
    const out = await east.sts.send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${t.accountId}:role/denied-east-key`, RoleSessionName: "attacker" }));
    const creds: TestCredentials = {
      accessKeyId: out.Credentials!.AccessKeyId!,
      secretAccessKey: out.Credentials!.SecretAccessKey!,
      sessionToken: out.Credentials!.SessionToken!,
    };
    attacker = { east: t.clientsFor(creds), west: makeClients(t.endpoint, WEST, creds) };
  });

  after(async () => {
    for (const c of [...Object.values(west ?? {}), ...Object.values(attacker?.west ?? {})]) c.destroy();
    await t?.stop();
  });

  it("the explicit Deny holds in us-east-1", async () => {
    const token = (await attacker.east.data.send(new GetWorkloadAccessTokenCommand({ workloadName: "agent" }))).workloadAccessToken!;
    await rejects(() => attacker.east.data.send(new GetResourceApiKeyCommand({ workloadIdentityToken: token, resourceCredentialProviderName: "openai" })), "AccessDeniedException", 403);
  });

  it("signing for us-west-2 does not reach the us-east-1 key (exploit: Deny bypassed by region)", async () => {
    // The us-east-1 workload identity does not exist in us-west-2 either.
    await rejects(() => attacker.west.data.send(new GetWorkloadAccessTokenCommand({ workloadName: "agent" })), "ResourceNotFoundException", 404);
    // A us-west-2 workload of the attacker's own: its token finds no provider "openai" in us-west-2.
    await attacker.west.control.send(new CreateWorkloadIdentityCommand({ name: "agent" }));
    const westToken = (await attacker.west.data.send(new GetWorkloadAccessTokenCommand({ workloadName: "agent" }))).workloadAccessToken!;
    const err = await rejects(
      () => attacker.west.data.send(new GetResourceApiKeyCommand({ workloadIdentityToken: westToken, resourceCredentialProviderName: "openai" })),
      "ResourceNotFoundException",
      404,
    );
    assert.ok(!err.message.includes("sk-east-secret"));
    // A us-east-1 token presented in us-west-2 is not accepted there.
    const eastToken = (await attacker.east.data.send(new GetWorkloadAccessTokenCommand({ workloadName: "agent" }))).workloadAccessToken!;
    await rejects(
      () => attacker.west.data.send(new GetResourceApiKeyCommand({ workloadIdentityToken: eastToken, resourceCredentialProviderName: "openai" })),
      "AccessDeniedException",
      403,
    );
  });

  it("a us-east-1 provider is not found in us-west-2, and the same name may exist in both", async () => {
    await rejects(() => west.control.send(new GetApiKeyCredentialProviderCommand({ name: "openai" })), "ResourceNotFoundException", 404);
    await rejects(() => west.control.send(new DeleteApiKeyCredentialProviderCommand({ name: "openai" })), "ResourceNotFoundException", 404);
    const made = await west.control.send(new CreateApiKeyCredentialProviderCommand({ name: "openai", apiKey: "sk-west-secret" }));
    assert.equal(made.credentialProviderArn, apiKeyProviderArn({ region: WEST, accountId: t.accountId }, "openai"));
    assert.match(made.apiKeySecretArn!.secretArn!, /^arn:aws:secretsmanager:us-west-2:/);
    const eastOne = await east.control.send(new GetApiKeyCredentialProviderCommand({ name: "openai" }));
    assert.equal(eastOne.credentialProviderArn, apiKeyProviderArn({ region: EAST, accountId: t.accountId }, "openai"));

    // The attacker now gets the us-west-2 key in us-west-2, never the us-east-1 one.
    const token = (await attacker.west.data.send(new GetWorkloadAccessTokenCommand({ workloadName: "agent" }))).workloadAccessToken!;
    const got = await attacker.west.data.send(new GetResourceApiKeyCommand({ workloadIdentityToken: token, resourceCredentialProviderName: "openai" }));
    assert.equal(got.apiKey, "sk-west-secret");
  });

  it("List shows only the signing region's resources", async () => {
    await east.control.send(new CreateApiKeyCredentialProviderCommand({ name: "east-only", apiKey: "sk-e" }));
    const names = async (c: TestClients) => ((await c.control.send(new ListApiKeyCredentialProvidersCommand({}))).credentialProviders ?? []).map((p) => p.name).sort();
    assert.deepEqual(await names(east), ["east-only", "openai"]);
    assert.deepEqual(await names(west), ["openai"]);
    const westList = await west.control.send(new ListApiKeyCredentialProvidersCommand({}));
    assert.ok(westList.credentialProviders!.every((p) => p.credentialProviderArn!.includes(`:${WEST}:`)));
    const identities = async (c: TestClients) => ((await c.control.send(new ListWorkloadIdentitiesCommand({}))).workloadIdentities ?? []).map((w) => w.workloadIdentityArn);
    assert.deepEqual(await identities(east), [workloadIdentityArn({ region: EAST, accountId: t.accountId }, "agent")]);
    assert.deepEqual(await identities(west), [workloadIdentityArn({ region: WEST, accountId: t.accountId }, "agent")]);
  });

  it("the token vault is per region: a key configured in us-west-2 leaves us-east-1's as it was", async () => {
    const kmsKeyArn = `arn:aws:kms:${WEST}:${t.accountId}:key/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0`;
    // The attacker may not touch us-east-1's vault; signing for us-west-2 must not change it either.
    await east.iam.send(
      new PutRolePolicyCommand({
        RoleName: "denied-east-key",
        PolicyName: "not-the-east-vault",
        PolicyDocument: JSON.stringify({
          Version: "2012-10-17",
          Statement: [{ Effect: "Deny", Action: "bedrock-agentcore:SetTokenVaultCMK", Resource: tokenVaultArn({ region: EAST, accountId: t.accountId }) }],
        }),
      }),
    );
    await rejects(() => attacker.east.control.send(new SetTokenVaultCMKCommand({ kmsConfiguration: { keyType: "CustomerManagedKey", kmsKeyArn } })), "AccessDeniedException", 403);
    await attacker.west.control.send(new SetTokenVaultCMKCommand({ kmsConfiguration: { keyType: "CustomerManagedKey", kmsKeyArn } }));
    assert.deepEqual((await west.control.send(new GetTokenVaultCommand({}))).kmsConfiguration, { keyType: "CustomerManagedKey", kmsKeyArn });
    assert.deepEqual((await east.control.send(new GetTokenVaultCommand({}))).kmsConfiguration, { keyType: "ServiceManagedKey" });
  });

  it("OAuth2 providers: one per region under the same name, each with its own secret", async () => {
    await east.control.send(new CreateOauth2CredentialProviderCommand({ name: "gh", credentialProviderVendor: "GithubOauth2", oauth2ProviderConfigInput: github("east-client-secret") }));
    await rejects(() => west.control.send(new GetOauth2CredentialProviderCommand({ name: "gh" })), "ResourceNotFoundException", 404);
    await west.control.send(new CreateOauth2CredentialProviderCommand({ name: "gh", credentialProviderVendor: "GithubOauth2", oauth2ProviderConfigInput: github("west-client-secret") }));
    const listed = (await west.control.send(new ListOauth2CredentialProvidersCommand({}))).credentialProviders!;
    assert.deepEqual(listed.map((p) => p.credentialProviderArn), [oauth2ProviderArn({ region: WEST, accountId: t.accountId }, "gh")]);
    const records = t.server.services.store.list<{ secretArn: string }>(KIND_OAUTH2_PROVIDER);
    assert.equal(records.length, 2);
    const secrets = records.map((r) => t.server.services.vault.get(r.secretArn)).sort();
    assert.deepEqual(secrets, ["east-client-secret", "west-client-secret"]);
  });
});

describe("state written before Identity resources were regional", () => {
  let stateDir: string;
  let t: TestLocal | undefined;

  before(() => {
    stateDir = mkdtempSync(join(tmpdir(), "agentcore-identity-regions-"));
  });
  after(async () => {
    await t?.stop();
    rmSync(stateDir, { recursive: true, force: true });
  });

  it("rows keyed by name move to the region of their stored ARN at start", async () => {
    // Rows as the previous version wrote them: id = name, ARN in eu-west-1.
    t = await startTestLocal({ stateDir, region: EAST });
    const { store, vault, accountId } = t.server.services;
    const scope = { region: "eu-west-1", accountId };
    const now = new Date().toISOString();
    const secretArn = `arn:aws:secretsmanager:eu-west-1:${accountId}:secret:bedrock-agentcore-identity!default/apikey/legacy-AbCdEf`;
    store.tx(() => {
      store.put(KIND_APIKEY_PROVIDER, "legacy", { name: "legacy", credentialProviderArn: apiKeyProviderArn(scope, "legacy"), secretArn, createdTime: now, lastUpdatedTime: now, tags: {} });
      vault.put(secretArn, "sk-legacy");
      store.put(KIND_TOKEN_VAULT, "default", { tokenVaultId: "default", kmsConfiguration: { keyType: "CustomerManagedKey", kmsKeyArn: LEGACY_KMS_KEY }, lastModifiedDate: now });
      store.put(KIND_WORKLOAD_IDENTITY, "legacy-agent", { name: "legacy-agent", workloadIdentityArn: workloadIdentityArn(scope, "legacy-agent"), allowedResourceOauth2ReturnUrls: [], createdTime: now, lastUpdatedTime: now });
    });
    await t.stop();

    t = await startTestLocal({ stateDir, region: EAST });
    await rejects(() => t!.clients.control.send(new GetApiKeyCredentialProviderCommand({ name: "legacy" })), "ResourceNotFoundException", 404);
    const eu = makeClients(t.endpoint, "eu-west-1", t.admin);
    try {
      const got = await eu.control.send(new GetApiKeyCredentialProviderCommand({ name: "legacy" }));
      assert.equal(got.credentialProviderArn, apiKeyProviderArn(scope, "legacy"));
      assert.equal(got.apiKeySecretArn?.secretArn, secretArn);
      const wi = await eu.control.send(new GetWorkloadIdentityCommand({ name: "legacy-agent" }));
      assert.equal(wi.workloadIdentityArn, workloadIdentityArn(scope, "legacy-agent"));
      await rejects(() => t!.clients.control.send(new GetWorkloadIdentityCommand({ name: "legacy-agent" })), "ResourceNotFoundException", 404);
      // The old token vault record holds no ARN: it is the region the server runs for.
      assert.deepEqual((await t!.clients.control.send(new GetTokenVaultCommand({}))).kmsConfiguration, { keyType: "CustomerManagedKey", kmsKeyArn: LEGACY_KMS_KEY });
      assert.deepEqual((await eu.control.send(new GetTokenVaultCommand({}))).kmsConfiguration, { keyType: "ServiceManagedKey" });
      // And it still works end to end: a token in eu-west-1 reads the legacy key.
      const token = (await eu.data.send(new GetWorkloadAccessTokenCommand({ workloadName: "legacy-agent" }))).workloadAccessToken!;
      const key = await eu.data.send(new GetResourceApiKeyCommand({ workloadIdentityToken: token, resourceCredentialProviderName: "legacy" }));
      assert.equal(key.apiKey, "sk-legacy");
    } finally {
      for (const c of Object.values(eu)) c.destroy();
    }
  });
});
