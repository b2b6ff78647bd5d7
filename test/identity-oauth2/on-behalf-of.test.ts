/**
 * GetResourceOauth2Token with oauth2Flow ON_BEHALF_OF_TOKEN_EXCHANGE, through the raw AWS SDK:
 * a user's access token (signed in through the identity provider's real pages) reaches an agent's
 * workload identity through GetWorkloadAccessTokenForJWT, and Local AgentCore exchanges it at the
 * identity provider, by token exchange (RFC 8693, with an M2M actor token) and by the JWT bearer
 * grant (RFC 7523). Then the ways around it: a workload token without a user JWT, a provider
 * without the exchange configuration, a user token the provider does not trust, an expired one,
 * scopes the user never granted, IAM, and no token in the log or the state folder.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { CreateRoleCommand, PutRolePolicyCommand } from "@aws-sdk/client-iam";
import { AssumeRoleCommand } from "@aws-sdk/client-sts";
import { CreateOauth2CredentialProviderCommand, GetOauth2CredentialProviderCommand, type CustomOauth2ProviderConfigInput } from "@aws-sdk/client-bedrock-agentcore-control";
import {
  BedrockAgentCoreClient,
  GetResourceOauth2TokenCommand,
  GetWorkloadAccessTokenCommand,
  GetWorkloadAccessTokenForJWTCommand,
  GetWorkloadAccessTokenForUserIdCommand,
  type GetResourceOauth2TokenCommandInput,
} from "@aws-sdk/client-bedrock-agentcore";
import { fetchVaultDigests } from "../../lib/local/client/vault-digests.js";
import { localIdp } from "../../lib/local/client/idp.js";
import { startTestLocal, type TestLocal } from "../helpers/local.js";
import { mintWorkloadAccessToken } from "../../lib/local/auth/workload-tokens.js";
import { createInboundUserTokens, holdInboundUserToken, KIND_INBOUND_USER_TOKEN } from "../../lib/local/services/identity-data/inbound-user-tokens.js";
import { rejects } from "../identity/expect.js";
import { claimsOf, userAccessToken } from "./user-access-token.js";

const APP_REDIRECT = "http://127.0.0.1:9/app/callback";
const ALICE = { username: "alice", password: "correct horse battery" };
const BOB = { username: "bob", password: "battery staple horse" };
const TE_SECRET = "obo-exchange-client-secret-1a2b3c4d";
const JB_SECRET = "obo-jwt-bearer-client-secret-5e6f7a8b";

let t: TestLocal;
let foreign: TestLocal;
let issuer = "";
let appSecret = "";
const logLines: string[] = [];
const secrets: string[] = [TE_SECRET, JB_SECRET];
const users: Record<string, string> = {};

const userToken = async (who: typeof ALICE, scope = "calendar.read", at: { issuer: string; secret: string } = { issuer, secret: appSecret }) => {
  const token = await userAccessToken({ issuer: at.issuer, clientId: "user-app", clientSecret: at.secret, redirectUri: APP_REDIRECT, ...who, scope });
  secrets.push(token);
  return token;
};

/** A runtime whose JWT authorizer trusts `discoveryUrl`, and its workload identity (as CreateAgentRuntime writes them). */
function agentWithJwtAuthorizer(name: string, discoveryUrl: string) {
  const runtimeArn = `arn:aws:bedrock-agentcore:${t.region}:${t.accountId}:runtime/${name.replace(/-/g, "_")}-abcdefghij`;
  const workloadArn = `arn:aws:bedrock-agentcore:${t.region}:${t.accountId}:workload-identity-directory/default/workload-identity/${name}`;
  const now = new Date().toISOString();
  const { store } = t.server.services;
  store.put("runtime", runtimeArn, { agentRuntimeArn: runtimeArn, authorizerConfiguration: { customJWTAuthorizer: { discoveryUrl } } });
  store.put("identity-workload-identity", workloadArn, { name, workloadIdentityArn: workloadArn, allowedResourceOauth2ReturnUrls: [], createdTime: now, lastUpdatedTime: now, managedByRuntimeArn: runtimeArn });
}

const watForJwt = async (jwt: string, workloadName = "obo-agent") =>
  (await t.clients.data.send(new GetWorkloadAccessTokenForJWTCommand({ workloadName, userToken: jwt }))).workloadAccessToken!;

