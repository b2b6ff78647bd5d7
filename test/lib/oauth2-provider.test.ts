/**
 * The library's OAuth2 pieces for notebook 03, against a Local AgentCore of the test's own: an
 * identity provider client and a CustomOauth2 credential provider, each recorded in the ledger;
 * the provider really works (GetResourceOauth2Token M2M through the raw SDK); re-runs replace or
 * update what this ledger made; someone else's client or provider of the same name is refused and
 * left alone, by the creates and by cleanup; cleanup deletes both; no client secret in any output.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { CreateOauth2CredentialProviderCommand, CreateWorkloadIdentityCommand, GetOauth2CredentialProviderCommand } from "@aws-sdk/client-bedrock-agentcore-control";
import { GetResourceOauth2TokenCommand, GetWorkloadAccessTokenCommand } from "@aws-sdk/client-bedrock-agentcore";
import type { TestLocal } from "../helpers/local.js";
import { startLibraryLocal, type LibraryLocal } from "../helpers/library-local.js";
import type { Session } from "../../lib/session.js";
import { Ledger, LEDGER_FILE } from "../../lib/agentcore/ledger.js";
import { cleanup } from "../../lib/agentcore/cleanup.js";
import { createIdpClient } from "../../lib/agentcore/idp-client.js";
import { createOauth2CredentialProvider, listOauth2CredentialProviders } from "../../lib/agentcore/oauth2.js";
import { ForeignResourceError } from "../../lib/agentcore/ownership.js";
import type { LocalIdp } from "../../lib/local/client/idp.js";

let lib: LibraryLocal | undefined;
let local: TestLocal;
let s: Session;
let idp: LocalIdp;
let dir: string;
const lines: string[] = [];
const log = (l: string) => lines.push(l);
const secrets: string[] = [];

before(async () => {
  lib = await startLibraryLocal("oauth2-provider-test-");
  ({ local, s, idp, dir } = lib);
});
after(() => lib?.stop());

const opts = () => ({ session: s, ledger: new Ledger(dir), log, idp });
const clientIds = async () => (await idp.listClients()).clients.map((c) => c.clientId);
const providerNames = async () => (await listOauth2CredentialProviders({ session: s })).map((p) => p.name);

describe("identity provider client and OAuth2 credential provider", () => {
  test("both are created and recorded; the provider yields a read-scoped token the calendar API accepts for reading only", async () => {
    const client = await createIdpClient({ clientId: "nb03-agent", scope: "calendar.read" }, opts());
    secrets.push(client.clientSecret);
    assert.ok(client.clientSecret.length >= 16);
    assert.equal(JSON.stringify(client).includes(client.clientSecret), false, "printing the object does not show the secret");
    assert.match(client.discoveryUrl, /\/\.well-known\/openid-configuration$/);

    const provider = await createOauth2CredentialProvider(
      { name: "nb03-calendar", clientId: client.clientId, clientSecret: client.clientSecret, discoveryUrl: client.discoveryUrl },
      opts(),
    );
    assert.equal(provider.action, "created");
    const kinds = new Ledger(dir).entries().map((e) => `${e.kind}:${e.state}`).sort();
    assert.deepEqual(kinds, ["idp-client:created", "oauth2-credential-provider:created"]);

    await local.clients.control.send(new CreateWorkloadIdentityCommand({ name: "nb03-workload" }));
    const wat = (await local.clients.data.send(new GetWorkloadAccessTokenCommand({ workloadName: "nb03-workload" }))).workloadAccessToken!;
    const out = await local.clients.data.send(
      new GetResourceOauth2TokenCommand({ workloadIdentityToken: wat, resourceCredentialProviderName: "nb03-calendar", scopes: ["calendar.read"], oauth2Flow: "M2M", resources: [client.calendarResource] }),
    );
    secrets.push(out.accessToken!);
    const events = `${client.calendarApiUrl}/v3/calendars/primary/events`;
    const read = await fetch(events, { headers: { authorization: `Bearer ${out.accessToken}` } });
    assert.equal(read.status, 200);
    const write = await fetch(events, { method: "POST", headers: { authorization: `Bearer ${out.accessToken}`, "content-type": "application/json" }, body: JSON.stringify({ summary: "Lunch" }) });
    assert.equal(write.status, 403);
  });

  test("a re-run replaces this ledger's client (new secret) and updates its provider", async () => {
    const again = await createIdpClient({ clientId: "nb03-agent", scope: "calendar.read" }, opts());
    secrets.push(again.clientSecret);
    assert.notEqual(again.clientSecret, secrets[0]);
    const provider = await createOauth2CredentialProvider(
      { name: "nb03-calendar", clientId: again.clientId, clientSecret: again.clientSecret, discoveryUrl: again.discoveryUrl },
      opts(),
    );
    assert.equal(provider.action, "updated");
    assert.equal(new Ledger(dir).entries().length, 2);
  });

  test("someone else's client or provider of that name is refused and left unchanged", async () => {
    const { clientSecret } = await idp.createClient({ clientId: "someone-elses", scope: "calendar.read" });
    secrets.push(clientSecret!);
    await assert.rejects(createIdpClient({ clientId: "someone-elses", scope: "calendar.read" }, opts()), ForeignResourceError);
    assert.ok((await clientIds()).includes("someone-elses"));

    await local.clients.control.send(
      new CreateOauth2CredentialProviderCommand({
        name: "someone-elses-provider",
        credentialProviderVendor: "CustomOauth2",
        oauth2ProviderConfigInput: { customOauth2ProviderConfig: { clientId: "someone-elses", clientSecret: clientSecret!, oauthDiscovery: { discoveryUrl: `${idp.issuer}/.well-known/openid-configuration` } } },
      }),
    );
    await assert.rejects(
      createOauth2CredentialProvider({ name: "someone-elses-provider", clientId: "nb03-agent", clientSecret: "x".repeat(32), discoveryUrl: `${idp.issuer}/.well-known/openid-configuration` }, opts()),
      ForeignResourceError,
    );
    const kept = await local.clients.control.send(new GetOauth2CredentialProviderCommand({ name: "someone-elses-provider" }));
    assert.equal(kept.oauth2ProviderConfigOutput?.customOauth2ProviderConfig?.clientId, "someone-elses");
    assert.equal(new Ledger(dir).entries().length, 2, "the refused creates left nothing in the ledger");
  });

  test("cleanup deletes this ledger's client and provider, and only those", async () => {
    const report = await cleanup({ ...opts(), log });
    assert.ok(report.ok);
    assert.deepEqual(report.steps.map((x) => `${x.kind}:${x.outcome}`), ["oauth2-credential-provider:deleted", "idp-client:deleted"]);
    assert.deepEqual(await providerNames(), ["someone-elses-provider"]);
    assert.deepEqual(await clientIds(), ["someone-elses"]);
    assert.deepEqual(new Ledger(dir).entries(), []);
  });

  test("no client secret or token in the log lines or the ledger file", () => {
    const ledgerText = readFileSync(join(dir, LEDGER_FILE), "utf8");
    for (const secret of secrets) {
      assert.equal(lines.join("\n").includes(secret), false);
      assert.equal(ledgerText.includes(secret), false);
    }
  });
});
