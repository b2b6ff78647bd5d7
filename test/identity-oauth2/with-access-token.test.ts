/**
 * The AgentCore TypeScript SDK's `withAccessToken` (bedrock-agentcore/identity), unchanged, against
 * Local AgentCore: USER_FEDERATION with `onAuthUrl` (the user signs in and consents through the
 * identity provider's real pages, the app completes the session, the SDK's own polling picks the
 * token up), and M2M. The SDK builds its client from the environment only, as on AWS, so this file
 * sets AWS_ENDPOINT_URL_BEDROCK_AGENTCORE, AWS_REGION and the keys (its own process under node --test).
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { CreateOauth2CredentialProviderCommand, CreateWorkloadIdentityCommand } from "@aws-sdk/client-bedrock-agentcore-control";
import { CompleteResourceTokenAuthCommand, GetResourceOauth2TokenCommand, GetWorkloadAccessTokenForUserIdCommand } from "@aws-sdk/client-bedrock-agentcore";
import { startTestLocal, type TestLocal } from "../helpers/local.js";
import { localIdp } from "../../lib/local/client/idp.js";
import { signInAndConsent } from "../../lib/local/client/sign-in.js";

const RETURN_URL = "http://127.0.0.1:9/oauth2/return";
const CLIENT_SECRET = "sdk-web-agent-secret-1a2b3c4d5e6f";

let t: TestLocal;
let wat = "";

before(async () => {
  t = await startTestLocal();
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_BEDROCK_AGENTCORE: t.endpoint,
    AWS_REGION: t.region,
    AWS_ACCESS_KEY_ID: t.admin.accessKeyId,
    AWS_SECRET_ACCESS_KEY: t.admin.secretAccessKey,
  });
  delete process.env.AWS_SESSION_TOKEN;
  delete process.env.AWS_PROFILE;
  await t.clients.control.send(new CreateWorkloadIdentityCommand({ name: "sdk-agent", allowedResourceOauth2ReturnUrls: [RETURN_URL] }));
  const idp = localIdp({ endpoint: t.endpoint, region: t.region, credentials: t.admin });
  await idp.createUser({ username: "alice", password: "correct horse battery" });
  const created = await t.clients.control.send(
    new CreateOauth2CredentialProviderCommand({
      name: "idp",
      credentialProviderVendor: "CustomOauth2",
      oauth2ProviderConfigInput: { customOauth2ProviderConfig: { clientId: "sdk-agent", clientSecret: CLIENT_SECRET, oauthDiscovery: { discoveryUrl: `${idp.issuer}/.well-known/openid-configuration` } } },
    }),
  );
  await idp.createClient({ clientId: "sdk-agent", grantTypes: ["authorization_code", "refresh_token", "client_credentials"], redirectUris: [created.callbackUrl!], scope: "openid offline_access calendar.read", clientSecret: CLIENT_SECRET });
  wat = (await t.clients.data.send(new GetWorkloadAccessTokenForUserIdCommand({ workloadName: "sdk-agent", userId: "alice" }))).workloadAccessToken!;
});
after(() => t.stop());

const calendar = (token: string) => fetch(`${t.endpoint}/_local/calendar/v3/calendars/primary/events`, { headers: { authorization: `Bearer ${token}` } });

describe("bedrock-agentcore withAccessToken against Local AgentCore", () => {
  it("USER_FEDERATION with onAuthUrl: sign in, consent, complete; the SDK's polling returns the token", async () => {
    const { withAccessToken } = await import("bedrock-agentcore/identity");
    const seen: string[] = [];
    const listEvents = withAccessToken({
      workloadIdentityToken: wat,
      providerName: "idp",
      scopes: ["openid", "offline_access", "calendar.read"],
      authFlow: "USER_FEDERATION",
      callbackUrl: RETURN_URL,
      customParameters: { prompt: "consent" },
      onAuthUrl: async (url: string) => {
        seen.push(url);
        // What the app's return-URL handler does: the user signs in and consents, the app completes.
        const back = await signInAndConsent({ authorizationUrl: url, username: "alice", password: "correct horse battery", returnUrl: RETURN_URL });
        await t.clients.data.send(new CompleteResourceTokenAuthCommand({ sessionUri: back.sessionId!, userIdentifier: { userId: "alice" } }));
      },
    })(async (token: string) => (await calendar(token)).status);
    assert.equal(await listEvents(), 200);
    assert.equal(seen.length, 1);
    assert.ok(seen[0]!.startsWith(`${t.endpoint}/identities/oauth2/authorize?request_uri=`));

    // The token is vaulted: the next call returns it at once, no authorization URL.
    const again = withAccessToken({ workloadIdentityToken: wat, providerName: "idp", scopes: ["openid", "offline_access", "calendar.read"], authFlow: "USER_FEDERATION", callbackUrl: RETURN_URL, onAuthUrl: () => assert.fail("asked again") })(
      async (token: string) => (await calendar(token)).status,
    );
    assert.equal(await again(), 200);
  });

  it("M2M: the token withAccessToken injects is the one the vault holds for the workload", async () => {
    const { withAccessToken } = await import("bedrock-agentcore/identity");
    const injected = await withAccessToken({ workloadIdentityToken: wat, providerName: "idp", scopes: ["calendar.read"], authFlow: "M2M" })(async (token: string) => token)();
    assert.ok(injected.length > 20);
    const raw = await t.clients.data.send(new GetResourceOauth2TokenCommand({ workloadIdentityToken: wat, resourceCredentialProviderName: "idp", scopes: ["calendar.read"], oauth2Flow: "M2M" }));
    assert.equal(raw.accessToken, injected);
  });
});
