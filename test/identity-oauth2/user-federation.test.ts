/**
 * GetResourceOauth2Token with oauth2Flow USER_FEDERATION (3LO) and CompleteResourceTokenAuth,
 * through the raw AWS SDK, with the browser part played over plain HTTP: through Local AgentCore's
 * own identity provider's real sign-in and consent pages (the library's signInAndConsent), and
 * against an authorization server that is not ours (the RFC 6749 one written in the tests). Covers
 * pending polls, the session binding (wrong user, reused and expired sessions), return URLs,
 * forceAuthentication, customState, customParameters, refresh, IAM, fuzzed inputs, and no token,
 * code, verifier or client secret in the log or the state folder.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { CreateRoleCommand, PutRolePolicyCommand } from "@aws-sdk/client-iam";
import { AssumeRoleCommand } from "@aws-sdk/client-sts";
import { CreateOauth2CredentialProviderCommand, CreateWorkloadIdentityCommand } from "@aws-sdk/client-bedrock-agentcore-control";
import {
  BedrockAgentCoreClient,
  CompleteResourceTokenAuthCommand,
  GetResourceOauth2TokenCommand,
  GetWorkloadAccessTokenCommand,
  GetWorkloadAccessTokenForJWTCommand,
  GetWorkloadAccessTokenForUserIdCommand,
  type GetResourceOauth2TokenCommandInput,
} from "@aws-sdk/client-bedrock-agentcore";
import fc from "fast-check";
import { createHash } from "node:crypto";
import { fetchVaultDigests } from "../../lib/local/client/vault-digests.js";
import { startTestLocal, type TestLocal } from "../helpers/local.js";
import { localIdp } from "../../lib/local/client/idp.js";
import { signInAndConsent, SignInError } from "../../lib/local/client/sign-in.js";
import { rejects } from "../identity/expect.js";
import { createBrowser } from "../idp/browser.js";
import { startTestAuthorizationServer, type TestAuthorizationServer } from "./rfc6749-server.js";

const RETURN_URL = "http://127.0.0.1:9/oauth2/return";
const FOREIGN_CLIENT = { id: "foreign-web", secret: "foreign-web-secret-7c1d2e3f4a5b" };
const ALICE = { username: "alice", password: "correct horse battery" };

let t: TestLocal;
let as: TestAuthorizationServer;
let idpCallbackUrl = "";
let foreignCallbackUrl = "";
const logLines: string[] = [];
const IDP_CLIENT_SECRET = "idp-web-agent-secret-5e6f7a8b9c0d";
const secrets: string[] = [FOREIGN_CLIENT.secret, IDP_CLIENT_SECRET];

const watFor = async (userId: string, workloadName = "web-agent") =>
  (await t.clients.data.send(new GetWorkloadAccessTokenForUserIdCommand({ workloadName, userId }))).workloadAccessToken!;

type Extra = Partial<GetResourceOauth2TokenCommandInput>;
const getToken = (wat: string, provider: string, extra: Extra = {}, client: BedrockAgentCoreClient = t.clients.data) =>
  client.send(
    new GetResourceOauth2TokenCommand({
      workloadIdentityToken: wat,
      resourceCredentialProviderName: provider,
      scopes: provider === "idp-3lo" ? ["openid", "offline_access", "calendar.read"] : ["repo.read"],
      oauth2Flow: "USER_FEDERATION",
      resourceOauth2ReturnUrl: RETURN_URL,
      ...(provider === "idp-3lo" ? { customParameters: { prompt: "consent" } } : {}),
      ...extra,
    }),
  );

const complete = (sessionUri: string, userIdentifier: { userId: string } | { userToken: string }, client: BedrockAgentCoreClient = t.clients.data) =>
  client.send(new CompleteResourceTokenAuthCommand({ sessionUri, userIdentifier: userIdentifier as { userId: string } }));

/** The foreign server approves at once: the browser only follows redirects to the return URL. */
async function throughForeign(authorizationUrl: string): Promise<URL> {
  const back = await createBrowser().go(authorizationUrl, {}, (u) => u.startsWith(RETURN_URL));
  assert.ok(back.url.startsWith(RETURN_URL), `ended at ${back.url} (${back.status} ${back.body})`);
  return new URL(back.url);
}