type Extra = Partial<GetResourceOauth2TokenCommandInput>;
const exchange = async (wat: string, provider: string, extra: Extra = {}, client: BedrockAgentCoreClient = t.clients.data) => {
  const out = await client.send(
    new GetResourceOauth2TokenCommand({ workloadIdentityToken: wat, resourceCredentialProviderName: provider, scopes: ["calendar.read"], oauth2Flow: "ON_BEHALF_OF_TOKEN_EXCHANGE", ...extra }),
  );
  if (out.accessToken) secrets.push(out.accessToken);
  return out;
};

const provider = (name: string, clientId: string, clientSecret: string, config: Partial<CustomOauth2ProviderConfigInput>) =>
  t.clients.control.send(
    new CreateOauth2CredentialProviderCommand({
      name,
      credentialProviderVendor: "CustomOauth2",
      oauth2ProviderConfigInput: { customOauth2ProviderConfig: { clientId, clientSecret, oauthDiscovery: { discoveryUrl: `${issuer}/.well-known/openid-configuration` }, ...config } },
    }),
  );

before(async () => {
  t = await startTestLocal({ log: (l) => logLines.push(l) });
  const idp = localIdp({ endpoint: t.endpoint, region: t.region, credentials: t.admin });
  issuer = idp.issuer;
  for (const u of [ALICE, BOB]) users[u.username] = (await idp.createUser(u)).sub;
  appSecret = (await idp.createClient({ clientId: "user-app", grantTypes: ["authorization_code"], redirectUris: [APP_REDIRECT], scope: "openid calendar.read calendar.write" })).clientSecret!;
  secrets.push(appSecret);
  const exchangeGrant = "urn:ietf:params:oauth:grant-type:token-exchange" as const;
  const bearerGrant = "urn:ietf:params:oauth:grant-type:jwt-bearer" as const;
  await idp.createClient({ clientId: "obo-exchange", grantTypes: [exchangeGrant, "client_credentials"], scope: "calendar.read calendar.write", clientSecret: TE_SECRET });
  await idp.createClient({ clientId: "obo-bearer", grantTypes: [bearerGrant], scope: "calendar.read", clientSecret: JB_SECRET });
  await idp.createClient({ clientId: "plain-m2m", grantTypes: ["client_credentials"], scope: "calendar.read", clientSecret: "plain-m2m-client-secret-9c0d1e2f" });
  secrets.push("plain-m2m-client-secret-9c0d1e2f");

  await provider("obo-exchange", "obo-exchange", TE_SECRET, {
    onBehalfOfTokenExchangeConfig: { grantType: "TOKEN_EXCHANGE", tokenExchangeGrantTypeConfig: { actorTokenContent: "M2M", actorTokenScopes: ["calendar.read"] } },
  });
  await provider("obo-exchange-no-actor", "obo-exchange", TE_SECRET, { onBehalfOfTokenExchangeConfig: { grantType: "TOKEN_EXCHANGE", tokenExchangeGrantTypeConfig: { actorTokenContent: "NONE" } } });
  await provider("obo-bearer", "obo-bearer", JB_SECRET, { onBehalfOfTokenExchangeConfig: { grantType: "JWT_AUTHORIZATION_GRANT" } });
  await provider("plain", "plain-m2m", "plain-m2m-client-secret-9c0d1e2f", {});
  // The exchange grant is the client's to be allowed: this client is not registered for it.
  await provider("obo-unregistered", "plain-m2m", "plain-m2m-client-secret-9c0d1e2f", { onBehalfOfTokenExchangeConfig: { grantType: "TOKEN_EXCHANGE" } });

  agentWithJwtAuthorizer("obo-agent", `${issuer}/.well-known/openid-configuration`);
});
after(async () => {
  await foreign?.stop();
  await t.stop();
});

