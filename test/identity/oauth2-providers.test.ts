import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  CreateOauth2CredentialProviderCommand,
  DeleteOauth2CredentialProviderCommand,
  GetOauth2CredentialProviderCommand,
  ListOauth2CredentialProvidersCommand,
  UpdateOauth2CredentialProviderCommand,
  type BedrockAgentCoreControlClient,
} from "@aws-sdk/client-bedrock-agentcore-control";
import { startTestLocal, type TestLocal } from "../helpers/local.js";
import { getOauth2ProviderSecret } from "../../lib/local/services/identity/index.js";
import { assertDate, rejects } from "./expect.js";

describe("OAuth2 credential providers", () => {
  let t: TestLocal;
  let control: BedrockAgentCoreControlClient;
  before(async () => {
    t = await startTestLocal();
    control = t.clients.control;
  });
  after(() => t.stop());

  it("creates a GitHub provider (201): secret vaulted, vendor's server reported, callback on this endpoint", async () => {
    const out = await control.send(
      new CreateOauth2CredentialProviderCommand({
        name: "github",
        credentialProviderVendor: "GithubOauth2",
        oauth2ProviderConfigInput: { githubOauth2ProviderConfig: { clientId: "gh-client", clientSecret: "gh-secret-value-1" } },
      }),
    );
    assert.equal(out.$metadata.httpStatusCode, 201);
    assert.equal(out.credentialProviderArn, `arn:aws:bedrock-agentcore:${t.region}:${t.accountId}:token-vault/default/oauth2credentialprovider/github`);
    assert.match(out.clientSecretArn!.secretArn!, new RegExp(`^arn:aws:secretsmanager:${t.region}:${t.accountId}:secret:bedrock-agentcore-identity!default/oauth2/github-[A-Za-z0-9]{6}$`));
    // One callback per provider, as AWS's are now (…/callback/<uuid>), stable for the provider's life.
    assert.match(out.callbackUrl!, new RegExp(`^${t.endpoint}/identities/oauth2/callback/[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-a[0-9a-f]{3}-[0-9a-f]{12}$`));
    const again = await control.send(new GetOauth2CredentialProviderCommand({ name: "github" }));
    assert.equal(again.callbackUrl, out.callbackUrl);
    assert.deepEqual(out.oauth2ProviderConfigOutput, {
      githubOauth2ProviderConfig: {
        clientId: "gh-client",
        oauthDiscovery: {
          authorizationServerMetadata: {
            issuer: "https://github.com",
            authorizationEndpoint: "https://github.com/login/oauth/authorize",
            tokenEndpoint: "https://github.com/login/oauth/access_token",
            responseTypes: ["code"],
          },
        },
      },
    });
    assert.ok(!JSON.stringify(out).includes("gh-secret-value-1"));
    const resolved = getOauth2ProviderSecret(t.server.services, t.server.services, "github");
    assert.equal(resolved.clientSecret, "gh-secret-value-1");
    assert.equal(resolved.clientId, "gh-client");
  });

  it("gets it with vendor, Date timestamps and no secret", async () => {
    const out = await control.send(new GetOauth2CredentialProviderCommand({ name: "github" }));
    assert.equal(out.credentialProviderVendor, "GithubOauth2");
    assert.equal(out.status, "READY");
    assertDate(out.createdTime, "createdTime");
    assertDate(out.lastUpdatedTime, "lastUpdatedTime");
    assert.equal(out.oauth2ProviderConfigOutput?.githubOauth2ProviderConfig?.clientId, "gh-client");
    assert.ok(!JSON.stringify(out).includes("gh-secret-value-1"));
  });

  it("refuses a duplicate name with 409 ConflictException", async () => {
    await rejects(
      () =>
        control.send(
          new CreateOauth2CredentialProviderCommand({
            name: "github",
            credentialProviderVendor: "GithubOauth2",
            oauth2ProviderConfigInput: { githubOauth2ProviderConfig: { clientId: "other", clientSecret: "other-secret" } },
          }),
        ),
      "ConflictException",
      409,
    );
    assert.equal(getOauth2ProviderSecret(t.server.services, t.server.services, "github").clientSecret, "gh-secret-value-1");
  });

  it("custom provider: reports the discovery URL or server metadata as given, never the secret", async () => {
    const discovery = await control.send(
      new CreateOauth2CredentialProviderCommand({
        name: "corp-idp",
        credentialProviderVendor: "CustomOauth2",
        oauth2ProviderConfigInput: {
          customOauth2ProviderConfig: {
            clientId: "corp",
            clientSecret: "corp-secret",
            oauthDiscovery: { discoveryUrl: "https://idp.example.com/.well-known/openid-configuration" },
            clientAuthenticationMethod: "CLIENT_SECRET_POST",
          },
        },
      }),
    );
    assert.deepEqual(discovery.oauth2ProviderConfigOutput, {
      customOauth2ProviderConfig: {
        clientId: "corp",
        oauthDiscovery: { discoveryUrl: "https://idp.example.com/.well-known/openid-configuration" },
        clientAuthenticationMethod: "CLIENT_SECRET_POST",
      },
    });
    const metadata = {
      issuer: "https://auth.example.org",
      authorizationEndpoint: "https://auth.example.org/authorize",
      tokenEndpoint: "https://auth.example.org/token",
      responseTypes: ["code"],
      tokenEndpointAuthMethods: ["client_secret_basic"],
    };
    await control.send(
      new CreateOauth2CredentialProviderCommand({
        name: "corp-meta",
        credentialProviderVendor: "CustomOauth2",
        oauth2ProviderConfigInput: {
          customOauth2ProviderConfig: { clientId: "corp2", clientSecret: "corp2-secret", oauthDiscovery: { authorizationServerMetadata: metadata } },
        },
      }),
    );
    const got = await control.send(new GetOauth2CredentialProviderCommand({ name: "corp-meta" }));
    assert.deepEqual(got.oauth2ProviderConfigOutput?.customOauth2ProviderConfig?.oauthDiscovery, { authorizationServerMetadata: metadata });
    assert.equal(got.credentialProviderVendor, "CustomOauth2");
  });

  it("included vendors (Okta, ...) take their endpoints from the included config; Microsoft uses its tenant", async () => {
    const okta = await control.send(
      new CreateOauth2CredentialProviderCommand({
        name: "okta",
        credentialProviderVendor: "OktaOauth2",
        oauth2ProviderConfigInput: {
          includedOauth2ProviderConfig: {
            clientId: "okta-client",
            clientSecret: "okta-secret",
            issuer: "https://dev-1.okta.com",
            authorizationEndpoint: "https://dev-1.okta.com/oauth2/v1/authorize",
            tokenEndpoint: "https://dev-1.okta.com/oauth2/v1/token",
          },
        },
      }),
    );
    assert.deepEqual(okta.oauth2ProviderConfigOutput?.includedOauth2ProviderConfig?.oauthDiscovery, {
      authorizationServerMetadata: {
        issuer: "https://dev-1.okta.com",
        authorizationEndpoint: "https://dev-1.okta.com/oauth2/v1/authorize",
        tokenEndpoint: "https://dev-1.okta.com/oauth2/v1/token",
      },
    });
    const ms = await control.send(
      new CreateOauth2CredentialProviderCommand({
        name: "entra",
        credentialProviderVendor: "MicrosoftOauth2",
        oauth2ProviderConfigInput: { microsoftOauth2ProviderConfig: { clientId: "ms", clientSecret: "ms-secret", tenantId: "contoso" } },
      }),
    );
    assert.equal(
      ms.oauth2ProviderConfigOutput?.microsoftOauth2ProviderConfig?.oauthDiscovery?.authorizationServerMetadata?.tokenEndpoint,
      "https://login.microsoftonline.com/contoso/oauth2/v2.0/token",
    );
  });

  it("updates the configuration; a secret left out is kept, a new one replaces it", async () => {
    const before = await control.send(new GetOauth2CredentialProviderCommand({ name: "github" }));
    const later = new Date(before.createdTime!.getTime() + 30_000);
    const realNow = t.server.services.now;
    t.server.services.now = () => later;
    try {
      const out = await control.send(
        new UpdateOauth2CredentialProviderCommand({
          name: "github",
          credentialProviderVendor: "GithubOauth2",
          oauth2ProviderConfigInput: { githubOauth2ProviderConfig: { clientId: "gh-client-2" } },
        }),
      );
      assert.equal(out.oauth2ProviderConfigOutput?.githubOauth2ProviderConfig?.clientId, "gh-client-2");
      assert.equal(out.clientSecretArn?.secretArn, before.clientSecretArn?.secretArn);
      assert.equal(out.lastUpdatedTime?.getTime(), later.getTime());
    } finally {
      t.server.services.now = realNow;
    }
    assert.equal(getOauth2ProviderSecret(t.server.services, t.server.services, "github").clientSecret, "gh-secret-value-1");
    await control.send(
      new UpdateOauth2CredentialProviderCommand({
        name: "github",
        credentialProviderVendor: "GithubOauth2",
        oauth2ProviderConfigInput: { githubOauth2ProviderConfig: { clientId: "gh-client-3", clientSecret: "gh-secret-value-2" } },
      }),
    );
    const resolved = getOauth2ProviderSecret(t.server.services, t.server.services, "github");
    assert.equal(resolved.clientSecret, "gh-secret-value-2");
    assert.equal(resolved.clientId, "gh-client-3");
  });

  it("rejects vendor/config mismatches, missing secrets, external secrets and unions with two members", async () => {
    const bad: Record<string, unknown>[] = [
      { name: "mismatch", credentialProviderVendor: "GoogleOauth2", oauth2ProviderConfigInput: { githubOauth2ProviderConfig: { clientId: "a", clientSecret: "b" } } },
      { name: "no-secret", credentialProviderVendor: "SlackOauth2", oauth2ProviderConfigInput: { slackOauth2ProviderConfig: { clientId: "a" } } },
      {
        name: "external",
        credentialProviderVendor: "GoogleOauth2",
        oauth2ProviderConfigInput: { googleOauth2ProviderConfig: { clientId: "a", clientSecretConfig: { secretId: "s", jsonKey: "k" } } },
      },
      {
        name: "two",
        credentialProviderVendor: "GoogleOauth2",
        oauth2ProviderConfigInput: {
          googleOauth2ProviderConfig: { clientId: "a", clientSecret: "b" },
          githubOauth2ProviderConfig: { clientId: "a", clientSecret: "b" },
        },
      },
      { name: "okta-bare", credentialProviderVendor: "OktaOauth2", oauth2ProviderConfigInput: { includedOauth2ProviderConfig: { clientId: "a", clientSecret: "b" } } },
      { name: "bad-vendor", credentialProviderVendor: "MySpaceOauth2", oauth2ProviderConfigInput: { customOauth2ProviderConfig: { clientId: "a" } } },
      { name: "no-config", credentialProviderVendor: "GoogleOauth2" },
      { name: "bad name!", credentialProviderVendor: "GoogleOauth2", oauth2ProviderConfigInput: { googleOauth2ProviderConfig: { clientId: "a", clientSecret: "b" } } },
      {
        name: "bad-discovery",
        credentialProviderVendor: "CustomOauth2",
        oauth2ProviderConfigInput: { customOauth2ProviderConfig: { clientId: "a", clientSecret: "b", oauthDiscovery: { discoveryUrl: "https://idp.example.com/metadata" } } },
      },
    ];
    const why = [
      /configured with googleOauth2ProviderConfig, not githubOauth2ProviderConfig/,
      /clientSecret is required/,
      /cannot reference a Secrets Manager secret/,
      /exactly one member/,
      /issuer is required/,
      /credentialProviderVendor/,
      /oauth2ProviderConfigInput/,
      /'name'/,
      /discoveryUrl/,
    ];
    for (const input of bad) {
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      const err = await rejects(() => control.send(new CreateOauth2CredentialProviderCommand(input as any)), "ValidationException", 400);
      assert.match(err.message, why.shift()!, input.name as string);
    }
    const listed = await control.send(new ListOauth2CredentialProvidersCommand({ maxResults: 20 }));
    assert.deepEqual(listed.credentialProviders!.map((p) => p.name), ["corp-idp", "corp-meta", "entra", "github", "okta"]);
  });

  it("lists in pages with vendors and Date timestamps", async () => {
    const seen: string[] = [];
    let nextToken: string | undefined;
    do {
      const out = await control.send(new ListOauth2CredentialProvidersCommand({ maxResults: 2, nextToken }));
      for (const p of out.credentialProviders!) {
        assert.ok(p.credentialProviderVendor);
        assertDate(p.createdTime, "createdTime");
        seen.push(p.name!);
      }
      nextToken = out.nextToken;
    } while (nextToken);
    assert.deepEqual(seen, ["corp-idp", "corp-meta", "entra", "github", "okta"]);
  });

  it("deletes (204) the provider and its secret; unknown names are 404", async () => {
    const { secretArn } = getOauth2ProviderSecret(t.server.services, t.server.services, "okta");
    const out = await control.send(new DeleteOauth2CredentialProviderCommand({ name: "okta" }));
    assert.equal(out.$metadata.httpStatusCode, 204);
    assert.equal(t.server.services.vault.get(secretArn), undefined);
    await rejects(() => control.send(new GetOauth2CredentialProviderCommand({ name: "okta" })), "ResourceNotFoundException", 404);
    await rejects(() => control.send(new DeleteOauth2CredentialProviderCommand({ name: "okta" })), "ResourceNotFoundException", 404);
    await rejects(
      () =>
        control.send(
          new UpdateOauth2CredentialProviderCommand({
            name: "okta",
            credentialProviderVendor: "GoogleOauth2",
            oauth2ProviderConfigInput: { googleOauth2ProviderConfig: { clientId: "a", clientSecret: "b" } },
          }),
        ),
      "ResourceNotFoundException",
      404,
    );
    assert.throws(() => getOauth2ProviderSecret(t.server.services, t.server.services, "okta"), { name: "ResourceNotFoundException" });
  });
});
