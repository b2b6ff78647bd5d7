/**
 * State survives a restart in the same folder: the account id, the admin key, resources and
 * issued role sessions; the database holds no usable secret.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CreateRoleCommand, GetRoleCommand } from "@aws-sdk/client-iam";
import { AssumeRoleCommand, GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import { decodeAwsChunked } from "../../lib/local/protocols/body.js";
import { startTestLocal } from "../helpers/local.js";

test("account, admin key, resources and role sessions survive a restart", async () => {
  const dir = mkdtempSync(join(tmpdir(), "agentcore-local-restart-"));
  try {
    const first = await startTestLocal({ stateDir: dir });
    const trust = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { AWS: `arn:aws:iam::${first.accountId}:root` }, Action: "sts:AssumeRole" }] };
    await first.clients.iam.send(new CreateRoleCommand({ RoleName: "kept", AssumeRolePolicyDocument: JSON.stringify(trust) }));
    const c = (await first.clients.sts.send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${first.accountId}:role/kept`, RoleSessionName: "before" })))
      .Credentials!;
    const { accountId, admin } = first;
    await first.stop();

    const second = await startTestLocal({ stateDir: dir });
    try {
      assert.equal(second.accountId, accountId);
      assert.deepEqual(second.admin, admin);
      assert.notEqual(second.endpoint, "", "a new port is fine; the identity is what must persist");
      const role = await second.clients.iam.send(new GetRoleCommand({ RoleName: "kept" }));
      assert.equal(role.Role!.RoleName, "kept");
      const session = second.clientsFor({ accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: c.SessionToken! });
      const who = await session.sts.send(new GetCallerIdentityCommand({}));
      assert.equal(who.Arn, `arn:aws:sts::${accountId}:assumed-role/kept/before`);
    } finally {
      await second.stop();
    }

    // Secrets are derived from a 0600 key file, so the database holds neither secret keys nor tokens.
    const db = Buffer.concat(["state.db", "state.db-wal"].map((f) => { try { return readFileSync(join(dir, f)); } catch { return Buffer.alloc(0); } }));
    for (const secret of [admin.secretAccessKey, c.SecretAccessKey!, c.SessionToken!]) assert.equal(db.includes(Buffer.from(secret)), false);
    assert.equal(statSync(join(dir, "credentials.key")).mode & 0o777, 0o600);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("aws-chunked bodies are de-chunked, signed chunk headers and trailers included", () => {
  const body = Buffer.from(
    "6;chunk-signature=" + "a".repeat(64) + "\r\nhello \r\n" + "5\r\nworld\r\n" + "0\r\nx-amz-checksum-crc32:DUoRhQ==\r\n\r\n",
  );
  const { payload, trailers } = decodeAwsChunked(body);
  assert.equal(payload.toString(), "hello world");
  assert.deepEqual(trailers, { "x-amz-checksum-crc32": "DUoRhQ==" });
  assert.throws(() => decodeAwsChunked(Buffer.from("zz\r\nhello")), /bad chunk header/);
  assert.throws(() => decodeAwsChunked(Buffer.from("10\r\nshort\r\n0\r\n\r\n")), /shorter/);
});
