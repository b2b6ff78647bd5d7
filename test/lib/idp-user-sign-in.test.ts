/**
 * The library's pieces for notebook 02, against a Local AgentCore of the test's own: an identity
 * provider app client (authorization code) and a user, each recorded in the ledger; the offline
 * sign-in gets that user's token through the provider's real pages (a wrong password is refused
 * there); a re-run replaces this ledger's user (the old password stops working); someone else's
 * user of that name is refused and left alone, by the create and by cleanup; cleanup deletes the
 * user and the client; no password or token in any printed object or log line.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { startLibraryLocal, type LibraryLocal } from "../helpers/library-local.js";
import type { Session } from "../../lib/session.js";
import { Ledger } from "../../lib/agentcore/ledger.js";
import { cleanup } from "../../lib/agentcore/cleanup.js";
import { createIdpClient, type CreatedIdpClient } from "../../lib/agentcore/idp-client.js";
import { createIdpUser, type CreatedIdpUser } from "../../lib/agentcore/idp-user.js";
import { signInOffline } from "../../lib/agentcore/offline-sign-in.js";
import { ForeignResourceError } from "../../lib/agentcore/ownership.js";
import { SignInError } from "../../lib/local/client/sign-in.js";
import type { LocalIdp } from "../../lib/local/client/idp.js";

const REDIRECT = "http://localhost:8765/signed-in";
let lib: LibraryLocal | undefined;
let s: Session;
let idp: LocalIdp;
let dir: string;
const lines: string[] = [];
const log = (l: string) => lines.push(l);
const secrets: string[] = [];
let client: CreatedIdpClient;
let user: CreatedIdpUser;

before(async () => {
  lib = await startLibraryLocal("idp-user-test-");
  ({ s, idp, dir } = lib);
});
after(() => lib?.stop());

const opts = () => ({ session: s, ledger: new Ledger(dir), log, idp });
const usernames = async () => (await idp.listUsers()).map((u) => u.username);
const signIn = (password: string) => signInOffline({ client, username: "nb02-alice", password, redirectUri: REDIRECT, scope: "openid calendar.read" });

describe("identity provider user and offline sign-in", () => {
  test("an app client and a user are created and recorded; the user's token names the user and the client", async () => {
    client = await createIdpClient({ clientId: "nb02-app", scope: "openid calendar.read", grantTypes: ["authorization_code"], redirectUris: [REDIRECT] }, opts());
    user = await createIdpUser({ username: "nb02-alice" }, opts());
    secrets.push(client.clientSecret, user.password);
    assert.equal(JSON.stringify(user).includes(user.password), false, "printing the user does not show the password");
    assert.deepEqual(new Ledger(dir).entries().map((e) => `${e.kind}:${e.state}`).sort(), ["idp-client:created", "idp-user:created"]);

    const token = await signIn(user.password);
    secrets.push(token.accessToken);
    assert.equal(JSON.stringify(token).includes(token.accessToken), false, "printing the result does not show the token");
    assert.equal(token.claims.sub, user.sub);
    assert.equal(token.claims.client_id, "nb02-app");
    assert.ok(token.claims.exp! > Date.now() / 1000);
  });

  test("a wrong password is refused by the provider's sign-in page", async () => {
    await assert.rejects(signIn("not-the-password"), SignInError);
  });

  test("a re-run replaces this ledger's user: a new password, and the old one no longer signs in", async () => {
    const again = await createIdpUser({ username: "nb02-alice" }, opts());
    secrets.push(again.password);
    assert.notEqual(again.password, user.password);
    await assert.rejects(signIn(user.password), SignInError);
    const token = await signIn(again.password);
    secrets.push(token.accessToken);
    assert.equal(token.claims.sub, again.sub);
    assert.equal(new Ledger(dir).entries().length, 2);
  });

  test("someone else's user of that name is refused and left, also by cleanup", async () => {
    await idp.createUser({ username: "someone-else", password: "their own password" });
    await assert.rejects(createIdpUser({ username: "someone-else" }, opts()), ForeignResourceError);
    assert.ok((await usernames()).includes("someone-else"));
    assert.deepEqual(new Ledger(dir).entries().filter((e) => e.kind === "idp-user").map((e) => e.kind === "idp-user" && e.username), ["nb02-alice"]);
  });

  test("cleanup deletes the user and the client, and nothing else; no secret was logged", async () => {
    const report = await cleanup(opts());
    assert.equal(report.ok, true);
    assert.deepEqual(await usernames(), ["someone-else"]);
    assert.equal((await idp.listClients()).clients.some((c) => c.clientId === "nb02-app"), false);
    assert.deepEqual(new Ledger(dir).entries(), []);
    for (const secret of secrets) assert.equal(lines.join("\n").includes(secret), false);
  });
});
