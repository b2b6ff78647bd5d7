/**
 * GetResourceOauth2Token with oauth2Flow M2M, through the raw AWS SDK: a real client-credentials
 * exchange against Local AgentCore's own identity provider (discovery URL) and against an
 * authorization server that is not ours (authorization-server metadata); the vault cache; IAM; a
 * wrong client secret; and no token or client secret in the log or the state folder.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { CreateRoleCommand, PutRolePolicyCommand } from "@aws-sdk/client-iam";
import { AssumeRoleCommand } from "@aws-sdk/client-sts";
import {
  CreateOauth2CredentialProviderCommand,
  CreateWorkloadIdentityCommand,
  UpdateOauth2CredentialProviderCommand,
} from "@aws-sdk/client-bedrock-agentcore-control";
import { GetResourceOauth2TokenCommand, GetWorkloadAccessTokenCommand, type BedrockAgentCoreClient } from "@aws-sdk/client-bedrock-agentcore";
import { startTestLocal, type TestLocal } from "../helpers/local.js";
import { localIdp } from "../../lib/local/client/idp.js";
import { fetchVaultDigests } from "../../lib/local/client/vault-digests.js";
import { createHash } from "node:crypto";
import fc from "fast-check";
import { rejects } from "../identity/expect.js";
import { startTestAuthorizationServer, type TestAuthorizationServer } from "./rfc6749-server.js";

const FOREIGN_CLIENT = { id: "foreign-agent", secret: "foreign-secret-3f9a8b7c6d5e4f30" };

let t: TestLocal;
let as: TestAuthorizationServer;
let wat: string;
let idpClientSecret = "";
const logLines: string[] = [];
const secrets: string[] = [FOREIGN_CLIENT.secret];

before(async () => {
  t = await startTestLocal({ log: (l) => logLines.push(l) });
  as = await startTestAuthorizationServer(FOREIGN_CLIENT);
  await t.clients.control.send(new CreateWorkloadIdentityCommand({ name: "agent-a" }));
  wat = (await t.clients.data.send(new GetWorkloadAccessTokenCommand({ workloadName: "agent-a" }))).workloadAccessToken!;
  await t.clients.control.send(
    new CreateOauth2CredentialProviderCommand({
      name: "foreign",
      credentialProviderVendor: "CustomOauth2",
      oauth2ProviderConfigInput: {
        customOauth2ProviderConfig: {
          clientId: FOREIGN_CLIENT.id,
          clientSecret: FOREIGN_CLIENT.secret,
          oauthDiscovery: { authorizationServerMetadata: { issuer: as.url, authorizationEndpoint: `${as.url}/oauth/authorize`, tokenEndpoint: as.tokenEndpoint } },
        },
      },
    }),
  );
});
after(async () => {
  await as.close();
  await t.stop();
});

const m2m = (client: BedrockAgentCoreClient, provider: string, extra: Partial<ConstructorParameters<typeof GetResourceOauth2TokenCommand>[0]> = {}) =>
  client.send(new GetResourceOauth2TokenCommand({ workloadIdentityToken: wat, resourceCredentialProviderName: provider, scopes: [], oauth2Flow: "M2M", ...extra }));

describe("GetResourceOauth2Token M2M", () => {
  it("exchanges client credentials at Local AgentCore's identity provider (discovery URL), and the calendar API accepts the token", async () => {
    const idp = localIdp({ endpoint: t.endpoint, region: t.region, credentials: t.admin });
    const { clientSecret, discoveryUrl } = await idp.createClient({ clientId: "calendar-agent", scope: "calendar.read" });
    secrets.push(clientSecret!);
    idpClientSecret = clientSecret!;
    await t.clients.control.send(
      new CreateOauth2CredentialProviderCommand({
        name: "local-idp",
        credentialProviderVendor: "CustomOauth2",
        oauth2ProviderConfigInput: { customOauth2ProviderConfig: { clientId: "calendar-agent", clientSecret: clientSecret!, oauthDiscovery: { discoveryUrl } } },
      }),
    );
    const out = await m2m(t.clients.data, "local-idp", { scopes: ["calendar.read"], resources: [`${t.endpoint}/_local/calendar`] });
    assert.ok(out.accessToken);
    secrets.push(out.accessToken);
    const res = await fetch(`${t.endpoint}/_local/calendar/v3/calendars/primary/events`, { headers: { authorization: `Bearer ${out.accessToken}` } });
    assert.equal(res.status, 200);
  });

  it("has Local AgentCore's identity provider play a built-in vendor (GoogleOauth2) offline, and says so in the log", async () => {
    const idp = localIdp({ endpoint: t.endpoint, region: t.region, credentials: t.admin });
    const { clientSecret } = await idp.createClient({ clientId: "google-agent", scope: "calendar.read" });
    secrets.push(clientSecret!);
    const created = await t.clients.control.send(
      new CreateOauth2CredentialProviderCommand({
        name: "google",
        credentialProviderVendor: "GoogleOauth2",
        oauth2ProviderConfigInput: { googleOauth2ProviderConfig: { clientId: "google-agent", clientSecret: clientSecret! } },
      }),
    );
    // Reported as AWS reports it: Google's own endpoints.
    assert.equal(created.oauth2ProviderConfigOutput?.googleOauth2ProviderConfig?.oauthDiscovery?.authorizationServerMetadata?.tokenEndpoint, "https://oauth2.googleapis.com/token");
    const out = await m2m(t.clients.data, "google", { scopes: ["calendar.read"] });
    secrets.push(out.accessToken!);
    const res = await fetch(`${t.endpoint}/_local/calendar/v3/calendars/primary/events`, { headers: { authorization: `Bearer ${out.accessToken}` } });
    assert.equal(res.status, 200);
    assert.ok(logLines.some((l) => l.includes("GoogleOauth2 is played offline by Local AgentCore's identity provider")));
  });

  it("works against an authorization server that is not ours, sending scopes, resources, audiences and custom parameters", async () => {
    const before = as.requests.length;
    const out = await m2m(t.clients.data, "foreign", {
      scopes: ["read", "write"],
      resources: ["https://api.example.test/"],
      audiences: ["example-api"],
      customParameters: { tenant: "t-1", grant_type: "password" },
    });
    assert.equal(as.requests.length, before + 1);
    const req = as.requests.at(-1)!;
    assert.equal(req.basic, true, "client_secret_basic by default");
    assert.equal(req.form.get("grant_type"), "client_credentials", "a custom parameter never overrides a standard one");
    assert.equal(req.form.get("scope"), "read write");
    assert.deepEqual(req.form.getAll("resource"), ["https://api.example.test/"]);
    assert.deepEqual(req.form.getAll("audience"), ["example-api"]);
    assert.equal(req.form.get("tenant"), "t-1");
    assert.equal(out.accessToken, as.issued.at(-1));
    secrets.push(out.accessToken!);
  });

  it("caches the token per workload, provider and scopes until it expires", async () => {
    const first = await m2m(t.clients.data, "foreign", { scopes: ["cache-me"] });
    const count = as.requests.length;
    const second = await m2m(t.clients.data, "foreign", { scopes: ["cache-me"] });
    assert.equal(as.requests.length, count, "the second call made no token request");
    assert.equal(second.accessToken, first.accessToken);
    secrets.push(first.accessToken!);

    await m2m(t.clients.data, "foreign", { scopes: ["other"] });
    assert.equal(as.requests.length, count + 1, "other scopes, another token");

    // Another workload gets its own token.
    await t.clients.control.send(new CreateWorkloadIdentityCommand({ name: "agent-b" }));
    const watB = (await t.clients.data.send(new GetWorkloadAccessTokenCommand({ workloadName: "agent-b" }))).workloadAccessToken!;
    const b = await m2m(t.clients.data, "foreign", { scopes: ["cache-me"], workloadIdentityToken: watB });
    assert.notEqual(b.accessToken, first.accessToken);
    assert.equal(as.requests.length, count + 2);

    // Past expiry (minus the skew) the next call fetches a new one. A slow machine only makes
    // the token older, so this cannot pass by accident.
    as.expiresIn = 61;
    try {
      const short = await m2m(t.clients.data, "foreign", { scopes: ["short-lived"] });
      await new Promise((r) => setTimeout(r, 1500));
      const later = await m2m(t.clients.data, "foreign", { scopes: ["short-lived"] });
      assert.notEqual(later.accessToken, short.accessToken);
      assert.equal(as.requests.length, count + 4);
    } finally {
      as.expiresIn = 3600;
    }
  });

  it("does not cache a token whose lifetime the server did not say", async () => {
    as.expiresIn = undefined;
    try {
      const count = as.requests.length;
      await m2m(t.clients.data, "foreign", { scopes: ["no-expiry"] });
      await m2m(t.clients.data, "foreign", { scopes: ["no-expiry"] });
      assert.equal(as.requests.length, count + 2);
    } finally {
      as.expiresIn = 3600;
    }
  });

  it("answers a wrong client secret with ValidationException and keeps no token; a provider update replaces the cache", async () => {
    await t.clients.control.send(
      new CreateOauth2CredentialProviderCommand({
        name: "foreign-wrong",
        credentialProviderVendor: "CustomOauth2",
        oauth2ProviderConfigInput: {
          customOauth2ProviderConfig: { clientId: FOREIGN_CLIENT.id, clientSecret: "wrong-secret-00000000", oauthDiscovery: { discoveryUrl: as.metadataUrl } },
        },
      }),
    );
    secrets.push("wrong-secret-00000000");
    const err = await rejects(() => m2m(t.clients.data, "foreign-wrong", { scopes: ["x"] }), "ValidationException", 400);
    assert.match(err.message, /^Error parsing ClientCredentials response/);
    assert.match(err.message, /invalid_client/);
    assert.doesNotMatch(err.message, /bad secret/, "the server's free text is not passed on");

    await t.clients.control.send(
      new UpdateOauth2CredentialProviderCommand({
        name: "foreign-wrong",
        credentialProviderVendor: "CustomOauth2",
        oauth2ProviderConfigInput: {
          customOauth2ProviderConfig: { clientId: FOREIGN_CLIENT.id, clientSecret: FOREIGN_CLIENT.secret, oauthDiscovery: { discoveryUrl: as.metadataUrl } },
        },
      }),
    );
    const ok = await m2m(t.clients.data, "foreign-wrong", { scopes: ["x"] });
    assert.equal(ok.accessToken, as.issued.at(-1));
    secrets.push(ok.accessToken!);
  });

  it("answers an unreachable token endpoint and an unknown provider clearly", async () => {
    await t.clients.control.send(
      new CreateOauth2CredentialProviderCommand({
        name: "nowhere",
        credentialProviderVendor: "CustomOauth2",
        oauth2ProviderConfigInput: { customOauth2ProviderConfig: { clientId: "c", clientSecret: "s-nowhere-123456", oauthDiscovery: { authorizationServerMetadata: { issuer: "http://127.0.0.1:9", authorizationEndpoint: "http://127.0.0.1:9/a", tokenEndpoint: "http://127.0.0.1:9/token" } } } },
      }),
    );
    const err = await rejects(() => m2m(t.clients.data, "nowhere"), "ValidationException", 400);
    assert.match(err.message, /could not be reached/);
    await rejects(() => m2m(t.clients.data, "no-such-provider"), "ResourceNotFoundException", 404);
  });

  it("checks IAM on the token vault, the provider, the workload identity and the client secret", async () => {
    const trust = JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { AWS: `arn:aws:iam::${t.accountId}:root` }, Action: "sts:AssumeRole" }] });
    const role = await t.clients.iam.send(new CreateRoleCommand({ RoleName: "agent-role", AssumeRolePolicyDocument: trust }));
    const creds = (await t.clients.sts.send(new AssumeRoleCommand({ RoleArn: role.Role!.Arn!, RoleSessionName: "agent" }))).Credentials!;
    const session = t.clientsFor({ accessKeyId: creds.AccessKeyId!, secretAccessKey: creds.SecretAccessKey!, sessionToken: creds.SessionToken! }).data;
    const arn = (r: string) => `arn:aws:bedrock-agentcore:${t.region}:${t.accountId}:${r}`;
    const count = as.requests.length;

    const denied = await rejects(() => m2m(session, "foreign", { scopes: ["iam"] }), "AccessDeniedException", 403);
    assert.match(denied.message, /bedrock-agentcore:GetResourceOauth2Token/);

    const put = (doc: unknown) => t.clients.iam.send(new PutRolePolicyCommand({ RoleName: "agent-role", PolicyName: "p", PolicyDocument: JSON.stringify(doc) }));
    await put({
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Action: "bedrock-agentcore:GetResourceOauth2Token", Resource: [arn("token-vault/default"), arn("token-vault/default/oauth2credentialprovider/foreign"), arn("workload-identity-directory/default"), arn("workload-identity-directory/default/workload-identity/agent-a")] }],
    });
    const noSecret = await rejects(() => m2m(session, "foreign", { scopes: ["iam"] }), "AccessDeniedException", 403);
    assert.match(noSecret.message, /secretsmanager:GetSecretValue/);
    await rejects(() => m2m(session, "local-idp", { scopes: ["iam"] }), "AccessDeniedException", 403);
    assert.equal(as.requests.length, count, "no token request for a denied call");

    await put({
      Version: "2012-10-17",
      Statement: [
        { Effect: "Allow", Action: "bedrock-agentcore:GetResourceOauth2Token", Resource: [arn("token-vault/default"), arn("token-vault/default/oauth2credentialprovider/foreign"), arn("workload-identity-directory/default"), arn("workload-identity-directory/default/workload-identity/agent-a")] },
        { Effect: "Allow", Action: "secretsmanager:GetSecretValue", Resource: "*" },
      ],
    });
    const ok = await m2m(session, "foreign", { scopes: ["iam"] });
    assert.ok(ok.accessToken);
    secrets.push(ok.accessToken!);
  });

  it("answers random requests with a token or a modeled 4xx, never a server error", async () => {
    const arb = fc.record({
      provider: fc.constantFrom("foreign", "local-idp", "google", "nowhere", "no-such-provider"),
      scopes: fc.array(fc.string({ minLength: 1, maxLength: 128 }), { maxLength: 4 }),
      resources: fc.option(fc.array(fc.webUrl(), { maxLength: 2 }), { nil: undefined }),
      audiences: fc.option(fc.array(fc.string({ minLength: 1, maxLength: 40 }), { maxLength: 2 }), { nil: undefined }),
      customParameters: fc.option(fc.dictionary(fc.stringMatching(/^[a-zA-Z0-9\-_.]{1,20}$/), fc.string({ maxLength: 60 }), { maxKeys: 3 }), { nil: undefined }),
    });
    await fc.assert(
      fc.asyncProperty(arb, async ({ provider, ...extra }) => {
        try {
          const out = await m2m(t.clients.data, provider, extra);
          assert.ok(out.accessToken);
        } catch (e) {
          const err = e as { name: string; $metadata?: { httpStatusCode?: number } };
          assert.ok(["ValidationException", "ResourceNotFoundException"].includes(err.name), `${err.name}: ${(e as Error).message}`);
          assert.ok((err.$metadata?.httpStatusCode ?? 500) < 500);
        }
      }),
      { numRuns: 40 },
    );
  });

  it("rejects a forged workload access token", async () => {
    await rejects(() => m2m(t.clients.data, "foreign", { workloadIdentityToken: `${wat.slice(0, -4)}AAAA` }), "UnauthorizedException", 401);
  });

  it("lists cached tokens and the identity provider's client secrets for the leak guard (digests)", async () => {
    const token = (await m2m(t.clients.data, "foreign", { scopes: ["digest-me"] })).accessToken!;
    secrets.push(token);
    const digests = await fetchVaultDigests({ endpoint: t.endpoint, region: t.region, credentials: t.admin });
    const has = (v: string) => digests.some((d) => d.sha256 === createHash("sha256").update(v).digest("hex"));
    assert.ok(has(token), "a cached M2M token");
    assert.ok(has(idpClientSecret), "the identity provider's client secret");
  });

  it("writes no token or client secret to the log or the state folder", () => {
    assert.ok(secrets.length >= 6);
    const files = readdirSync(t.stateDir, { recursive: true, withFileTypes: true }).filter((f) => f.isFile());
    const blobs = files.map((f) => readFileSync(join(f.parentPath, f.name)).toString("latin1"));
    blobs.push(logLines.join("\n"));
    for (const secret of secrets) for (const blob of blobs) assert.equal(blob.includes(secret), false, "a secret or token was written out");
  });
});
