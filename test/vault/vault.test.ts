import assert from "node:assert/strict";
import { chmodSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, it } from "node:test";
import { Store } from "../../lib/local/state/store.js";
import { createVault, MasterKeyError } from "../../lib/local/state/vault.js";

const ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:bedrock-agentcore-identity!default/apikey/demo-Ab12Cd";
const OTHER_ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:bedrock-agentcore-identity!default/apikey/other-Zz99Yy";
const SECRET = "sk-vault-unit-test-Q7nW2xLp9RtY";

describe("vault", () => {
  let dir: string;
  let store: Store;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "vault-test-"));
    store = new Store(dir);
  });
  afterEach(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("round-trips a secret, including non-ASCII text", () => {
    const vault = createVault(store, dir);
    vault.put(ARN, SECRET);
    vault.put(OTHER_ARN, "clé-secrète-🔑");
    assert.equal(vault.get(ARN), SECRET);
    assert.equal(vault.get(OTHER_ARN), "clé-secrète-🔑");
    assert.equal(vault.get(ARN + "x"), undefined);
  });

  it("overwrites on put and forgets on delete", () => {
    const vault = createVault(store, dir);
    vault.put(ARN, "first");
    vault.put(ARN, "second");
    assert.equal(vault.get(ARN), "second");
    vault.delete(ARN);
    assert.equal(vault.get(ARN), undefined);
  });

  it("survives reopening the store (same key file, new vault instance)", () => {
    createVault(store, dir).put(ARN, SECRET);
    store.close();
    store = new Store(dir);
    assert.equal(createVault(store, dir).get(ARN), SECRET);
  });

  it("uses a fresh IV per write", () => {
    const vault = createVault(store, dir);
    vault.put(ARN, SECRET);
    const a = store.db.prepare("SELECT iv, ciphertext FROM vault_secrets WHERE arn = ?").get(ARN) as { iv: Buffer; ciphertext: Buffer };
    vault.put(ARN, SECRET);
    const b = store.db.prepare("SELECT iv, ciphertext FROM vault_secrets WHERE arn = ?").get(ARN) as { iv: Buffer; ciphertext: Buffer };
    assert.equal(a.iv.length, 12);
    assert.notDeepEqual(a.iv, b.iv);
    assert.notDeepEqual(a.ciphertext, b.ciphertext);
  });

  it("creates master.key with mode 0600, 32 bytes, and leaves no temporary file", () => {
    createVault(store, dir).put(ARN, SECRET);
    const keyFile = join(dir, "master.key");
    assert.equal(statSync(keyFile).mode & 0o777, 0o600);
    assert.equal(readFileSync(keyFile).length, 32);
    assert.deepEqual(readdirSync(dir).filter((f) => f.endsWith(".tmp")), []);
  });

  it("tightens a master key file that has become readable by others back to 0600", () => {
    createVault(store, dir).put(ARN, SECRET);
    const keyFile = join(dir, "master.key");
    chmodSync(keyFile, 0o644);
    assert.equal(createVault(store, dir).get(ARN), SECRET);
    assert.equal(statSync(keyFile).mode & 0o777, 0o600);
  });

  it("detects a tampered ciphertext, tag or IV", () => {
    const vault = createVault(store, dir);
    for (const column of ["ciphertext", "tag", "iv"] as const) {
      vault.put(ARN, SECRET);
      const row = store.db.prepare(`SELECT ${column} AS v FROM vault_secrets WHERE arn = ?`).get(ARN) as { v: Buffer };
      const altered = Buffer.from(row.v);
      altered[0] ^= 0x01;
      store.db.prepare(`UPDATE vault_secrets SET ${column} = ? WHERE arn = ?`).run(altered, ARN);
      assert.throws(() => vault.get(ARN), (e: Error & { code?: string }) => {
        assert.equal(e.code, "DecryptionFailure");
        assert.ok(!e.message.includes(SECRET));
        return true;
      }, column);
    }
  });

  it("binds each ciphertext to its ARN (a row copied to another ARN does not decrypt)", () => {
    const vault = createVault(store, dir);
    vault.put(ARN, SECRET);
    store.db.prepare("INSERT INTO vault_secrets (arn, iv, tag, ciphertext) SELECT ?, iv, tag, ciphertext FROM vault_secrets WHERE arn = ?").run(OTHER_ARN, ARN);
    assert.throws(() => vault.get(OTHER_ARN), /could not be decrypted/);
  });

  it("refuses to run with a missing master key while secrets exist, and never makes a new key", () => {
    createVault(store, dir).put(ARN, SECRET);
    unlinkSync(join(dir, "master.key"));
    const reopened = createVault(store, dir);
    assert.throws(() => reopened.get(ARN), (e: Error) => {
      assert.ok(e instanceof MasterKeyError);
      assert.match(e.message, /master key .*master\.key is missing/);
      assert.match(e.message, /Restore master\.key/);
      assert.match(e.message, /npm run local -- reset/);
      return true;
    });
    assert.throws(() => reopened.put(OTHER_ARN, "another"), MasterKeyError);
    assert.throws(() => statSync(join(dir, "master.key")), /ENOENT/);
  });

  it("rejects a damaged master key file", () => {
    writeFileSync(join(dir, "master.key"), Buffer.alloc(5), { mode: 0o600 });
    assert.throws(() => createVault(store, dir).put(ARN, SECRET), /5 bytes long, not 32/);
  });

  it("a different master key cannot read the secrets", () => {
    createVault(store, dir).put(ARN, SECRET);
    writeFileSync(join(dir, "master.key"), Buffer.alloc(32, 7));
    assert.throws(() => createVault(store, dir).get(ARN), /not the key it was encrypted with/);
  });

  it("rolls back with the store transaction", () => {
    const vault = createVault(store, dir);
    assert.throws(() =>
      store.tx(() => {
        vault.put(ARN, SECRET);
        throw new Error("boom");
      }),
    );
    assert.equal(vault.get(ARN), undefined);
  });

  it("keeps no plaintext in the database files", () => {
    const vault = createVault(store, dir);
    store.tx(() => vault.put(ARN, SECRET));
    store.db.pragma("wal_checkpoint(PASSIVE)");
    for (const f of readdirSync(dir)) {
      const bytes = readFileSync(join(dir, f));
      assert.equal(bytes.indexOf(Buffer.from(SECRET)), -1, f);
    }
  });
});
