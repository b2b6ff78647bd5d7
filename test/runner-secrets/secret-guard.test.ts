/**
 * The runner's secret-leak guard on its own: what it recognises (vault digests, secret-named
 * environment variables, AWS secret key shapes), where it looks (streams, display bundles,
 * errors), that it masks in place, and that `allowSecrets` reports without masking.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { test } from "node:test";
import { SecretGuard, describeLeak } from "../../lib/runner/secret-guard.js";
import type { Output } from "../../lib/runner/notebook-file.js";

const digest = (v: string) => ({ sha256: createHash("sha256").update(v, "utf8").digest("hex"), length: Buffer.byteLength(v) });
const VAULTED = "plain-vaulted-value-4242";
const vault = async () => [digest(VAULTED)];

test("a vaulted value is found by digest anywhere in the text, also next to multi-byte characters, and masked", async () => {
  const guard = new SecretGuard({ env: {}, vault });
  await guard.refresh();
  const outputs: Output[] = [{ output_type: "stream", name: "stdout", text: `ünïcødé→${VAULTED}←and again:${VAULTED}\n` }];
  const leaks = guard.inspect(outputs);
  assert.deepEqual(leaks.map((l) => [l.kind, l.where, l.masked]), [["vaulted secret", "stdout", "pla…4242"]]);
  assert.equal((outputs[0] as { text: string }).text, "ünïcødé→pla…4242←and again:pla…4242\n");
  assert.match(describeLeak(leaks[0]!), /a secret Local AgentCore holds in its vault \(pla…4242\) in stdout/);
});

test("environment variables named like secrets: their values are found by exact match; paths and short values are not secrets", async () => {
  const env = { MY_SERVICE_TOKEN: "tok-value-99887766", SSH_KEY_PATH: "/tmp", KEYBOARD: "short", OTHER: "tok-ignored-value-1" };
  const guard = new SecretGuard({ env });
  const outputs: Output[] = [
    { output_type: "stream", name: "stderr", text: "using tok-value-99887766 from /tmp, keyboard short, tok-ignored-value-1" },
    { output_type: "display_data", data: { "text/plain": ["a\n", "tok-value-99887766"], "application/json": { nested: ["tok-value-99887766"] } }, metadata: {} },
  ];
  const leaks = guard.inspect(outputs);
  assert.deepEqual(
    leaks.map((l) => [l.envName, l.where]),
    [
      ["MY_SERVICE_TOKEN", "stderr"],
      ["MY_SERVICE_TOKEN", "display_data text/plain"],
      ["MY_SERVICE_TOKEN", "display_data application/json"],
    ],
  );
  assert.equal(JSON.stringify(outputs).includes("tok-value-99887766"), false);
  assert.match(JSON.stringify(outputs), /tok…7766/);
  assert.match(JSON.stringify(outputs), /from \/tmp, keyboard short, tok-ignored-value-1/);
});

test("AWS secret access key shapes are found in error messages and tracebacks; hex digests and long base64 runs are not", async () => {
  const key = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
  const guard = new SecretGuard({ env: {} });
  const outputs: Output[] = [
    { output_type: "error", ename: "Error", evalue: `bad credentials ${key}`, traceback: [`Error: bad credentials ${key}`, "    at cell"] },
    { output_type: "stream", name: "stdout", text: `${"a1b2c3d4e5".repeat(4)} ${"QmFzZTY0IGRhdGEgdGhhdCBpcyBsb25n".repeat(3)}` },
  ];
  const leaks = guard.inspect(outputs);
  assert.deepEqual(leaks.map((l) => [l.kind, l.where]), [["AWS secret key shape", "error message"], ["AWS secret key shape", "error traceback"]]);
  assert.equal(JSON.stringify(outputs).includes(key), false);
  assert.equal((outputs[0] as { evalue: string }).evalue, "bad credentials wJa…EKEY");
});

test("a JWT (a bearer credential: an access or ID token, a workload access token) is a leak wherever it stands, split writes included", async () => {
  const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString("base64url");
  const jwt = `${b64({ alg: "RS256", kid: "k1" })}.${b64({ sub: "alice", aud: "app", exp: 2000000000 })}.${"c2lnbmF0dXJl".repeat(6)}`;
  const guard = new SecretGuard({ env: {} });
  const outputs: Output[] = [
    { output_type: "stream", name: "stdout", text: `token: ${jwt.slice(0, 30)}` },
    { output_type: "stream", name: "stdout", text: `${jwt.slice(30)}\n` },
    { output_type: "execute_result", execution_count: 1, metadata: {}, data: { "text/plain": `{ sub: 'alice', accessToken: '${jwt}' }` } },
  ];
  const leaks = guard.inspect(outputs);
  assert.deepEqual(leaks.map((l) => l.kind), ["JWT shape", "JWT shape"]);
  assert.equal(JSON.stringify(outputs).includes(jwt), false);
  assert.equal(JSON.stringify(outputs).includes(jwt.slice(30)), false, "the second write is masked too");
});

test("allowSecrets reports every hit but leaves the outputs as they are", async () => {
  const guard = new SecretGuard({ env: { API_KEY: "key-value-12345678" }, vault, allowSecrets: true });
  await guard.refresh();
  const outputs: Output[] = [{ output_type: "stream", name: "stdout", text: `key-value-12345678 ${VAULTED}` }];
  assert.equal(guard.inspect(outputs).length, 2);
  assert.equal((outputs[0] as { text: string }).text, `key-value-12345678 ${VAULTED}`);
  assert.equal(guard.maskText(VAULTED), VAULTED);
});

test("digests learned stay known when the vault can no longer be asked; the live echo is masked too", async () => {
  let reachable = true;
  const guard = new SecretGuard({
    env: {},
    vault: async () => {
      if (!reachable) throw new Error("connection refused");
      return [digest(VAULTED)];
    },
  });
  await guard.refresh();
  reachable = false;
  await guard.refresh();
  assert.equal(guard.maskText(`echo ${VAULTED}`), "echo pla…4242");
  assert.deepEqual(guard.maskBundle({ "text/plain": VAULTED }), { "text/plain": "pla…4242" });
});
