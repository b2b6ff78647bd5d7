/**
 * The library's pieces for notebook 04 at Local AgentCore's identity provider: a user with a random
 * password (never in any output), recorded in the ledger and deleted by cleanup; a re-run replaces
 * this ledger's user; someone else's user of that name is refused and left alone, by the create and
 * by cleanup; an authorization-code client registered with a secret chosen up front.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { startLibraryLocal, type LibraryLocal } from "../helpers/library-local.js";
import type { Session } from "../../lib/session.js";
import { Ledger, LEDGER_FILE } from "../../lib/agentcore/ledger.js";
import { cleanup } from "../../lib/agentcore/cleanup.js";
import { createIdpClient, newClientSecret } from "../../lib/agentcore/idp-client.js";
import { createIdpUser } from "../../lib/agentcore/idp-user.js";
import { ForeignResourceError } from "../../lib/agentcore/ownership.js";
import type { LocalIdp } from "../../lib/local/client/idp.js";

let lib: LibraryLocal | undefined;
let s: Session;
let idp: LocalIdp;
let dir: string;
const lines: string[] = [];
const secrets: string[] = [];

before(async () => {
  lib = await startLibraryLocal("idp-user-test-");
  ({ s, idp, dir } = lib);
});
after(() => lib?.stop());

const opts = () => ({ session: s, ledger: new Ledger(dir), log: (l: string) => lines.push(l), idp });
const usernames = async () => (await idp.listUsers()).map((u) => u.username);

describe("identity provider user and authorization-code client", () => {
  test("a user is created with a password that printing never shows, and recorded", async () => {
    const user = await createIdpUser({ username: "learner" }, opts());
    secrets.push(user.password);
    assert.ok(user.password.length >= 16);
    assert.equal(JSON.stringify(user).includes(user.password), false);
    assert.deepEqual(await usernames(), ["learner"]);
    assert.equal(new Ledger(dir).entries().filter((e) => e.kind === "idp-user").length, 1);
  });

  test("a re-run replaces this ledger's user with a new password", async () => {
    const again = await createIdpUser({ username: "learner" }, opts());
    secrets.push(again.password);
    assert.notEqual(again.password, secrets[0]);
    assert.deepEqual(await usernames(), ["learner"]);
    assert.match(lines.join("\n"), /existed from an earlier run: replaced it/);
  });

  test("someone else's user of that name is refused and kept", async () => {
    await idp.createUser({ username: "someone", password: "their own password" });
    await assert.rejects(createIdpUser({ username: "someone" }, opts()), ForeignResourceError);
    assert.ok((await usernames()).includes("someone"));
  });

  test("an authorization-code client takes the redirect URI and the secret chosen up front", async () => {
    const secret = newClientSecret();
    secrets.push(secret);
    const client = await createIdpClient(
      { clientId: "nb04-agent", scope: "calendar.read", grantTypes: ["authorization_code", "refresh_token"], redirectUris: ["http://127.0.0.1:9/cb"], clientSecret: secret },
      opts(),
    );
    assert.equal(client.clientSecret, secret);
    const stored = (await idp.listClients()).clients.find((c) => c.clientId === "nb04-agent")!;
    assert.deepEqual(stored.grantTypes, ["authorization_code", "refresh_token"]);
    assert.deepEqual(stored.redirectUris, ["http://127.0.0.1:9/cb"]);
    assert.match(lines.join("\n"), /authorization code, refresh token, scope "calendar\.read"/);
  });

  test("cleanup deletes this ledger's user and client, not someone else's user", async () => {
    await cleanup({ ...opts(), idp });
    assert.deepEqual(await usernames(), ["someone"]);
    assert.deepEqual((await idp.listClients()).clients, []);
    assert.deepEqual(new Ledger(dir).entries(), []);
  });

  test("deleting a user that is not there is ResourceNotFoundException", async () => {
    await assert.rejects(idp.deleteUser("learner"), (e: Error) => e.name === "ResourceNotFoundException" && /No identity provider user learner/.test(e.message));
  });

  test("no password or secret in any log line or in the ledger", () => {
    const text = lines.join("\n") + readFileSync(join(dir, LEDGER_FILE), "utf8");
    for (const secret of secrets) assert.equal(text.includes(secret), false);
  });
});
