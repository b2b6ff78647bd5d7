import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { CreateRoleCommand, PutRolePolicyCommand } from "@aws-sdk/client-iam";
import { AssumeRoleCommand } from "@aws-sdk/client-sts";
import { startTestLocal, type TestLocal } from "../helpers/local.js";

type SdkError = Error & { $metadata?: { httpStatusCode?: number } };

describe("S3 enforces IAM for role sessions", () => {
  let local: TestLocal;
  let asRole: S3Client;
  const bucket = "authz-bucket";
  before(async () => {
    local = await startTestLocal();
    await local.clients.s3.send(new CreateBucketCommand({ Bucket: bucket }));
    await local.clients.s3.send(new PutObjectCommand({ Bucket: bucket, Key: "code/agent.zip", Body: "zip" }));
    const trust = JSON.stringify({
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Principal: { AWS: `arn:aws:iam::${local.accountId}:root` }, Action: "sts:AssumeRole" }],
    });
    const role = await local.clients.iam.send(new CreateRoleCommand({ RoleName: "deployer", AssumeRolePolicyDocument: trust }));
    const { Credentials: c } = await local.clients.sts.send(new AssumeRoleCommand({ RoleArn: role.Role!.Arn!, RoleSessionName: "deploy" }));
    asRole = local.clientsFor({ accessKeyId: c!.AccessKeyId!, secretAccessKey: c!.SecretAccessKey!, sessionToken: c!.SessionToken! }).s3;
  });
  after(() => local.stop());

  const denied = (action: string, resource: string) => (e: SdkError) => {
    assert.equal(e.name, "AccessDenied", e.message);
    assert.equal(e.$metadata?.httpStatusCode, 403);
    assert.ok(e.message.includes(`not authorized to perform: ${action} on resource: ${resource}`), e.message);
    return true;
  };

  const allow = (statements: object[]) =>
    local.clients.iam.send(
      new PutRolePolicyCommand({ RoleName: "deployer", PolicyName: "s3", PolicyDocument: JSON.stringify({ Version: "2012-10-17", Statement: statements }) }),
    );

  it("maps operations to AWS's actions and ARNs, denied until a policy allows them", async () => {
    await assert.rejects(asRole.send(new PutObjectCommand({ Bucket: bucket, Key: "code/new.zip", Body: "x" })), denied("s3:PutObject", `arn:aws:s3:::${bucket}/code/new.zip`));
    await assert.rejects(asRole.send(new GetObjectCommand({ Bucket: bucket, Key: "code/agent.zip" })), denied("s3:GetObject", `arn:aws:s3:::${bucket}/code/agent.zip`));
    await assert.rejects(asRole.send(new ListObjectsV2Command({ Bucket: bucket })), denied("s3:ListBucket", `arn:aws:s3:::${bucket}`));

    await allow([{ Effect: "Allow", Action: ["s3:PutObject", "s3:GetObject"], Resource: `arn:aws:s3:::${bucket}/code/*` }]);
    await asRole.send(new PutObjectCommand({ Bucket: bucket, Key: "code/new.zip", Body: "x" }));
    const got = await asRole.send(new GetObjectCommand({ Bucket: bucket, Key: "code/new.zip" }));
    assert.equal(await got.Body!.transformToString(), "x");
    await assert.rejects(asRole.send(new PutObjectCommand({ Bucket: bucket, Key: "other/new.zip", Body: "x" })), denied("s3:PutObject", `arn:aws:s3:::${bucket}/other/new.zip`));
  });

  it("hides a missing key behind 403 without s3:ListBucket, and says NoSuchKey with it", async () => {
    await allow([{ Effect: "Allow", Action: "s3:GetObject", Resource: `arn:aws:s3:::${bucket}/*` }]);
    await assert.rejects(asRole.send(new GetObjectCommand({ Bucket: bucket, Key: "code/missing.zip" })), denied("s3:ListBucket", `arn:aws:s3:::${bucket}`));
    await allow([
      { Effect: "Allow", Action: "s3:GetObject", Resource: `arn:aws:s3:::${bucket}/*` },
      { Effect: "Allow", Action: "s3:ListBucket", Resource: `arn:aws:s3:::${bucket}` },
    ]);
    await assert.rejects(asRole.send(new GetObjectCommand({ Bucket: bucket, Key: "code/missing.zip" })), (e: Error) => e.name === "NoSuchKey");
  });

  it("passes s3:prefix to ListBucket conditions", async () => {
    await allow([
      { Effect: "Allow", Action: "s3:ListBucket", Resource: `arn:aws:s3:::${bucket}`, Condition: { StringLike: { "s3:prefix": "code/*" } } },
    ]);
    const listed = await asRole.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: "code/" }));
    assert.deepEqual(listed.Contents?.map((c) => c.Key), ["code/agent.zip", "code/new.zip"]);
    await assert.rejects(asRole.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: "other/" })), denied("s3:ListBucket", `arn:aws:s3:::${bucket}`));
  });
});