describe("GetResourceOauth2Token ON_BEHALF_OF_TOKEN_EXCHANGE", () => {
  it("exchanges the user's token (RFC 8693, M2M actor token): the new token is the user's, with the agent's client as actor", async () => {
    const jwt = await userToken(ALICE);
    const wat = await watForJwt(jwt);
    const out = await exchange(wat, "obo-exchange");
    assert.ok(out.accessToken);
    assert.equal(out.authorizationUrl, undefined);
    assert.equal(out.sessionUri, undefined);
    const claims = claimsOf(out.accessToken!);
    assert.equal(claims.sub, users.alice);
    assert.deepEqual(claims.act, { sub: "obo-exchange" });
    assert.equal(claims.client_id, "obo-exchange");
    assert.equal(claims.iss, issuer);
    assert.equal(claims.aud, `${t.endpoint}/_local/calendar`);
    assert.equal(claims.scope, "calendar.read");
    assert.notEqual(out.accessToken, jwt);

    // The resource server accepts it, for Alice.
    const res = await fetch(`${t.endpoint}/_local/calendar/v3/calendars/primary/events`, { headers: { authorization: `Bearer ${out.accessToken}` } });
    assert.equal(res.status, 200);

    // Vaulted per user token: the same call again is served from the vault.
    const again = await exchange(wat, "obo-exchange");
    assert.equal(again.accessToken, out.accessToken);
    assert.ok(logLines.some((l) => /GetResourceOauth2Token allowed: provider obo-exchange .*ON_BEHALF_OF_TOKEN_EXCHANGE TOKEN_EXCHANGE, from the token vault/.test(l)));
  });

  it("exchanges without an actor token when the provider says NONE (act still names the client the server authenticated)", async () => {
    const wat = await watForJwt(await userToken(ALICE));
    const claims = claimsOf((await exchange(wat, "obo-exchange-no-actor")).accessToken!);
    assert.equal(claims.sub, users.alice);
    assert.deepEqual(claims.act, { sub: "obo-exchange" });
  });

  it("presents the user's token as a JWT authorization grant (RFC 7523 §2.1)", async () => {
    const wat = await watForJwt(await userToken(BOB));
    const claims = claimsOf((await exchange(wat, "obo-bearer")).accessToken!);
    assert.equal(claims.sub, users.bob);
    assert.deepEqual(claims.act, { sub: "obo-bearer" });
    assert.equal(claims.scope, "calendar.read");
  });

  it("never hands one user's exchanged token to another user of the same agent", async () => {
    const a = claimsOf((await exchange(await watForJwt(await userToken(ALICE)), "obo-exchange")).accessToken!);
    const b = claimsOf((await exchange(await watForJwt(await userToken(BOB)), "obo-exchange")).accessToken!);
    assert.equal(a.sub, users.alice);
    assert.equal(b.sub, users.bob);
  });

  it("refuses a workload access token that carries no user token (for a user id, or the workload alone)", async () => {
    const byId = (await t.clients.data.send(new GetWorkloadAccessTokenForUserIdCommand({ workloadName: "obo-agent", userId: users.alice! }))).workloadAccessToken!;
    const e = await rejects(() => exchange(byId, "obo-exchange"), "ValidationException", 400);
    assert.match(e.message, /GetWorkloadAccessTokenForJWT/);
    const bare = (await t.clients.data.send(new GetWorkloadAccessTokenCommand({ workloadName: "obo-agent" }))).workloadAccessToken!;
    await rejects(() => exchange(bare, "obo-exchange"), "ValidationException", 400);
  });

  it("refuses a workload access token minted for a bearer invocation without the user's JWT kept, and says what to do", async () => {
    const workloadIdentityArn = `arn:aws:bedrock-agentcore:${t.region}:${t.accountId}:workload-identity-directory/default/workload-identity/obo-agent`;
    const wat = await mintWorkloadAccessToken(t.server.services, { accountId: t.accountId, region: t.region, workloadName: "obo-agent", workloadIdentityArn, grant: "jwt", userId: "someone" });
    const e = await rejects(() => exchange(wat, "obo-exchange"), "ValidationException", 400);
    assert.match(e.message, /did not keep/);
  });

  it("holds each user token once, and drops expired ones when a new one comes", async () => {
    const held = () => t.server.services.store.list(KIND_INBOUND_USER_TOKEN).length;
    const jwt = await userToken(ALICE);
    await watForJwt(jwt);
    const n = held();
    const { store } = t.server.services;
    const before = store.version();
    await watForJwt(jwt);
    assert.equal(store.version(), before, "the same JWT again writes nothing");
    assert.equal(held(), n);
    // A token held until a moment that has passed goes when the next new one is held.
    const tokens = createInboundUserTokens(t.server.services);
    const nowSec = Math.floor(Date.now() / 1000);
    tokens.put("0".repeat(64), "expired.user.token", nowSec - 1);
    assert.equal(held(), n + 1);
    holdInboundUserToken(t.server.services, "another.user.token", nowSec + 600);
    assert.equal(held(), n + 1, "the expired one was dropped, the new one held");
    assert.equal(tokens.get("0".repeat(64)), undefined);
  });

  it("refuses a provider without onBehalfOfTokenExchangeConfig, and says how to set it", async () => {
    const wat = await watForJwt(await userToken(ALICE));
    const e = await rejects(() => exchange(wat, "plain"), "ValidationException", 400);
    assert.match(e.message, /onBehalfOfTokenExchangeConfig/);
  });

  it("surfaces the authorization server's refusals as ValidationException: a client not allowed the grant, scopes the user never granted", async () => {
    const wat = await watForJwt(await userToken(ALICE, "calendar.read"));
    const unregistered = await rejects(() => exchange(wat, "obo-unregistered"), "ValidationException", 400);
    assert.match(unregistered.message, /^Error parsing TokenExchange response: the authorization server answered HTTP 400/);
    // Alice consented to calendar.read only: the agent cannot turn that into calendar.write.
    const widened = await rejects(() => exchange(wat, "obo-exchange", { scopes: ["calendar.write"] }), "ValidationException", 400);
    assert.match(widened.message, /invalid_scope/);
    // Asking for both, only what Alice's token holds is granted.
    const narrowed = claimsOf((await exchange(wat, "obo-exchange", { scopes: ["calendar.read", "calendar.write"] })).accessToken!);
    assert.equal(narrowed.scope, "calendar.read");
  });

  it("refuses a user token the provider did not issue: the exchange fails at the provider, not at Local AgentCore", async () => {
    // Another identity provider (another Local AgentCore's) signs the user's token; the agent's
    // JWT authorizer trusts it, so the workload access token is issued, but the provider refuses it.
    foreign = await startTestLocal();
    const fidp = localIdp({ endpoint: foreign.endpoint, region: foreign.region, credentials: foreign.admin });
    await fidp.createUser(ALICE);
    const fsecret = (await fidp.createClient({ clientId: "user-app", grantTypes: ["authorization_code"], redirectUris: [APP_REDIRECT], scope: "openid calendar.read" })).clientSecret!;
    const foreignJwt = await userToken(ALICE, "calendar.read", { issuer: fidp.issuer, secret: fsecret });
    agentWithJwtAuthorizer("foreign-trusting-agent", `${fidp.issuer}/.well-known/openid-configuration`);
    const wat = await watForJwt(foreignJwt, "foreign-trusting-agent");
    const e = await rejects(() => exchange(wat, "obo-exchange"), "ValidationException", 400);
    assert.match(e.message, /^Error parsing TokenExchange response: the authorization server answered HTTP 400 invalid_grant/);
    const b = await rejects(() => exchange(wat, "obo-bearer"), "ValidationException", 400);
    assert.match(b.message, /^Error parsing JwtAuthorizationGrant response: .*invalid_grant/);
  });

  it("refuses once the user's token has expired, though the workload access token has not", async () => {
    const jwt = await userToken(BOB);
    const realNow = t.server.services.now;
    // The server's clock moves on; the client's with it (SigV4 allows 15 minutes of skew).
    const client = t.clientsFor(t.admin).data;
    const at = (minutes: number) => {
      t.server.services.now = () => new Date(start + minutes * 60_000);
      client.config.systemClockOffset = minutes * 60_000;
    };
    const start = realNow().getTime();
    try {
      at(50);
      // Minted with ten minutes of the user's token left.
      const wat = (await client.send(new GetWorkloadAccessTokenForJWTCommand({ workloadName: "obo-agent", userToken: jwt }))).workloadAccessToken!;
      at(65);
      const e = await rejects(() => exchange(wat, "obo-bearer", { scopes: ["calendar.read", "expired"] }, client), "UnauthorizedException", 401);
      assert.match(e.message, /user token .* has expired/);
    } finally {
      t.server.services.now = realNow;
    }
  });

  it("leaves the decision to IAM: a role without GetResourceOauth2Token on the provider is denied", async () => {
    const wat = await watForJwt(await userToken(ALICE));
    const trust = JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { AWS: `arn:aws:iam::${t.accountId}:root` }, Action: "sts:AssumeRole" }] });
    const role = await t.clients.iam.send(new CreateRoleCommand({ RoleName: "obo-agent-role", AssumeRolePolicyDocument: trust }));
    const creds = (await t.clients.sts.send(new AssumeRoleCommand({ RoleArn: role.Role!.Arn!, RoleSessionName: "agent" }))).Credentials!;
    const agent = t.clientsFor({ accessKeyId: creds.AccessKeyId!, secretAccessKey: creds.SecretAccessKey!, sessionToken: creds.SessionToken! }).data;
    const arn = (r: string) => `arn:aws:bedrock-agentcore:${t.region}:${t.accountId}:${r}`;
    const allow = (providerName: string) =>
      t.clients.iam.send(
        new PutRolePolicyCommand({
          RoleName: "obo-agent-role",
          PolicyName: "p",
          PolicyDocument: JSON.stringify({
            Version: "2012-10-17",
            Statement: [
              { Effect: "Allow", Action: "bedrock-agentcore:GetResourceOauth2Token", Resource: [arn("token-vault/default"), arn(`token-vault/default/oauth2credentialprovider/${providerName}`), arn("workload-identity-directory/default"), arn("workload-identity-directory/default/workload-identity/obo-agent")] },
              { Effect: "Allow", Action: "secretsmanager:GetSecretValue", Resource: "*" },
            ],
          }),
        }),
      );
    const none = await rejects(() => exchange(wat, "obo-exchange", {}, agent), "AccessDeniedException", 403);
    assert.match(none.message, /bedrock-agentcore:GetResourceOauth2Token/);
    await allow("obo-bearer");
    await rejects(() => exchange(wat, "obo-exchange", {}, agent), "AccessDeniedException", 403);
    assert.equal(claimsOf((await exchange(wat, "obo-bearer", {}, agent)).accessToken!).sub, users.alice);
    await allow("obo-exchange");
    assert.equal(claimsOf((await exchange(wat, "obo-exchange", {}, agent)).accessToken!).sub, users.alice);
  });

  it("reports the exchange configuration as it was given, and refuses one that contradicts itself", async () => {
    const got = await t.clients.control.send(new GetOauth2CredentialProviderCommand({ name: "obo-exchange" }));
    assert.deepEqual(got.oauth2ProviderConfigOutput?.customOauth2ProviderConfig?.onBehalfOfTokenExchangeConfig, {
      grantType: "TOKEN_EXCHANGE",
      tokenExchangeGrantTypeConfig: { actorTokenContent: "M2M", actorTokenScopes: ["calendar.read"] },
    });
    await rejects(
      () => provider("bad-1", "obo-bearer", JB_SECRET, { onBehalfOfTokenExchangeConfig: { grantType: "JWT_AUTHORIZATION_GRANT", tokenExchangeGrantTypeConfig: { actorTokenContent: "M2M" } } }),
      "ValidationException",
      400,
    );
    await rejects(
      () => provider("bad-2", "obo-exchange", TE_SECRET, { onBehalfOfTokenExchangeConfig: { grantType: "TOKEN_EXCHANGE", tokenExchangeGrantTypeConfig: { actorTokenContent: "NONE", actorTokenScopes: ["x"] } } }),
      "ValidationException",
      400,
    );
    await rejects(() => provider("bad-3", "obo-exchange", TE_SECRET, { onBehalfOfTokenExchangeConfig: { grantType: "SAML" as never } }), "ValidationException", 400);
  });

  it("keeps the user's token in the vault (so agent logs can redact it) and writes no token or secret to the log or the state folder", async () => {
    const jwt = await userToken(ALICE);
    await exchange(await watForJwt(jwt), "obo-bearer");
    const digests = await fetchVaultDigests({ endpoint: t.endpoint, region: t.region, credentials: t.admin });
    assert.ok(digests.some((d) => d.sha256 === createHash("sha256").update(jwt).digest("hex")), "the inbound user token is among the vaulted secrets");
    assert.ok(secrets.length >= 15);
    const files = readdirSync(t.stateDir, { recursive: true, withFileTypes: true }).filter((f) => f.isFile());
    const blobs = files.map((f) => readFileSync(join(f.parentPath, f.name)).toString("latin1"));
    blobs.push(logLines.join("\n"));
    for (const secret of secrets) for (const blob of blobs) assert.equal(blob.includes(secret), false, "a secret or token was written out");
  });
});
