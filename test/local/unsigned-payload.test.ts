/**
 * `x-amz-content-sha256: UNSIGNED-PAYLOAD` leaves the body out of the signature. AWS accepts that
 * for S3 only; every other service hashes the body it received, so a request signed that way fails
 * its signature check there. The exploit: sign once with UNSIGNED-PAYLOAD, then send any body under
 * that signature (here, to create a credential provider or a role the signer never asked for).
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { CreateBucketCommand, GetObjectCommand } from "@aws-sdk/client-s3";
import { GetRoleCommand } from "@aws-sdk/client-iam";
import { GetApiKeyCredentialProviderCommand } from "@aws-sdk/client-bedrock-agentcore-control";
import { startTestLocal, type TestLocal } from "../helpers/local.js";
import { errorCodeOf, send, signCall, type RawCall } from "../reliability/signed-request.js";

const TRUST = JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Service: "bedrock-agentcore.amazonaws.com" }, Action: "sts:AssumeRole" }] });
const UNSIGNED = { "x-amz-content-sha256": "UNSIGNED-PAYLOAD" };

describe("UNSIGNED-PAYLOAD is accepted for S3 only", () => {
  let t: TestLocal;

  before(async () => {
    t = await startTestLocal();
  });
  after(() => t?.stop());

  /** Signs `call` with UNSIGNED-PAYLOAD, then sends `body` instead of the signed one. */
  const sendUnsigned = async (service: string, call: RawCall, body: string) => {
    const signed = await signCall(t.endpoint, { ...call, headers: { ...call.headers, ...UNSIGNED } }, { service, region: t.region, credentials: t.admin });
    return send(t.endpoint, { ...signed, headers: { ...signed.headers, "content-length": String(Buffer.byteLength(body)) }, body: Buffer.from(body) });
  };

  it("a JSON service (bedrock-agentcore control plane): InvalidSignatureException, nothing created", async () => {
    const res = await sendUnsigned(
      "bedrock-agentcore",
      { method: "POST", path: "/identities/CreateApiKeyCredentialProvider", headers: { "content-type": "application/json" }, body: '{"name":"signed","apiKey":"sk-a"}' },
      '{"name":"swapped","apiKey":"sk-attacker"}',
    );
    assert.equal(res.status, 403, res.body.toString());
    assert.equal(errorCodeOf(res), "InvalidSignatureException");
    assert.match(res.body.toString(), /signature we calculated does not match/);
    for (const name of ["signed", "swapped"]) {
      await assert.rejects(t.clients.control.send(new GetApiKeyCredentialProviderCommand({ name })), { name: "ResourceNotFoundException" });
    }
  });

  it("a query service (IAM): SignatureDoesNotMatch, nothing created", async () => {
    const form = (name: string) =>
      `Action=CreateRole&Version=2010-05-08&RoleName=${name}&AssumeRolePolicyDocument=${encodeURIComponent(TRUST)}`;
    const res = await sendUnsigned("iam", { method: "POST", path: "/", headers: { "content-type": "application/x-www-form-urlencoded" }, body: form("signed") }, form("swapped"));
    assert.equal(res.status, 403, res.body.toString());
    assert.equal(errorCodeOf(res), "SignatureDoesNotMatch");
    await assert.rejects(t.clients.iam.send(new GetRoleCommand({ RoleName: "swapped" })), { name: "NoSuchEntityException" });
  });

  it("S3 still accepts it (as AWS does): PutObject stores the bytes sent", async () => {
    await t.clients.s3.send(new CreateBucketCommand({ Bucket: "unsigned-ok" }));
    const res = await sendUnsigned("s3", { method: "PUT", path: "/unsigned-ok/object.txt", body: "" }, "payload bytes");
    assert.equal(res.status, 200, res.body.toString());
    const got = await t.clients.s3.send(new GetObjectCommand({ Bucket: "unsigned-ok", Key: "object.txt" }));
    assert.equal(await got.Body!.transformToString(), "payload bytes");
  });
});
