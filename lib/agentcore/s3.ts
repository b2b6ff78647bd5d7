/**
 * The code bundle's bucket and objects: `bedrock-agentcore-code-<account>-<region>`, created if
 * missing, and `<agentName>/<sha256>.zip` objects; both recorded in the ledger.
 */
import { CreateBucketCommand, DeleteBucketCommand, DeleteObjectCommand, HeadBucketCommand, HeadObjectCommand, PutObjectCommand, type BucketLocationConstraint } from "@aws-sdk/client-s3";
import { session as defaultSession } from "../session.js";
import { Ledger, scopeOf } from "./ledger.js";
import type { LibOptions } from "./identity.js";
import { errorName, isNotFound } from "./aws-errors.js";

export const codeBucketName = (accountId: string, region: string) => `bedrock-agentcore-code-${accountId}-${region}`;

export async function ensureBucket(bucket: string, opts: LibOptions = {}): Promise<"created" | "existing"> {
  const s = opts.session ?? (await defaultSession());
  const ledger = opts.ledger ?? new Ledger();
  try {
    await s.clients.s3.send(new HeadBucketCommand({ Bucket: bucket }));
    return "existing";
  } catch (e) {
    if (!isNotFound(e)) throw e;
  }
  try {
    await ledger.record(await scopeOf(s), { kind: "s3-bucket", bucket }, () =>
      s.clients.s3.send(
        new CreateBucketCommand({
          Bucket: bucket,
          // us-east-1 is the one region that takes no location constraint.
          ...(s.region !== "us-east-1" ? { CreateBucketConfiguration: { LocationConstraint: s.region as BucketLocationConstraint } } : {}),
        }),
      ),
    );
  } catch (e) {
    if (errorName(e) !== "BucketAlreadyOwnedByYou") throw e;
    return "existing";
  }
  (opts.log ?? console.log)(`Created S3 bucket ${bucket}.`);
  return "created";
}

/** Uploads unless an object with that key exists (keys are content hashes, so it is the same bytes). */
export async function uploadObject(bucket: string, key: string, body: Uint8Array, opts: LibOptions = {}): Promise<"uploaded" | "existing"> {
  const s = opts.session ?? (await defaultSession());
  const ledger = opts.ledger ?? new Ledger();
  try {
    await s.clients.s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    return "existing";
  } catch (e) {
    if (!isNotFound(e)) throw e;
  }
  await ledger.record(await scopeOf(s), { kind: "s3-object", bucket, key }, () =>
    s.clients.s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: "application/zip" })),
  );
  return "uploaded";
}

export async function deleteObject(bucket: string, key: string, opts: LibOptions = {}): Promise<boolean> {
  const s = opts.session ?? (await defaultSession());
  try {
    await s.clients.s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
  } catch (e) {
    if (isNotFound(e)) return false;
    throw e;
  }
  await s.clients.s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
  return true;
}

/** `false` when already gone; throws BucketNotEmpty when others' objects remain. */
export async function deleteBucket(bucket: string, opts: LibOptions = {}): Promise<boolean> {
  const s = opts.session ?? (await defaultSession());
  try {
    await s.clients.s3.send(new DeleteBucketCommand({ Bucket: bucket }));
    return true;
  } catch (e) {
    if (isNotFound(e)) return false;
    throw e;
  }
}
