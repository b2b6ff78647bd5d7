/**
 * The workload-token check remembers tokens whose signature it has verified. That memory must only
 * ever save the ECDSA arithmetic: a token differing in any byte is verified afresh, another key's
 * memory is never consulted, and the claims (expiry above all) are checked again on every call.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { generateKeyPairSync, sign } from "node:crypto";
import { createEs256Verifier, verifyEs256Jwt, type JwtCheck } from "../../lib/local/auth/es256-jwt.js";

const ISSUER = "issuer";
const AUDIENCE = "audience";
const at = (seconds: number) => ({ issuer: ISSUER, audience: AUDIENCE, now: new Date(seconds * 1000) });
const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString("base64url");

function keyPair() {
  return generateKeyPairSync("ec", { namedCurve: "P-256" });
}

function token(privateKey: ReturnType<typeof keyPair>["privateKey"], claims: Record<string, unknown>): string {
  const input = `${b64({ alg: "ES256", typ: "JWT" })}.${b64({ iss: ISSUER, aud: AUDIENCE, ...claims })}`;
  return `${input}.${sign("sha256", Buffer.from(input), { key: privateKey, dsaEncoding: "ieee-p1363" }).toString("base64url")}`;
}

const failure = (c: JwtCheck) => (c.ok ? "ok" : c.failure);

test("a remembered token with another signature, or another payload under its signature, is refused", () => {
  const { privateKey, publicKey } = keyPair();
  const verify = createEs256Verifier(publicKey);
  const good = token(privateKey, { exp: 2000, sub: "agent" });
  assert.equal(failure(verify(good, at(1000))), "ok");
  assert.equal(failure(verify(good, at(1000))), "ok", "again, from memory");

  const [h, p, s] = good.split(".") as [string, string, string];
  const sig = Buffer.from(s, "base64url");
  sig[10]! ^= 1;
  assert.equal(failure(verify(`${h}.${p}.${sig.toString("base64url")}`, at(1000))), "signature");
  const otherPayload = b64({ iss: ISSUER, aud: AUDIENCE, exp: 2000, sub: "someone-else" });
  assert.equal(failure(verify(`${h}.${otherPayload}.${s}`, at(1000))), "signature");
  const otherHeader = b64({ alg: "ES256", typ: "JWT", kid: "x" });
  assert.equal(failure(verify(`${otherHeader}.${p}.${s}`, at(1000))), "signature");
  assert.equal(failure(verify(good, at(1000))), "ok", "the real token still passes");
});

test("a remembered token expires, and is not valid before its nbf: the claims are checked on every call", () => {
  const { privateKey, publicKey } = keyPair();
  const verify = createEs256Verifier(publicKey);
  const t = token(privateKey, { nbf: 1000, exp: 2000 });
  assert.equal(failure(verify(t, at(999))), "claims", "not yet valid");
  assert.equal(failure(verify(t, at(1500))), "ok");
  assert.equal(failure(verify(t, at(2000))), "expired");
  assert.equal(failure(verify(t, at(2500))), "expired");
  assert.equal(failure(verify(t, { ...at(1500), audience: "another" })), "claims");
  assert.equal(failure(verify(t, { ...at(1500), issuer: "another" })), "claims");
});

test("one key's verifier never accepts what another key signed, remembered or not", () => {
  const a = keyPair();
  const b = keyPair();
  const verifyA = createEs256Verifier(a.publicKey);
  const verifyB = createEs256Verifier(b.publicKey);
  const signedByB = token(b.privateKey, { exp: 2000 });
  assert.equal(failure(verifyB(signedByB, at(1000))), "ok");
  assert.equal(failure(verifyA(signedByB, at(1000))), "signature");
  assert.equal(failure(verifyA(signedByB, at(1000))), "signature", "a failure is not remembered as a success");
});

test("the same answers as the plain check, past the memory's size, and a remembered payload cannot be changed", () => {
  const { privateKey, publicKey } = keyPair();
  const verify = createEs256Verifier(publicKey, 4);
  const tokens = Array.from({ length: 10 }, (_, i) => token(privateKey, { exp: 1000 + i * 100, n: i, aud: [AUDIENCE, "x"] }));
  for (let round = 0; round < 3; round++) {
    for (const t of tokens) assert.deepEqual(verify(t, at(1400)), verifyEs256Jwt(t, publicKey, at(1400)));
  }
  const first = verify(tokens[9]!, at(1000));
  assert.ok(first.ok);
  assert.throws(() => {
    (first.payload as { exp: number }).exp = 99_999;
  });
  assert.throws(() => (first.payload.aud as string[]).push("y"));
  assert.equal(failure(verify(tokens[9]!, at(1950))), "expired");
});
