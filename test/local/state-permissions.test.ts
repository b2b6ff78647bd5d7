/**
 * The state folder holds the vault, the keys that derive the admin's secret, and a log of every
 * request. It is made private at every start, not only when it is created: an existing
 * AGENTCORE_LOCAL_DIR (made by hand, restored from a backup, copied without -p) with a 0755 folder and
 * 0644 files comes out 0700 and 0600.
 */
import assert from "node:assert/strict";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { startLocalServer } from "../../lib/local/http/server.js";
import { Store } from "../../lib/local/state/store.js";
import { CreateApiKeyCredentialProviderCommand } from "@aws-sdk/client-bedrock-agentcore-control";
import { makeClients } from "../helpers/local.js";

const mode = (path: string) => statSync(path).mode & 0o777;
const octal = (m: number) => `0${m.toString(8)}`;

const PRIVATE_FILES = ["state.db", "state.db-wal", "state.db-shm", "server.log", "server.log.1", "master.key", "credentials.key", "env"];

describe("the state folder is private at every start", () => {
  const parent = mkdtempSync(join(tmpdir(), "agentcore-state-perms-"));
  after(() => rmSync(parent, { recursive: true, force: true }));

  /** Opens everything up as a careless copy would. */
  function loosen(dir: string): void {
    chmodSync(dir, 0o755);
    for (const f of PRIVATE_FILES) if (existsSync(join(dir, f))) chmodSync(join(dir, f), 0o644);
  }

  function assertPrivate(dir: string): void {
    assert.equal(octal(mode(dir)), "0700", `${dir} is not 0700`);
    for (const f of PRIVATE_FILES) {
      const path = join(dir, f);
      if (existsSync(path)) assert.equal(octal(mode(path)), "0600", `${f} is ${octal(mode(path))}, not 0600`);
    }
  }

  it("an existing 0755 folder with 0644 state, log and key files: 0700 and 0600 after start", async () => {
    const dir = join(parent, "existing");
    // A first run fills the folder (database, WAL, keys, a vaulted secret).
    let server = await startLocalServer({ stateDir: dir, port: 0 });
    const control = makeClients(server.endpoint, server.region, server.admin).control;
    await control.send(new CreateApiKeyCredentialProviderCommand({ name: "k", apiKey: "sk-perm-test" }));
    control.destroy();
    await server.close();
    writeFileSync(join(dir, "server.log"), "a log line\n");
    writeFileSync(join(dir, "server.log.1"), "an older log line\n");
    writeFileSync(join(dir, "env"), "AWS_SECRET_ACCESS_KEY=x\n");
    loosen(dir);
    assert.equal(octal(mode(join(dir, "state.db"))), "0644");

    server = await startLocalServer({ stateDir: dir, port: 0 });
    try {
      assertPrivate(dir);
      for (const f of ["state.db", "state.db-wal", "master.key", "credentials.key"]) assert.ok(existsSync(join(dir, f)), `${f} exists`);
    } finally {
      await server.close();
    }
  });

  it("a new folder, and the files SQLite creates in it, are private from the start", () => {
    const dir = join(parent, "fresh", "nested");
    const store = new Store(dir);
    try {
      store.tx(() => store.put("kind", "id", { v: 1 }));
      assertPrivate(dir);
      assert.ok(existsSync(join(dir, "state.db-wal")));
    } finally {
      store.close();
    }
  });

  it("an empty pre-existing 0777 folder is tightened too", () => {
    const dir = join(parent, "wide-open");
    mkdirSync(dir);
    chmodSync(dir, 0o777);
    new Store(dir).close();
    assertPrivate(dir);
  });
});
