/**
 * The TypeScript SDK's `withAccessToken` with `authFlow: "USER_FEDERATION"` inside a deployed agent
 * (a code bundle on Local AgentCore's runtime host), invoked for a user (runtimeUserId). The first
 * invoke streams the authorization URL out (onAuthUrl); the user signs in and consents through the
 * identity provider's real pages (the offline helper signInAndConsent); the browser lands on the
 * app's return URL (the library's handler on 127.0.0.1), which completes the session for that user;
 * the next invoke reads the user's calendar with the user's token. Around it, the ways to get
 * around it: a return URL the workload identity does not allow, another user invoking, and the
 * return-URL handler of one user completing another user's session. No secret or token in any log.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { CreateOauth2CredentialProviderCommand, GetAgentRuntimeCommand, UpdateWorkloadIdentityCommand } from "@aws-sdk/client-bedrock-agentcore-control";
import { PutRolePolicyCommand } from "@aws-sdk/client-iam";
import { startTestLocal, type TestLocal } from "../helpers/local.js";
import { createRole, deployBundle, PROJECT_DIR } from "../runtime-host/setup.js";
import { buildCodeBundle } from "../../lib/agentcore/build/code-bundle.js";
import { WITH_ACCESS_TOKEN_POLICY } from "./agent-role-policy.js";
import { invokeRuntimeStream } from "../../lib/agentcore/invoke.js";
import { startReturnUrlServer, type ReturnUrlServer } from "../../lib/agentcore/return-url.js";
import { session, type Session } from "../../lib/session.js";
import { localIdp } from "../../lib/local/client/idp.js";
import { signInAndConsent } from "../../lib/local/client/sign-in.js";

const FIXTURE = fileURLToPath(new URL("./fixtures/user-federation-agent.ts", import.meta.url));
const ROLE = "fed-agent-role";
const CLIENT_SECRET = "fed-agent-secret-9f8e7d6c5b4a3210";
const PASSWORD = "correct horse battery";

let local: TestLocal;
let s: Session;
let runtime: { id: string; arn: string };
let workloadName = "";
let aliceReturn: ReturnUrlServer;
const lines: string[] = [];
const seenUrls: string[] = [];

before(async () => {
  local = await startTestLocal({ log: (l) => lines.push(l) });
  s = await session({ target: "local", endpoint: local.endpoint, credentials: local.admin, region: local.region, maxAttempts: 1 });
  const idp = localIdp({ endpoint: local.endpoint, region: local.region, credentials: local.admin });
  await idp.createUser({ username: "alice", password: PASSWORD });
  await idp.createUser({ username: "bob", password: PASSWORD });
  const provider = await local.clients.control.send(
    new CreateOauth2CredentialProviderCommand({
      name: "calendar",
      credentialProviderVendor: "CustomOauth2",
      oauth2ProviderConfigInput: { customOauth2ProviderConfig: { clientId: "fed-agent", clientSecret: CLIENT_SECRET, oauthDiscovery: { discoveryUrl: `${idp.issuer}/.well-known/openid-configuration` } } },
    }),
  );
  await idp.createClient({ clientId: "fed-agent", grantTypes: ["authorization_code", "refresh_token"], redirectUris: [provider.callbackUrl!], scope: "calendar.read calendar.write", clientSecret: CLIENT_SECRET });
  aliceReturn = await startReturnUrlServer({ userId: "alice", session: s });
  const built = await buildCodeBundle({ entrypoint: FIXTURE, agentName: "fed_agent", projectDir: PROJECT_DIR, cacheDir: join(PROJECT_DIR, "out", "test-bundles") });
  const roleArn = await createRole(local, ROLE);
  await local.clients.iam.send(new PutRolePolicyCommand({ RoleName: ROLE, PolicyName: "3lo", PolicyDocument: JSON.stringify(WITH_ACCESS_TOKEN_POLICY) }));
  runtime = await deployBundle(local, {
    name: "fed_agent",
    roleArn,
    key: "fed/agent.zip",
    zip: built.zip,
    entryPoint: [built.entryFile],
    environmentVariables: { CALENDAR_API_URL: `${local.endpoint}/_local/calendar`, OAUTH2_PROVIDER_NAME: "calendar", OAUTH2_RETURN_URL: aliceReturn.url },
  });
  const details = await local.clients.control.send(new GetAgentRuntimeCommand({ agentRuntimeId: runtime.id }));
  workloadName = details.workloadIdentityDetails!.workloadIdentityArn!.split("/").pop()!;
});
after(async () => {
  await aliceReturn?.close();
  s?.close();
  await local?.stop();
});

const sid = (label: string) => `${label}-session-${"0".repeat(40)}`.slice(0, 48);

/** Every chunk of a streamed invoke for `userId`. */
async function invoke(userId: string, payload: Record<string, unknown> = {}): Promise<any[]> {
  const stream = await invokeRuntimeStream(s, { agentRuntimeArn: runtime.arn, sessionId: sid(userId), userId, payload });
  const chunks: any[] = [];
  for await (const c of stream) chunks.push(c);
  return chunks;
}