before(async () => {
  t = await startTestLocal({ log: (l) => logLines.push(l) });
  as = await startTestAuthorizationServer(FOREIGN_CLIENT);
  await t.clients.control.send(new CreateWorkloadIdentityCommand({ name: "web-agent", allowedResourceOauth2ReturnUrls: [RETURN_URL] }));
  await t.clients.control.send(new CreateWorkloadIdentityCommand({ name: "no-return-urls" }));

  const idp = localIdp({ endpoint: t.endpoint, region: t.region, credentials: t.admin });
  await idp.createUser({ ...ALICE, name: "Alice" });
  // The provider first (its callback URL is the redirect URI to register), then the client.
  const discoveryUrl = `${idp.issuer}/.well-known/openid-configuration`;
  const created = await t.clients.control.send(
    new CreateOauth2CredentialProviderCommand({
      name: "idp-3lo",
      credentialProviderVendor: "CustomOauth2",
      oauth2ProviderConfigInput: { customOauth2ProviderConfig: { clientId: "web-agent", clientSecret: IDP_CLIENT_SECRET, oauthDiscovery: { discoveryUrl } } },
    }),
  );
  idpCallbackUrl = created.callbackUrl!;
  await idp.createClient({
    clientId: "web-agent",
    grantTypes: ["authorization_code", "refresh_token"],
    redirectUris: [idpCallbackUrl],
    scope: "openid offline_access calendar.read",
    clientSecret: IDP_CLIENT_SECRET,
  });

  const foreign = await t.clients.control.send(
    new CreateOauth2CredentialProviderCommand({
      name: "foreign-3lo",
      credentialProviderVendor: "CustomOauth2",
      oauth2ProviderConfigInput: {
        customOauth2ProviderConfig: {
          clientId: FOREIGN_CLIENT.id,
          clientSecret: FOREIGN_CLIENT.secret,
          oauthDiscovery: { authorizationServerMetadata: { issuer: as.url, authorizationEndpoint: as.authorizationEndpoint, tokenEndpoint: as.tokenEndpoint } },
        },
      },
    }),
  );
  foreignCallbackUrl = foreign.callbackUrl!;
});
after(async () => {
  await as.close();
  await t.stop();
});

