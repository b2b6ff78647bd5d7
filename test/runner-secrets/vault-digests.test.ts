/**
 * `GET /_local/admin/vault-digests`: the admin learns SHA-256 digests and lengths of what the vault
 * holds — never a value — and nobody else learns anything (unsigned, wrong key, role session).
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { after, before, test } from "node:test";
import { CreateApiKeyCredentialProviderCommand, CreateOauth2CredentialProviderCommand } from "@aws-sdk/client-bedrock-agentcore-control";
import { AssumeRoleCommand } from "@aws-sdk/client-sts";
import { startTestLocal, type TestLocal } from "../helpers/local.js";
import { createRole } from "../runtime-control/setup.js";
import { fetchVaultDigests } from "../../lib/local/client/vault-digests.js";
import { VAULT_DIGESTS_PATH } from "../../lib/local/local-routes.js";

let local: TestLocal;
const API_KEY = "plain-vaulted-value-4242";
const CLIENT_SECRET = "oauth-client-secret-ZZZ-9876";
const sha = (v: string) => createHash("sha256").update(v, "utf8").digest("hex");

before(async () => {
  local = await startTestLocal();
  await local.clients.control.send(new CreateApiKeyCredentialProviderCommand({ name: "digest-me", apiKey: API_KEY }));
  await local.clients.control.send(
    new CreateOauth2CredentialProviderCommand({
      name: "digest-oauth",
      credentialProviderVendor: "GithubOauth2",
      oauth2ProviderConfigInput: { githubOauth2ProviderConfig: { clientId: "client-id-1", clientSecret: CLIENT_SECRET } },
    }),
  );
});
after(() => local?.stop());

const admin = () => ({ endpoint: local.endpoint, region: local.region, credentials: local.admin });

test("the admin gets digests and byte lengths of every vaulted secret, and no value", async () => {
  const digests = await fetchVaultDigests(admin());
  assert.deepEqual(
    digests.map((d) => [d.sha256, d.length]).sort(),
    [
      [sha(API_KEY), API_KEY.length],
      [sha(CLIENT_SECRET), CLIENT_SECRET.length],
    ].sort(),
  );
  const raw = await (await fetch(`${local.endpoint}${VAULT_DIGESTS_PATH}`)).text();
  assert.equal(raw.includes(API_KEY) || raw.includes(CLIENT_SECRET), false);
});

test("unsigned, wrongly signed and role-session requests are refused with 403", async () => {
  const unsigned = await fetch(`${local.endpoint}${VAULT_DIGESTS_PATH}`);
  assert.equal(unsigned.status, 403);
  assert.match(((await unsigned.json()) as { message: string }).message, /admin identity/);
  await assert.rejects(
    fetchVaultDigests({ ...admin(), credentials: { accessKeyId: local.admin.accessKeyId, secretAccessKey: "x".repeat(40) } }),
    /403.*signature does not match/,
  );
  const roleArn = await createRole(local, "digest-reader", JSON.stringify({
    Version: "2012-10-17",
    Statement: [{ Effect: "Allow", Principal: { AWS: `arn:aws:iam::${local.accountId}:root` }, Action: "sts:AssumeRole" }],
  }));
  const { Credentials: c } = await local.clients.sts.send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: "reader" }));
  await assert.rejects(
    fetchVaultDigests({ ...admin(), credentials: { accessKeyId: c!.AccessKeyId!, secretAccessKey: c!.SecretAccessKey!, sessionToken: c!.SessionToken! } as never }),
    /403.*only Local AgentCore's admin identity/,
  );
});