async function authorizationUrlFor(userId: string): Promise<string> {
  const chunks = await invoke(userId);
  assert.equal(chunks.length, 1, JSON.stringify(chunks));
  const url = chunks[0].authorizationUrl as string;
  assert.ok(url.startsWith(`${local.endpoint}/identities/oauth2/authorize?request_uri=`), url);
  seenUrls.push(url);
  return url;
}

describe("withAccessToken USER_FEDERATION in a deployed agent", () => {
  test("while the workload identity allows no return URL, the invoke fails and says so", async () => {
    await assert.rejects(invoke("alice"), (e: Error) => {
      assert.match(e.message, /register and use at least one ResourceOauth2ReturnUrl on your workload identity/);
      return true;
    });
  });

  test("first invoke streams the authorization URL; sign-in, consent and the return URL complete it; the next invoke reads the user's calendar", async () => {
    await local.clients.control.send(new UpdateWorkloadIdentityCommand({ name: workloadName, allowedResourceOauth2ReturnUrls: [aliceReturn.url] }));
    const url = await authorizationUrlFor("alice");
    const back = await signInAndConsent({ authorizationUrl: url, username: "alice", password: PASSWORD, returnUrl: aliceReturn.url });
    assert.ok(back.sessionId);
    // The browser's last step: the return URL, where the app completes the session for its user.
    const landed = await fetch(back.url);
    assert.equal(landed.status, 200, await landed.clone().text());
    assert.match(await landed.text(), /Access granted/);
    assert.equal(aliceReturn.completed, 1);

    assert.deepEqual(await invoke("alice", { add: "Dentist" }), [{ calendar: { status: 200, events: ["Dentist"] } }]);
    // Vaulted for alice: no new authorization URL on later invokes, in a new runtime session too.
    const again = await invokeRuntimeStream(s, { agentRuntimeArn: runtime.arn, sessionId: sid("alice-later"), userId: "alice", payload: {} });
    const chunks: any[] = [];
    for await (const c of again) chunks.push(c);
    assert.deepEqual(chunks, [{ calendar: { status: 200, events: ["Dentist"] } }]);
  });

  test("another user gets an authorization URL of their own, not alice's token", async () => {
    const url = await authorizationUrlFor("bob");
    assert.notEqual(url, seenUrls[0]);
  });

  test("alice's return-URL handler cannot complete bob's session, even after bob consented", async () => {
    const url = await authorizationUrlFor("bob");
    const back = await signInAndConsent({ authorizationUrl: url, username: "bob", password: PASSWORD, returnUrl: aliceReturn.url });
    const landed = await fetch(back.url);
    assert.equal(landed.status, 400);
    assert.match(await landed.text(), /Could not complete the sign-in/);
    assert.equal(aliceReturn.completed, 1);
    const chunks = await invoke("bob");
    assert.ok(chunks[0].authorizationUrl, "bob still has no token");
  });

  test("the return URL answers a denial, a missing session_id and other paths with 4xx and completes nothing", async () => {
    const base = new URL(aliceReturn.url);
    assert.equal((await fetch(`${aliceReturn.url}?error=access_denied`)).status, 400);
    assert.equal((await fetch(aliceReturn.url)).status, 400);
    assert.equal((await fetch(new URL("/other", base))).status, 404);
    assert.equal(aliceReturn.completed, 1);
  });

  test("the client secret and the authorization URLs' request ids are in no log line", () => {
    const log = lines.join("\n");
    assert.equal(log.includes(CLIENT_SECRET), false);
    for (const u of seenUrls) assert.equal(log.includes(new URL(u).searchParams.get("request_uri")!), false);
  });
});
