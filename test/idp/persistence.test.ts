/**
 * The identity provider's users, clients and signing keys survive a restart (state folder);
 * its signing keys are in the vault, not in a record.
 */
import { it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startTestLocal } from "../helpers/local.js";
import { localIdp } from "../../lib/local/client/idp.js";

const jwksKids = async (issuer: string) => ((await (await fetch(`${issuer}/jwks`)).json()) as { keys: { kid: string }[] }).keys.map((k) => k.kid);

it("keeps users, clients and signing keys across a restart", async () => {
  const stateDir = mkdtempSync(join(tmpdir(), "agentcore-idp-restart-"));
  try {
    const first = await startTestLocal({ stateDir });
    let secret: string;
    let kids: string[];
    try {
      const idp = localIdp({ endpoint: first.endpoint, region: first.region, credentials: first.admin });
      secret = (await idp.createClient({ clientId: "survivor" })).clientSecret!;
      await idp.createUser({ username: "dora", password: "long enough pw" });
      kids = await jwksKids(idp.issuer);
      // No private key material in the resource records (only in the vault, encrypted).
      const rows = first.server.services.store.db.prepare("SELECT body FROM resources").all() as { body: string }[];
      assert.equal(rows.some((r) => r.body.includes('"d":') || r.body.includes(secret)), false);
    } finally {
      await first.stop();
    }

    const second = await startTestLocal({ stateDir });
    try {
      const idp = localIdp({ endpoint: second.endpoint, region: second.region, credentials: second.admin });
      assert.deepEqual(await jwksKids(idp.issuer), kids);
      assert.ok((await idp.listUsers()).some((u) => u.username === "dora"));
      const res = await fetch(`${idp.issuer}/token`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded", authorization: `Basic ${Buffer.from(`survivor:${secret}`).toString("base64")}` },
        body: new URLSearchParams({ grant_type: "client_credentials", scope: "calendar.read" }),
      });
      assert.equal(res.status, 200);
    } finally {
      await second.stop();
    }
  } finally {
    rmSync(stateDir, { recursive: true, force: true });
  }
});
