/**
 * Notebook 03's library calls against `AGENTCORE_TARGET=aws`, up to the SDK call boundary: the
 * learner's own OAuth2 client (no identity provider client is made on AWS), the CustomOauth2
 * credential provider as the SDK serializes it (discovery URL, client id and secret, ledger tag),
 * a re-run updating it, and cleanup deleting it. AWS answers through fake-aws.ts. The client secret
 * travels only in the create and update bodies, never in a log line or the ledger.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { session, type Session } from "../../lib/session.js";
import { Ledger, LEDGER_FILE } from "../../lib/agentcore/ledger.js";
import { createOauth2CredentialProvider } from "../../lib/agentcore/oauth2.js";
import { createIdpClient } from "../../lib/agentcore/idp-client.js";
import { cleanup } from "../../lib/agentcore/cleanup.js";
import { ACCOUNT, FakeAws, callerIdentity, restJson, restJsonError } from "./fake-aws.js";
import { cleanAwsEnv, type AwsEnv } from "./env.js";

const REGION = "us-west-2";
const CLIENT_ID = "3abc4defghijklmnopqrstuv5w";
const CLIENT_SECRET = "cognitoAppClientSecretExample0000000000000000000000a1b2";
const DISCOVERY = "https://cognito-idp.us-west-2.amazonaws.com/us-west-2_AbCdEfGhI/.well-known/openid-configuration";
const NAME = "calendar-m2m-provider";
const ARN = `arn:aws:bedrock-agentcore:${REGION}:${ACCOUNT}:token-vault/default/oauth2credentialprovider/${NAME}`;

let env: AwsEnv;
let s: Session;
const fake = new FakeAws();
const lines: string[] = [];
const log = (l: string) => lines.push(l);
let exists = false;

before(async () => {
  env = cleanAwsEnv({ AGENTCORE_TARGET: "aws", AWS_REGION: REGION, AWS_ACCESS_KEY_ID: "AKIA_ENV_EXAMPLE_003", AWS_SECRET_ACCESS_KEY: "envSecretAccessKeyExample0000000000000003" });
  s = await session();
  fake.attach(s);
  const provider = { name: NAME, credentialProviderArn: ARN, clientSecretArn: { secretArn: `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:bedrock-agentcore-identity!default/oauth2/${NAME}-AbCdEf` }, callbackUrl: `https://bedrock-agentcore.${REGION}.amazonaws.com/identities/oauth2/callback/abc` };
  fake
    .on("GetCallerIdentity", callerIdentity())
    .on("CreateOauth2CredentialProvider", () => (exists ? restJsonError(409, "ConflictException", `OAuth2 credential provider with name ${NAME} already exists`) : ((exists = true), restJson(201, { ...provider, credentialProviderVendor: "CustomOauth2" }))))
    .on("UpdateOauth2CredentialProvider", () => restJson(200, { ...provider, credentialProviderVendor: "CustomOauth2", createdTime: 1767225600, lastUpdatedTime: 1767225600 }))
    .on("DeleteOauth2CredentialProvider", () => ((exists = false), restJson(204, undefined)));
});

after(() => {
  s?.close();
  env?.restore();
});

const ledger = () => new Ledger(env.dir);
const input = { name: NAME, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, discoveryUrl: DISCOVERY };

test("no identity provider client is made on AWS: the learner brings a Cognito app client", async () => {
  await assert.rejects(createIdpClient({ clientId: "calendar-agent-m2m", scope: "calendar.read" }, { session: s, ledger: ledger(), log }), /on AWS, create an app client in your Cognito user pool/);
  assert.deepEqual(ledger().entries(), []);
});

test("CreateOauth2CredentialProvider: CustomOauth2 with the discovery URL and the client, tagged with its ledger entry", async () => {
  const provider = await createOauth2CredentialProvider(input, { session: s, ledger: ledger(), log });
  assert.equal(provider.action, "created");
  assert.equal(provider.credentialProviderArn, ARN);
  const create = fake.one("CreateOauth2CredentialProvider");
  assert.equal(`${create.method} ${create.host}${create.path}`, `POST bedrock-agentcore-control.${REGION}.amazonaws.com/identities/CreateOauth2CredentialProvider`);
  const entry = ledger().entries().find((e) => e.kind === "oauth2-credential-provider")!;
  assert.equal(entry.state, "created");
  assert.deepEqual(JSON.parse(create.body), {
    name: NAME,
    credentialProviderVendor: "CustomOauth2",
    oauth2ProviderConfigInput: { customOauth2ProviderConfig: { clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, oauthDiscovery: { discoveryUrl: DISCOVERY } } },
    tags: { "agentcore-kit:ledger-entry": entry.id },
  });
});

test("a re-run updates the provider this ledger created", async () => {
  const provider = await createOauth2CredentialProvider(input, { session: s, ledger: ledger(), log });
  assert.equal(provider.action, "updated");
  const update = JSON.parse(fake.one("UpdateOauth2CredentialProvider").body) as Record<string, unknown>;
  assert.equal(update.credentialProviderVendor, "CustomOauth2");
  assert.equal(update.tags, undefined);
});

test("cleanup deletes it; the ledger ends empty; the secret is in no log line and not in the ledger", async () => {
  const report = await cleanup({ session: s, ledger: ledger(), log });
  assert.ok(report.ok);
  assert.deepEqual(report.steps.map((x) => `${x.kind}:${x.outcome}`), ["oauth2-credential-provider:deleted"]);
  assert.equal(`${fake.one("DeleteOauth2CredentialProvider").path}`, "/identities/DeleteOauth2CredentialProvider");
  assert.deepEqual(ledger().entries(), []);
  assert.equal(lines.join("\n").includes(CLIENT_SECRET), false);
  assert.equal(readFileSync(join(env.dir, LEDGER_FILE), "utf8").includes(CLIENT_SECRET), false);
});
