/**
 * Notebook 04's library calls against `AGENTCORE_TARGET=aws`, up to the SDK call boundary: no
 * identity provider user or client is made on AWS (the learner signs in at their own provider);
 * the return-URL handler calls CompleteResourceTokenAuth, as the SDK serializes it, with the
 * session id from the browser and the user it was started for, never a user taken from the URL;
 * a refusal from AWS becomes a 400 page that says why, and nothing counts as completed.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { session, type Session } from "../../lib/session.js";
import { Ledger } from "../../lib/agentcore/ledger.js";
import { createIdpClient } from "../../lib/agentcore/idp-client.js";
import { createIdpUser } from "../../lib/agentcore/idp-user.js";
import { startReturnUrlServer, type ReturnUrlServer } from "../../lib/agentcore/return-url.js";
import { FakeAws, callerIdentity, restJson, restJsonError } from "./fake-aws.js";
import { cleanAwsEnv, type AwsEnv } from "./env.js";

const REGION = "us-west-2";
const SESSION_URI = "urn:ietf:params:oauth:request_uri:6b1f0c2e-0d4e-4c43-9a8e-3f2b1c0d9e8a";

let env: AwsEnv;
let s: Session;
let server: ReturnUrlServer;
const fake = new FakeAws();
let refuse = false;

before(async () => {
  env = cleanAwsEnv({ AGENTCORE_TARGET: "aws", AWS_REGION: REGION, AWS_ACCESS_KEY_ID: "AKIA_ENV_EXAMPLE_004", AWS_SECRET_ACCESS_KEY: "envSecretAccessKeyExample0000000000000004" });
  s = await session();
  fake.attach(s);
  fake
    .on("GetCallerIdentity", callerIdentity())
    .on("CompleteResourceTokenAuth", () => (refuse ? restJsonError(400, "ValidationException", "The session was started for another user.") : restJson(200, {})));
  server = await startReturnUrlServer({ userId: "userid_1234567890", session: s });
});

after(async () => {
  await server?.close();
  s?.close();
  env?.restore();
});

test("no identity provider user or client is made on AWS", async () => {
  const ledger = new Ledger(env.dir);
  await assert.rejects(createIdpUser({ username: "learner" }, { session: s, ledger, log: () => {} }), /on AWS, create the user in a Cognito user pool/);
  await assert.rejects(createIdpClient({ clientId: "calendar-agent-3lo", scope: "calendar.read", grantTypes: ["authorization_code"] }, { session: s, ledger, log: () => {} }), /on AWS/);
  assert.deepEqual(ledger.entries(), []);
});

test("the return URL completes the session for its own user, whatever user the URL names", async () => {
  const res = await fetch(`${server.url}?session_id=${encodeURIComponent(SESSION_URI)}&userId=someone-else`);
  assert.equal(res.status, 200);
  assert.match(await res.text(), /Access granted/);
  const call = fake.one("CompleteResourceTokenAuth");
  assert.equal(`${call.method} ${call.host}${call.path}`, `POST bedrock-agentcore.${REGION}.amazonaws.com/identities/CompleteResourceTokenAuth`);
  assert.deepEqual(JSON.parse(call.body), { sessionUri: SESSION_URI, userIdentifier: { userId: "userid_1234567890" } });
  assert.equal(server.completed, 1);
});

test("a refusal from AWS is a 400 page with its reason, and is not counted as completed", async () => {
  refuse = true;
  const res = await fetch(`${server.url}?session_id=${encodeURIComponent(SESSION_URI)}`);
  assert.equal(res.status, 400);
  assert.match(await res.text(), /ValidationException: The session was started for another user\./);
  assert.equal(server.completed, 1);
});
