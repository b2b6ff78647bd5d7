/**
 * The one secret policy on its own: for each rule a value it must catch and a near miss it must
 * leave alone. The runner's guard, the notebook's masking and the agent-log redactor all use it.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  findSecretShapes,
  isSecretEnvName,
  isSecretLength,
  isSecretMemberName,
  maskSecret,
  MIN_SECRET_LENGTH,
  replaceSecretShapes,
  secretEnvValues,
  type SecretShape,
} from "../../lib/secret-policy.js";

const only = (text: string, shape: SecretShape) => findSecretShapes(text, [shape]).map((f) => f.value);

test("minimum length: 8 characters", () => {
  assert.equal(MIN_SECRET_LENGTH, 8);
  assert.equal(isSecretLength("12345678".length), true);
  assert.equal(isSecretLength("1234567".length), false);
});

test("environment variable names: KEY, SECRET, TOKEN or PASSWORD anywhere, any case", () => {
  for (const name of ["OPENAI_API_KEY", "GITHUB_TOKEN", "CLIENT_SECRET", "db_password", "AWS_SESSION_TOKEN"]) assert.equal(isSecretEnvName(name), true, name);
  for (const name of ["HOME", "AWS_REGION", "DB_PASSWD", "GITHUB_TOKN", "SECRT_VALUE", "KY"]) assert.equal(isSecretEnvName(name), false, name);
});

test("secret environment values: named like secrets, long enough, not an existing path; longest first", () => {
  const env = {
    SHORT_TOKEN: "1234567", // near miss: one character short
    LONG_API_KEY: "key-value-0123456789",
    MY_PASSWORD: "hunter22",
    SSH_KEY_PATH: "/tmp", // an existing path: names a key, is none
    ODD_SECRET: "/no/such/path/really-a-secret", // looks like a path, is none on disk
    HOME: "/home/someone-long", // not named like a secret
    EMPTY_KEY: "",
  };
  assert.deepEqual(secretEnvValues(env), [
    { name: "ODD_SECRET", value: "/no/such/path/really-a-secret" },
    { name: "LONG_API_KEY", value: "key-value-0123456789" },
    { name: "MY_PASSWORD", value: "hunter22" },
  ]);
});

test("object members named like secrets, and near misses that only mention one", () => {
  for (const name of ["apiKey", "api_key", "API-KEY", "secret", "secretAccessKey", "sessionToken", "password", "token", "accessToken", "clientSecret", "workloadAccessToken", "workload_identity_token"]) {
    assert.equal(isSecretMemberName(name), true, name);
  }
  for (const name of ["apiKeySecretArn", "secretArn", "keyName", "tokenEndpoint", "passwordPolicy", "accessKeyId", "tokens"]) assert.equal(isSecretMemberName(name), false, name);
});

test("API keys: sk- at the start of a word and at least 8 more characters", () => {
  assert.deepEqual(only("key sk-abcdefgh.", "api key"), ["sk-abcdefgh"]);
  assert.deepEqual(only("sk-proj-AbCdEfGhIjKlMnOp sk-local-0123456789abcdefghij", "api key"), ["sk-proj-AbCdEfGhIjKlMnOp", "sk-local-0123456789abcdefghij"]);
  assert.deepEqual(only("key sk-abcdefg.", "api key"), [], "7 characters after sk-");
  assert.deepEqual(only("task-abcdefghijkl disk-0123456789ab", "api key"), [], "not at the start of a word");
  assert.deepEqual(only("sk_abcdefghijkl", "api key"), []);
});

test("JWTs: eyJ header, payload and signature, separated by dots", () => {
  const jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl";
  assert.deepEqual(only(`Bearer ${jwt}`, "JWT"), [jwt]);
  assert.deepEqual(only("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0", "JWT"), [], "no signature part");
  assert.deepEqual(only("eyJhb.eyJzdWIiOiJ4In0.c2lnbmF0dXJl", "JWT"), [], "header too short to be JSON with an alg");
  assert.deepEqual(only("abJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl", "JWT"), [], "not a JSON header");
});

test("AWS secret access keys: exactly 40 base64 characters with lower case, upper case and a digit", () => {
  const key = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
  assert.deepEqual(only(`aws_secret_access_key = ${key}`, "AWS secret access key"), [key]);
  assert.deepEqual(only(`${key}A`, "AWS secret access key"), [], "41 characters: part of a longer run");
  assert.deepEqual(only(key.slice(1), "AWS secret access key"), [], "39 characters");
  assert.deepEqual(only("4403052a9b1c0d2e3f4a5b6c7d8e9f0a1b2c3d4e", "AWS secret access key"), [], "a hex digest has no upper case");
  assert.deepEqual(only("wJalrXUtnFEMIKMDENGbPxRfiCYEXAMPLEKEYabc", "AWS secret access key"), [], "no digit");
});

test("shapes are masked whole, in one order: a JWT before an sk- run inside it, an sk-local key before its AWS-like tail", () => {
  const jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.abc-sk-abcdefghijklmnop";
  assert.equal(replaceSecretShapes(`t=${jwt}`, (_, shape) => `<${shape}>`), "t=<JWT>");
  const local = "sk-local-" + "aB3".repeat(13) + "x"; // its 40-character tail alone would pass for an AWS secret
  assert.equal(replaceSecretShapes(local, (_, shape) => `<${shape}>`), "<api key>");
  assert.equal(replaceSecretShapes(`${local} ${jwt}`, () => "X", ["api key"]), `X ${jwt.slice(0, jwt.indexOf("-sk-") + 1)}X`, "only the shapes asked for");
});

test("masked form: first three and last four characters; under 12 characters nothing", () => {
  assert.equal(maskSecret("sk-123456789a1b2"), "sk-…a1b2");
  assert.equal(maskSecret("123456789012"), "123…9012");
  assert.equal(maskSecret("12345678901"), "****");
});