describe("GetResourceOauth2Token USER_FEDERATION and CompleteResourceTokenAuth", () => {
  it("runs the whole flow through the identity provider's sign-in and consent pages; the next call returns the vaulted token", async () => {
    const wat = await watFor("alice");
    const first = await getToken(wat, "idp-3lo");
    assert.equal(first.accessToken, undefined);
    assert.match(first.sessionUri!, /^urn:ietf:params:oauth:request_uri:[a-zA-Z0-9-._~]+$/);
    assert.equal(first.authorizationUrl, `${t.endpoint}/identities/oauth2/authorize?request_uri=${encodeURIComponent(first.sessionUri!)}`);
    assert.equal(first.sessionStatus, "IN_PROGRESS");

    // A poll before the user did anything: 200, no token (the SDKs keep polling).
    const early = await getToken(wat, "idp-3lo", { sessionUri: first.sessionUri });
    assert.equal(early.accessToken, undefined);
    assert.equal(early.sessionStatus, "IN_PROGRESS");
    await rejects(() => complete(first.sessionUri!, { userId: "alice" }), "ValidationException", 400);

    const back = await signInAndConsent({ authorizationUrl: first.authorizationUrl!, ...ALICE, returnUrl: RETURN_URL });
    assert.equal(back.sessionId, first.sessionUri);
    assert.equal(new URL(back.url).origin + new URL(back.url).pathname, RETURN_URL);
    assert.equal(new URL(back.url).searchParams.has("code"), false, "the code never reaches the app");

    // Called back, not completed: still no token.
    assert.equal((await getToken(wat, "idp-3lo", { sessionUri: first.sessionUri })).accessToken, undefined);

    assert.deepEqual(Object.keys(await complete(first.sessionUri!, { userId: "alice" })).filter((k) => k !== "$metadata"), []);
    const done = await getToken(wat, "idp-3lo", { sessionUri: first.sessionUri });
    assert.ok(done.accessToken);
    secrets.push(done.accessToken!);
    const calendar = await fetch(`${t.endpoint}/_local/calendar/v3/calendars/primary/events`, { headers: { authorization: `Bearer ${done.accessToken}` } });
    assert.equal(calendar.status, 200);

    // A new call (a new workload access token for the same user) gets the vaulted token, no new session.
    const again = await getToken(await watFor("alice"), "idp-3lo");
    assert.equal(again.accessToken, done.accessToken);
    assert.equal(again.authorizationUrl, undefined);

    // Another user of the same workload is asked for their own consent.
    const bob = await getToken(await watFor("bob"), "idp-3lo");
    assert.equal(bob.accessToken, undefined);
    assert.ok(bob.authorizationUrl);

    // The session is finished: completing it again is refused.
    await rejects(() => complete(first.sessionUri!, { userId: "alice" }), "AccessDeniedException", 403);
  });

  it("has the identity provider play a built-in vendor (GoogleOauth2) offline for the user's consent", async () => {
    const idp = localIdp({ endpoint: t.endpoint, region: t.region, credentials: t.admin });
    const google = await t.clients.control.send(
      new CreateOauth2CredentialProviderCommand({ name: "google", credentialProviderVendor: "GoogleOauth2", oauth2ProviderConfigInput: { googleOauth2ProviderConfig: { clientId: "google-web", clientSecret: IDP_CLIENT_SECRET } } }),
    );
    await idp.createClient({ clientId: "google-web", grantTypes: ["authorization_code"], redirectUris: [google.callbackUrl!], scope: "openid calendar.read", clientSecret: IDP_CLIENT_SECRET });
    const wat = await watFor("alice");
    const first = await getToken(wat, "google", { scopes: ["openid", "calendar.read"] });
    const toProvider = await fetch(first.authorizationUrl!, { redirect: "manual" });
    assert.ok(toProvider.headers.get("location")!.startsWith(`${t.endpoint}/_local/idp/auth?`), "sent to the identity provider, not to Google");
    // That visit used the URL up; a new one for the real sign-in.
    const second = await getToken(wat, "google", { scopes: ["openid", "calendar.read"], forceAuthentication: true });
    const back = await signInAndConsent({ authorizationUrl: second.authorizationUrl!, ...ALICE, returnUrl: RETURN_URL });
    await complete(back.sessionId!, { userId: "alice" });
    const done = await getToken(wat, "google", { scopes: ["openid", "calendar.read"], sessionUri: second.sessionUri });
    assert.ok(done.accessToken);
    secrets.push(done.accessToken!);
    assert.ok(logLines.some((l) => l.includes("GoogleOauth2 is played offline by Local AgentCore's identity provider")));
  });

  it("uses each authorization URL once, and says so to the browser", async () => {
    const first = await getToken(await watFor("carol"), "foreign-3lo");
    await throughForeign(first.authorizationUrl!);
    const reused = await fetch(first.authorizationUrl!, { redirect: "manual" });
    assert.equal(reused.status, 400);
    assert.match(((await reused.json()) as { message: string }).message, /already used/);
    const unknown = await fetch(`${t.endpoint}/identities/oauth2/authorize?request_uri=${encodeURIComponent("urn:ietf:params:oauth:request_uri:nope")}`, { redirect: "manual" });
    assert.equal(unknown.status, 400);
  });

  it("binds the session to the user who started it: another user is 'Invalid or expired session' (403)", async () => {
    const wat = await watFor("dave");
    const first = await getToken(wat, "foreign-3lo", { scopes: ["bind"] });
    await throughForeign(first.authorizationUrl!);
    for (const wrong of [{ userId: "mallory" }, { userId: "Dave" }, { userToken: "a.b.c" }]) {
      const err = await rejects(() => complete(first.sessionUri!, wrong), "AccessDeniedException", 403);
      assert.equal(err.message, "Invalid or expired session");
    }
    // Another user's agent cannot poll it either.
    const mallory = await watFor("mallory");
    await rejects(() => getToken(mallory, "foreign-3lo", { scopes: ["bind"], sessionUri: first.sessionUri }), "AccessDeniedException", 403);
    // The session belongs to its region: the same URI sent to another region is unknown there.
    const elsewhere = new BedrockAgentCoreClient({ endpoint: t.endpoint, region: t.region === "eu-west-1" ? "us-west-2" : "eu-west-1", credentials: t.admin, maxAttempts: 1 });
    await rejects(() => complete(first.sessionUri!, { userId: "dave" }, elsewhere), "AccessDeniedException", 403);
    // The wrong tries did not spend it: the right user completes.
    await complete(first.sessionUri!, { userId: "dave" });
    const done = await getToken(wat, "foreign-3lo", { scopes: ["bind"], sessionUri: first.sessionUri });
    assert.equal(done.accessToken, as.issued.at(-1));
    secrets.push(done.accessToken!);
    // Unknown session URIs, in both operations.
    const nope = "urn:ietf:params:oauth:request_uri:00000000-0000-4000-8000-000000000000";
    await rejects(() => complete(nope, { userId: "dave" }), "AccessDeniedException", 403);
    await rejects(() => getToken(wat, "foreign-3lo", { scopes: ["bind"], sessionUri: nope }), "AccessDeniedException", 403);
  });

  it("with a workload access token from a user JWT, completes only with that very JWT, byte for byte", async () => {
    // A runtime whose JWT authorizer trusts the identity provider, and its workload identity
    // (written to the store as CreateAgentRuntime would; deploying an agent is not this test's subject).
    const idp = localIdp({ endpoint: t.endpoint, region: t.region, credentials: t.admin });
    const { clientSecret, discoveryUrl, tokenEndpoint } = await idp.createClient({ clientId: "jwt-user", scope: "calendar.read" });
    secrets.push(clientSecret!);
    const runtimeArn = `arn:aws:bedrock-agentcore:${t.region}:${t.accountId}:runtime/jwt_agent-abcdefghij`;
    const workloadArn = `arn:aws:bedrock-agentcore:${t.region}:${t.accountId}:workload-identity-directory/default/workload-identity/jwt-agent`;
    const now = new Date().toISOString();
    const { store } = t.server.services;
    store.put("runtime", runtimeArn, { agentRuntimeArn: runtimeArn, authorizerConfiguration: { customJWTAuthorizer: { discoveryUrl } } });
    store.put("identity-workload-identity", workloadArn, { name: "jwt-agent", workloadIdentityArn: workloadArn, allowedResourceOauth2ReturnUrls: [RETURN_URL], createdTime: now, lastUpdatedTime: now, managedByRuntimeArn: runtimeArn });
    const jwt = async () => {
      const res = await fetch(tokenEndpoint, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded", authorization: `Basic ${Buffer.from(`jwt-user:${clientSecret}`).toString("base64")}` },
        body: new URLSearchParams({ grant_type: "client_credentials", scope: "calendar.read", resource: `${t.endpoint}/_local/calendar` }),
      });
      const token = ((await res.json()) as { access_token: string }).access_token;
      secrets.push(token);
      return token;
    };
    const userJwt = await jwt();
    const wat = (await t.clients.data.send(new GetWorkloadAccessTokenForJWTCommand({ workloadName: "jwt-agent", userToken: userJwt }))).workloadAccessToken!;
    const first = await getToken(wat, "foreign-3lo", { scopes: ["jwt"] });
    await throughForeign(first.authorizationUrl!);
    const sub = JSON.parse(Buffer.from(userJwt.split(".")[1]!, "base64url").toString()).sub as string;
    await rejects(() => complete(first.sessionUri!, { userId: sub }), "AccessDeniedException", 403);
    const fresh = await jwt();
    assert.notEqual(fresh, userJwt);
    await rejects(() => complete(first.sessionUri!, { userToken: fresh }), "AccessDeniedException", 403);
    await complete(first.sessionUri!, { userToken: userJwt });
    const done = await getToken(wat, "foreign-3lo", { scopes: ["jwt"], sessionUri: first.sessionUri });
    assert.ok(done.accessToken);
    secrets.push(done.accessToken!);
  });

  it("exchanges a code once even when CompleteResourceTokenAuth is called twice at the same time", async () => {
    const wat = await watFor("lena");
    const first = await getToken(wat, "foreign-3lo", { scopes: ["race"] });
    await throughForeign(first.authorizationUrl!);
    const before = as.requests.length;
    const results = await Promise.allSettled([1, 2, 3].map(() => complete(first.sessionUri!, { userId: "lena" })));
    assert.equal(results.filter((r) => r.status === "fulfilled").length, 1);
    for (const r of results) if (r.status === "rejected") assert.equal((r.reason as Error).name, "AccessDeniedException");
    assert.equal(as.requests.length, before + 1, "one token request");
  });

  it("expires a session after ten minutes", async () => {
    const wat = await watFor("erin");
    const first = await getToken(wat, "foreign-3lo", { scopes: ["expire"] });
    await throughForeign(first.authorizationUrl!);
    const realNow = t.server.services.now;
    const later = new Date(realNow().getTime() + 11 * 60_000);
    t.server.services.now = () => later;
    try {
      // The SDK signs with the server's (moved) clock, as a client whose clock agrees would.
      const skewed = new BedrockAgentCoreClient({ endpoint: t.endpoint, region: t.region, credentials: t.admin, maxAttempts: 1, systemClockOffset: 11 * 60_000 });
      const err = await rejects(() => complete(first.sessionUri!, { userId: "erin" }, skewed), "AccessDeniedException", 403);
      assert.equal(err.message, "Invalid or expired session");
    } finally {
      t.server.services.now = realNow;
    }
    // Expired sessions are gone for good (no resurrection when the clock comes back).
    await rejects(() => complete(first.sessionUri!, { userId: "erin" }), "AccessDeniedException", 403);
  });

  it("requires a registered return URL, and the one sent to be registered exactly", async () => {
    const wat = await watFor("frank");
    const missing = await rejects(() => getToken(wat, "foreign-3lo", { resourceOauth2ReturnUrl: undefined }), "ValidationException", 400);
    assert.equal(missing.message, "You must register and use at least one ResourceOauth2ReturnUrl on your workload identity to use this flow");
    const noUrlsWat = await watFor("frank", "no-return-urls");
    const none = await rejects(() => getToken(noUrlsWat, "foreign-3lo"), "ValidationException", 400);
    assert.equal(none.message, missing.message);
    for (const url of ["http://127.0.0.1:9/oauth2/return/", `${RETURN_URL}?x=1`, "http://evil.example/oauth2/return"]) {
      const err = await rejects(() => getToken(wat, "foreign-3lo", { resourceOauth2ReturnUrl: url }), "ValidationException", 400);
      assert.match(err.message, /allowedResourceOauth2ReturnUrls/);
    }
    // A workload access token without a user cannot start a user flow.
    const plain = (await t.clients.data.send(new GetWorkloadAccessTokenCommand({ workloadName: "web-agent" }))).workloadAccessToken!;
    const noUser = await rejects(() => getToken(plain, "foreign-3lo"), "ValidationException", 400);
    assert.match(noUser.message, /GetWorkloadAccessTokenForUserId/);
  });

  it("sends PKCE S256, the provider's callback URL and custom parameters (never overriding standard ones); customState comes back to the return URL", async () => {
    const wat = await watFor("gina");
    const first = await getToken(wat, "foreign-3lo", { scopes: ["a", "b"], customParameters: { response_type: "token", login_hint: "gina" }, customState: "app-state-42" });
    const back = await throughForeign(first.authorizationUrl!);
    const q = as.authorizeRequests.at(-1)!;
    assert.equal(q.get("response_type"), "code");
    assert.equal(q.get("client_id"), FOREIGN_CLIENT.id);
    assert.equal(q.get("redirect_uri"), foreignCallbackUrl);
    assert.equal(q.get("scope"), "a b");
    assert.equal(q.get("code_challenge_method"), "S256");
    assert.match(q.get("code_challenge")!, /^[A-Za-z0-9_-]{43}$/);
    assert.equal(q.get("login_hint"), "gina");
    assert.notEqual(q.get("state"), "app-state-42", "the OAuth state is Local AgentCore's own");
    assert.equal(back.searchParams.get("session_id"), first.sessionUri);
    assert.equal(back.searchParams.get("state"), "app-state-42");
    await complete(first.sessionUri!, { userId: "gina" });
    const req = as.requests.at(-1)!;
    assert.equal(req.form.get("grant_type"), "authorization_code");
    assert.equal(req.form.get("redirect_uri"), foreignCallbackUrl);
    assert.ok(req.form.get("code_verifier"));
    secrets.push(req.form.get("code")!, req.form.get("code_verifier")!, ...as.refreshTokens);
  });

  it("forceAuthentication starts a new flow even when a token is vaulted", async () => {
    const wat = await watFor("gina");
    const held = await getToken(wat, "foreign-3lo", { scopes: ["a", "b"] });
    assert.ok(held.accessToken);
    secrets.push(held.accessToken!);
    const forced = await getToken(wat, "foreign-3lo", { scopes: ["a", "b"], forceAuthentication: true });
    assert.equal(forced.accessToken, undefined);
    assert.ok(forced.authorizationUrl);
  });

  it("refreshes an expired user token with its refresh token; a refused refresh asks the user again", async () => {
    as.expiresIn = 61;
    try {
      const wat = await watFor("hank");
      const first = await getToken(wat, "foreign-3lo", { scopes: ["refresh"] });
      await throughForeign(first.authorizationUrl!);
      await complete(first.sessionUri!, { userId: "hank" });
      const token = (await getToken(wat, "foreign-3lo", { scopes: ["refresh"] })).accessToken!;
      await new Promise((r) => setTimeout(r, 1500));
      const refreshed = await getToken(wat, "foreign-3lo", { scopes: ["refresh"] });
      assert.ok(refreshed.accessToken);
      assert.notEqual(refreshed.accessToken, token);
      assert.equal(as.requests.at(-1)!.form.get("grant_type"), "refresh_token");
      secrets.push(token, refreshed.accessToken!, ...as.refreshTokens);

      // The server forgets the refresh token (revoked): the user is asked again, not an error.
      as.revokeRefreshTokens();
      await new Promise((r) => setTimeout(r, 1500));
      const again = await getToken(wat, "foreign-3lo", { scopes: ["refresh"] });
      assert.equal(again.accessToken, undefined);
      assert.ok(again.authorizationUrl);
    } finally {
      as.expiresIn = 3600;
    }
  });

  it("passes the provider's refusal to the return URL and fails the session", async () => {
    const wat = await watFor("ivan");
    const first = await getToken(wat, "foreign-3lo", { scopes: ["deny"] });
    as.deny = true;
    try {
      const back = await throughForeign(first.authorizationUrl!);
      assert.equal(back.searchParams.get("error"), "access_denied");
      assert.equal(back.searchParams.get("session_id"), first.sessionUri);
    } finally {
      as.deny = false;
    }
    const poll = await getToken(wat, "foreign-3lo", { scopes: ["deny"], sessionUri: first.sessionUri });
    assert.equal(poll.sessionStatus, "FAILED");
    assert.equal(poll.accessToken, undefined);
    await rejects(() => complete(first.sessionUri!, { userId: "ivan" }), "AccessDeniedException", 403);
  });

  it("answers a callback without code or state as AWS does (400), and an unknown state as an invalid session", async () => {
    const none = await fetch(foreignCallbackUrl, { redirect: "manual" });
    assert.equal(none.status, 400);
    assert.equal(((await none.json()) as { message: string }).message, "2 validation errors detected: Value at 'authorizationCode' failed to satisfy constraint: Member must not be null; Value at 'state' failed to satisfy constraint: Member must not be null");
    const forged = await fetch(`${foreignCallbackUrl}?code=abc&state=forged`, { redirect: "manual" });
    assert.equal(forged.status, 400);
    assert.equal((await fetch(`${t.endpoint}/identities/oauth2/callback/not-a-provider?code=a&state=b`, { redirect: "manual" })).status, 404);
  });

  it("a state from one provider's flow is not accepted at another provider's callback", async () => {
    const wat = await watFor("judy");
    const first = await getToken(wat, "foreign-3lo", { scopes: ["cross"] });
    const toProvider = await fetch(first.authorizationUrl!, { redirect: "manual" });
    const state = new URL(toProvider.headers.get("location")!).searchParams.get("state")!;
    const crossed = await fetch(`${idpCallbackUrl}?code=x&state=${encodeURIComponent(state)}`, { redirect: "manual" });
    assert.equal(crossed.status, 400);
    // The real callback still works afterwards.
    const real = await fetch(toProvider.headers.get("location")!, { redirect: "manual" });
    const callback = await fetch(real.headers.get("location")!, { redirect: "manual" });
    assert.equal(callback.status, 302);
    assert.ok(callback.headers.get("location")!.startsWith(RETURN_URL));
  });

  it("never lets the browser routes stand in for a signed API call", async () => {
    // A signed request to a browser path goes to SigV4 routing (and finds no operation there).
    const live = await getToken(await watFor("signer"), "foreign-3lo", { scopes: ["signed"] });
    const signedLooking = await fetch(live.authorizationUrl!, { redirect: "manual", headers: { authorization: "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260101/us-east-1/bedrock-agentcore/aws4_request, SignedHeaders=host, Signature=00" } });
    assert.notEqual(signedLooking.status, 302);
    assert.equal(signedLooking.headers.get("location"), null);
    assert.ok(signedLooking.status === 400 || signedLooking.status === 403, `answered ${signedLooking.status}`);
    assert.equal((await fetch(live.authorizationUrl!, { redirect: "manual" })).status, 302, "the signed request did not use up the URL");
    // Unsigned API calls on the same paths and neighbours are refused by SigV4, as before.
    for (const [method, path] of [["POST", "/identities/oauth2/token"], ["GET", "/identities/oauth2/token"], ["POST", "/identities/oauth2/authorize"], ["POST", "/identities/CompleteResourceTokenAuth"], ["GET", "/identities/oauth2/callback/a/b"]] as const) {
      const res = await fetch(`${t.endpoint}${path}`, { method, redirect: "manual", ...(method === "POST" ? { body: "{}", headers: { "content-type": "application/json" } } : {}) });
      // Refused for want of a signature (answered in the shape of the service it looks like).
      assert.equal(res.status, 403, `${method} ${path}: ${res.status}`);
      assert.equal(res.headers.get("location"), null);
      assert.match(await res.text(), /Missing Authentication Token|AccessDenied/);
    }
  });

  it("refuses a browser route on a path an API operation answers with GET", () => {
    const noop = () => undefined;
    assert.throws(() => t.server.addBrowserRoute("/ab-tests/*", noop), /API operation's path/);
    assert.throws(() => t.server.addBrowserRoute("/recommendations", noop), /API operation's path/);
    assert.throws(() => t.server.addBrowserRoute("/_local/x", noop), /addLocalRoute/);
  });

  it("checks IAM for CompleteResourceTokenAuth on the session's token vault, provider and workload identity", async () => {
    const wat = await watFor("kim");
    const first = await getToken(wat, "foreign-3lo", { scopes: ["iam"] });
    await throughForeign(first.authorizationUrl!);
    const trust = JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { AWS: `arn:aws:iam::${t.accountId}:root` }, Action: "sts:AssumeRole" }] });
    const role = await t.clients.iam.send(new CreateRoleCommand({ RoleName: "web-app-role", AssumeRolePolicyDocument: trust }));
    const creds = (await t.clients.sts.send(new AssumeRoleCommand({ RoleArn: role.Role!.Arn!, RoleSessionName: "web" }))).Credentials!;
    const app = t.clientsFor({ accessKeyId: creds.AccessKeyId!, secretAccessKey: creds.SecretAccessKey!, sessionToken: creds.SessionToken! }).data;
    const denied = await rejects(() => complete(first.sessionUri!, { userId: "kim" }, app), "AccessDeniedException", 403);
    assert.match(denied.message, /bedrock-agentcore:CompleteResourceTokenAuth/);
    const arn = (r: string) => `arn:aws:bedrock-agentcore:${t.region}:${t.accountId}:${r}`;
    await t.clients.iam.send(
      new PutRolePolicyCommand({
        RoleName: "web-app-role",
        PolicyName: "p",
        PolicyDocument: JSON.stringify({
          Version: "2012-10-17",
          Statement: [{ Effect: "Allow", Action: "bedrock-agentcore:CompleteResourceTokenAuth", Resource: [arn("token-vault/default"), arn("token-vault/default/oauth2credentialprovider/foreign-3lo"), arn("workload-identity-directory/default"), arn("workload-identity-directory/default/workload-identity/web-agent")] }],
        }),
      }),
    );
    await complete(first.sessionUri!, { userId: "kim" }, app);
    const done = await getToken(wat, "foreign-3lo", { scopes: ["iam"], sessionUri: first.sessionUri });
    assert.ok(done.accessToken);
    secrets.push(done.accessToken!);
  });

  it("the sign-in helper says when the password is wrong", async () => {
    const first = await getToken(await watFor("alice"), "idp-3lo", { forceAuthentication: true });
    await assert.rejects(signInAndConsent({ authorizationUrl: first.authorizationUrl!, username: "alice", password: "wrong", returnUrl: RETURN_URL }), SignInError);
  });

  it("answers random requests to both operations with a modeled 4xx or a normal answer, never a server error", async () => {
    const wat = await watFor("fuzz");
    const known = (await getToken(wat, "foreign-3lo", { scopes: ["fuzz"] })).sessionUri!;
    const arb = fc.record({
      provider: fc.constantFrom("foreign-3lo", "idp-3lo", "no-such-provider"),
      scopes: fc.array(fc.string({ minLength: 1, maxLength: 128 }), { maxLength: 3 }),
      returnUrl: fc.option(fc.oneof(fc.constant(RETURN_URL), fc.webUrl(), fc.string({ minLength: 1, maxLength: 80 })), { nil: undefined }),
      sessionUri: fc.option(fc.oneof(fc.constant(known), fc.stringMatching(/^urn:ietf:params:oauth:request_uri:[a-zA-Z0-9-._~]{1,40}$/), fc.string({ maxLength: 60 })), { nil: undefined }),
      forceAuthentication: fc.option(fc.boolean(), { nil: undefined }),
      customState: fc.option(fc.string({ minLength: 1, maxLength: 200 }), { nil: undefined }),
      customParameters: fc.option(fc.dictionary(fc.stringMatching(/^[a-zA-Z0-9\-_.]{1,20}$/), fc.string({ maxLength: 60 }), { maxKeys: 3 }), { nil: undefined }),
      user: fc.oneof(fc.record({ userId: fc.string({ minLength: 1, maxLength: 128 }) }), fc.record({ userToken: fc.stringMatching(/^[A-Za-z0-9_-]{1,20}\.[A-Za-z0-9_-]{1,20}\.[A-Za-z0-9_-]{1,20}$/) })),
    });
    const modeled = (e: unknown) => {
      const err = e as { name: string; $metadata?: { httpStatusCode?: number } };
      assert.ok(["ValidationException", "ResourceNotFoundException", "AccessDeniedException"].includes(err.name), `${err.name}: ${(e as Error).message}`);
      assert.ok((err.$metadata?.httpStatusCode ?? 500) < 500);
    };
    await fc.assert(
      fc.asyncProperty(arb, async (x) => {
        try {
          const out = await getToken(wat, x.provider, {
            scopes: x.scopes,
            resourceOauth2ReturnUrl: x.returnUrl,
            sessionUri: x.sessionUri,
            forceAuthentication: x.forceAuthentication,
            customState: x.customState,
            customParameters: x.customParameters,
          });
          assert.ok(out.accessToken || out.sessionUri);
        } catch (e) {
          modeled(e);
        }
        try {
          await complete(x.sessionUri ?? known, x.user);
          assert.fail("completed a session nobody authorized");
        } catch (e) {
          modeled(e);
        }
      }),
      { numRuns: 40 },
    );
  });

  it("lists users' access and refresh tokens for the leak guard (digests)", async () => {
    const digests = await fetchVaultDigests({ endpoint: t.endpoint, region: t.region, credentials: t.admin });
    const has = (v: string) => digests.some((d) => d.sha256 === createHash("sha256").update(v).digest("hex"));
    const held = (await getToken(await watFor("gina"), "foreign-3lo", { scopes: ["a", "b"] })).accessToken!;
    assert.ok(has(held), "a vaulted 3LO access token");
    const rt = as.requests.filter((r) => r.form.get("grant_type") === "authorization_code").length;
    assert.ok(rt > 0 && as.refreshTokens.some(has), "a vaulted refresh token");
  });

  it("writes no token, code, verifier or client secret to the log or the state folder", () => {
    secrets.push(...as.issued, ...as.refreshTokens);
    for (const r of as.requests) for (const k of ["code", "code_verifier", "refresh_token"]) if (r.form.get(k)) secrets.push(r.form.get(k)!);
    assert.ok(secrets.length >= 10);
    const files = readdirSync(t.stateDir, { recursive: true, withFileTypes: true }).filter((f) => f.isFile());
    const blobs = files.map((f) => readFileSync(join(f.parentPath, f.name)).toString("latin1"));
    blobs.push(logLines.join("\n"));
    for (const secret of secrets) for (const blob of blobs) assert.equal(blob.includes(secret), false, "a secret or token was written out");
  });
});
