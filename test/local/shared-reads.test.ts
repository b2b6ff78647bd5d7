/**
 * The store's shared reads (what every GetResourceApiKey and IAM decision reads through) are kept
 * while nothing changed, and never answer from before a change: one of ours (even in the same
 * turn), another connection's (another process), a rolled-back transaction's, or the vault's.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Store } from "../../lib/local/state/store.js";
import { createVault } from "../../lib/local/state/vault.js";

const nextTurn = () => new Promise((r) => setImmediate(r));

function twoConnections(t: { after(fn: () => void): void }) {
  const dir = mkdtempSync(join(tmpdir(), "agentcore-shared-reads-"));
  const ours = new Store(dir);
  const theirs = new Store(dir); // as the CLI or another process opens the same state folder
  t.after(() => {
    ours.close();
    theirs.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return { dir, ours, theirs };
}

test("a document changed or deleted by another connection is read anew on the next turn", async (t) => {
  const { ours, theirs } = twoConnections(t);
  ours.put("thing", "a", { v: 1 });
  assert.deepEqual(ours.getShared("thing", "a"), { v: 1 });
  await nextTurn();
  theirs.put("thing", "a", { v: 2 });
  await nextTurn();
  assert.deepEqual(ours.getShared("thing", "a"), { v: 2 });
  theirs.delete("thing", "a");
  await nextTurn();
  assert.equal(ours.getShared("thing", "a"), undefined);
  theirs.setMeta("counter", "7");
  await nextTurn();
  assert.equal(ours.getMetaShared("counter"), "7");
  theirs.setMeta("counter", "8");
  await nextTurn();
  assert.equal(ours.getMetaShared("counter"), "8");
});

test("our own write is seen at once, in the same turn", (t) => {
  const { ours } = twoConnections(t);
  ours.put("thing", "a", { v: 1 });
  assert.deepEqual(ours.getShared("thing", "a"), { v: 1 });
  ours.put("thing", "a", { v: 2 });
  assert.deepEqual(ours.getShared("thing", "a"), { v: 2 });
  ours.tx(() => ours.delete("thing", "a"));
  assert.equal(ours.getShared("thing", "a"), undefined);
  ours.setMeta("counter", "1");
  assert.equal(ours.getMetaShared("counter"), "1");
  ours.setMeta("counter", "2");
  assert.equal(ours.getMetaShared("counter"), "2");
});

test("what a rolled-back transaction wrote is never answered afterwards", async (t) => {
  const { ours } = twoConnections(t);
  ours.put("thing", "a", { v: 1 });
  assert.throws(() =>
    ours.tx(() => {
      ours.put("thing", "a", { v: "rolled back" });
      assert.deepEqual(ours.getShared("thing", "a"), { v: "rolled back" }, "inside, the transaction's own write");
      throw new Error("abort");
    }),
  );
  assert.deepEqual(ours.getShared("thing", "a"), { v: 1 });
  await nextTurn();
  assert.deepEqual(ours.getShared("thing", "a"), { v: 1 });
});

test("a shared document cannot be changed by one of its readers", (t) => {
  const { ours } = twoConnections(t);
  ours.put("thing", "a", { v: 1, list: [1] });
  const doc = ours.getShared<{ v: number; list: number[] }>("thing", "a")!;
  assert.throws(() => {
    (doc as { v: number }).v = 2;
  });
  assert.throws(() => doc.list.push(2));
  assert.deepEqual(ours.getShared("thing", "a"), { v: 1, list: [1] });
  assert.deepEqual(ours.get("thing", "a"), { v: 1, list: [1] });
});

test("the vault decrypts a secret replaced or deleted by another connection on the next turn", async (t) => {
  const { dir, ours, theirs } = twoConnections(t);
  const vault = createVault(ours, dir);
  const other = createVault(theirs, dir);
  vault.put("arn:secret", "first-key");
  assert.equal(vault.get("arn:secret"), "first-key");
  vault.put("arn:secret", "second-key");
  assert.equal(vault.get("arn:secret"), "second-key", "our own rotation, same turn");
  await nextTurn();
  other.put("arn:secret", "third-key");
  await nextTurn();
  assert.equal(vault.get("arn:secret"), "third-key");
  other.delete("arn:secret");
  await nextTurn();
  assert.equal(vault.get("arn:secret"), undefined);
  vault.put("arn:secret", "fourth-key");
  vault.delete("arn:secret");
  assert.equal(vault.get("arn:secret"), undefined, "our own delete, same turn");
});

test("the vault still decrypts on every read: a damaged row is refused even when it was read before", async (t) => {
  const { dir, ours, theirs } = twoConnections(t);
  const vault = createVault(ours, dir);
  vault.put("arn:secret", "the-key");
  assert.equal(vault.get("arn:secret"), "the-key");
  await nextTurn();
  theirs.db.prepare("UPDATE vault_secrets SET ciphertext = zeroblob(length(ciphertext)) WHERE arn = ?").run("arn:secret");
  await nextTurn();
  assert.throws(() => vault.get("arn:secret"), { name: "DecryptionFailure" });
});
