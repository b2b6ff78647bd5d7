import { test, afterEach } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { clearRegisteredSecrets, maskSecret, redact, redactValue, registerSecret } from "../../lib/notebook/redact.js";

afterEach(() => clearRegisteredSecrets());

const noEnv = {};

test("masks OpenAI-style keys as sk-…last4", () => {
  const key = "sk-proj-AbCdEfGhIjKlMnOpQrStUvWxa1b2";
  assert.equal(redact(`key is ${key}.`, noEnv), "key is sk-…a1b2.");
  assert.equal(redact("sk-local-0123456789abcdefghijXYZW", noEnv), "sk-…XYZW");
});

test("masks AWS secret access keys but not hex digests, ids or ordinary words", () => {
  const secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
  assert.equal(redact(`aws_secret_access_key = ${secret}`, noEnv), "aws_secret_access_key = wJa…EKEY");
  const sha1 = "4403052a9b1c0d2e3f4a5b6c7d8e9f0a1b2c3d4e";
  assert.equal(redact(`commit ${sha1}`, noEnv), `commit ${sha1}`);
  const arn = "arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/myagent-AbCdEf1234";
  assert.equal(redact(arn, noEnv), arn);
  assert.equal(redact("AKIA" + "IOSFODNN7EXAMPLE", noEnv), "AKIA" + "IOSFODNN7EXAMPLE");
});

test("masks JWTs (workload access tokens)", () => {
  const jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ3b3JrbG9hZCJ9.c2lnbmF0dXJlLXNpZ25hdHVyZQ";
  assert.equal(redact(`token: ${jwt}`, noEnv), "token: eyJ…XNpZ25hdHVyZQ".replace("XNpZ25hdHVyZQ", jwt.slice(-4)));
});

test("masks values of env vars named like secrets, and only those", () => {
  const env = { MY_SERVICE_PASSWORD: "correct horse battery", GITHUB_TOKEN: "plainlooking-value-1", HOME: "/home/someone-long", DEBUG_KEY: "1" };
  const text = "pw=correct horse battery tok=plainlooking-value-1 home=/home/someone-long dbg=1";
  assert.equal(redact(text, env), "pw=cor…tery tok=pla…ue-1 home=/home/someone-long dbg=1");
});

test("masks secrets registered at run time, longest first", () => {
  registerSecret("my-vendor-key-123456");
  registerSecret("vendor-key");
  registerSecret("short"); // ignored: too short to be told apart from ordinary words
  assert.equal(redact("a my-vendor-key-123456 b vendor-key short", noEnv), "a my-…3456 b ****** short".replace("******", "****"));
});

test("redactValue masks members named like secrets and strings shaped like them, without touching the input", () => {
  const input = {
    name: "openai-apikey-provider",
    apiKey: "anything-at-all",
    nested: [{ secretAccessKey: "x".repeat(40), note: "uses sk-abcdefghijklmnopqrstuvwxyz" }],
    apiKeySecretArn: { secretArn: "arn:aws:secretsmanager:us-east-1:123456789012:secret:x" },
    count: 3,
  };
  const copy = structuredClone(input);
  const out = redactValue(input, noEnv);
  assert.deepEqual(out, {
    name: "openai-apikey-provider",
    apiKey: "any…-all",
    nested: [{ secretAccessKey: "xxx…xxxx", note: "uses sk-…wxyz" }],
    apiKeySecretArn: { secretArn: "arn:aws:secretsmanager:us-east-1:123456789012:secret:x" },
    count: 3,
  });
  assert.deepEqual(input, copy);
});

test("a registered secret never survives redaction, whatever surrounds it", () => {
  // Periodic secrets next to their own prefix ("abcabcabc" + "abcabcabcabc") are the tricky case.
  const alnum = fc.string({ unit: fc.constantFrom("a", "b", "c", "1"), minLength: 8, maxLength: 16 });
  fc.assert(
    fc.property(fc.oneof(alnum, fc.string({ minLength: 8, maxLength: 40 })), fc.oneof(alnum, fc.string()), fc.oneof(alnum, fc.string()), (secret, before, after) => {
      clearRegisteredSecrets();
      registerSecret(secret);
      return !redact(before + secret + after, noEnv).includes(secret);
    }),
    { numRuns: 500 },
  );
  registerSecret("abcabcabcabc");
  assert.equal(redact("abcabcabc" + "abcabcabcabc", noEnv).includes("abcabcabcabc"), false);
});

test("maskSecret hides short values entirely", () => {
  assert.equal(maskSecret("12345678901"), "****");
  assert.equal(maskSecret("sk-123456789a1b2"), "sk-…a1b2");
});
