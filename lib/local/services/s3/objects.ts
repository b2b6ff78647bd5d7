/** S3 object operations: PutObject, GetObject, HeadObject, DeleteObject, DeleteObjects. */
import { AwsError } from "../../errors.js";
import type { OperationHandler, RequestContext, Shape } from "../../service.js";
import { checkReadConditions, checkWriteConditions } from "./conditions.js";
import { noSuchBucket, noSuchKey, notFound } from "./errors.js";
import { crc32Base64, verifyUpload } from "./integrity.js";
import { bucketArn, isValidKey, objectArn } from "./naming.js";
import { parseRange } from "./range.js";
import { OBJECT_KIND, getObject, objectFiles, objectId, requireBucket, type StoredObject } from "./state.js";

const DEFAULT_CONTENT_TYPE = "binary/octet-stream";
const OPEN_ATTEMPTS = 5;

export const putObject: OperationHandler = async (input, ctx) => {
  const { Bucket: bucket, Key: key } = input as { Bucket: string; Key: string };
  if (!isValidKey(key)) throw new AwsError("KeyTooLongError", "Your key is too long", 400, { Size: String(Buffer.byteLength(key)), MaxSizeAllowed: "1024" });
  ctx.authorize("s3:PutObject", objectArn(bucket, key));
  const store = ctx.local.store;
  requireBucket(store, bucket);
  const files = objectFiles(ctx.local);
  // Checksums sent as aws-chunked trailers are known only once the streamed body has ended.
  const written = await files.write(bucket, key, input.Body, (digests) => verifyUpload({ ...input, ...trailingChecksums(input.Body) }, digests)).catch((e: NodeJS.ErrnoException) => {
    // DeleteBucket removed the bucket's folder while the bytes were being written.
    throw e.code === "ENOENT" ? noSuchBucket(bucket) : e;
  });
  const record: StoredObject = {
    Bucket: bucket,
    Key: key,
    Size: written.size,
    ETag: `"${written.md5.toString("hex")}"`,
    ContentType: (input.ContentType as string | undefined) ?? DEFAULT_CONTENT_TYPE,
    LastModified: ctx.local.now().toISOString(),
    Metadata: { ...((input.Metadata as Record<string, string> | undefined) ?? {}) },
    file: written.file,
    ChecksumCRC32: crc32Base64(written.crc32),
    ...storedHeaders(input),
  };
  let previous: StoredObject | undefined;
  try {
    previous = store.tx(() => {
      requireBucket(store, bucket);
      const existing = getObject(store, bucket, key);
      checkWriteConditions(input, key, existing);
      store.put(OBJECT_KIND, objectId(bucket, key), record);
      return existing;
    });
  } catch (e) {
    await files.remove(written.file);
    throw e;
  }
  // Only now, with the record committed to the new file, is the previous generation garbage.
  if (previous && previous.file !== written.file) await files.remove(previous.file);
  return { ETag: record.ETag, ChecksumCRC32: record.ChecksumCRC32, ChecksumType: "FULL_OBJECT" };
};

const TRAILER_MEMBERS: Record<string, string> = {
  "x-amz-checksum-crc32": "ChecksumCRC32",
  "x-amz-checksum-crc32c": "ChecksumCRC32C",
  "x-amz-checksum-crc64nvme": "ChecksumCRC64NVME",
  "x-amz-checksum-sha1": "ChecksumSHA1",
  "x-amz-checksum-sha256": "ChecksumSHA256",
};

/** The checksum members a streamed body's trailing headers carry (none for a body read whole). */
function trailingChecksums(body: unknown): Shape {
  const trailers = (body as { trailers?: Record<string, string> } | undefined)?.trailers;
  const out: Shape = {};
  for (const [name, value] of Object.entries(trailers ?? {})) if (TRAILER_MEMBERS[name]) out[TRAILER_MEMBERS[name]!] = value;
  return out;
}

/** Content-* headers S3 stores with the object; `aws-chunked` is transfer framing, not the object's encoding. */
function storedHeaders(input: Shape): Partial<StoredObject> {
  const encoding = (input.ContentEncoding as string | undefined)
    ?.split(",")
    .map((e) => e.trim())
    .filter((e) => e !== "" && e !== "aws-chunked")
    .join(", ");
  return {
    ...(input.CacheControl !== undefined ? { CacheControl: input.CacheControl as string } : {}),
    ...(input.ContentDisposition !== undefined ? { ContentDisposition: input.ContentDisposition as string } : {}),
    ...(encoding ? { ContentEncoding: encoding } : {}),
    ...(input.ContentLanguage !== undefined ? { ContentLanguage: input.ContentLanguage as string } : {}),
  };
}

export const getObjectOp: OperationHandler = async (input, ctx) => {
  const { Bucket: bucket, Key: key } = input as { Bucket: string; Key: string };
  ctx.authorize("s3:GetObject", objectArn(bucket, key));
  const files = objectFiles(ctx.local);
  // The record and the file it names are read apart: a concurrent overwrite may remove that file
  // in between, so read the record again and retry.
  let missing: string | undefined;
  for (let attempt = 0; attempt < OPEN_ATTEMPTS; attempt++) {
    const obj = readableObject(input, ctx, "GET");
    if (obj.file === missing) break; // not a race: the bytes are gone
    const range = parseRange(input.Range as string | undefined, obj.Size);
    const handle = await files.openForRead(obj.file);
    if (!handle) {
      missing = obj.file;
      continue;
    }
    const body = handle.createReadStream(range ? { start: range.start, end: range.end } : {});
    return { Body: body, ...objectHeaders(input, obj, range) };
  }
  ctx.local.log(`s3: the bytes of s3://${bucket}/${key} are missing from the state folder (${missing ?? "?"})`);
  throw new AwsError("InternalError", "We encountered an internal error. Please try again.", 500);
};

export const headObject: OperationHandler = (input, ctx) => {
  const { Bucket: bucket, Key: key } = input as { Bucket: string; Key: string };
  ctx.authorize("s3:GetObject", objectArn(bucket, key));
  const obj = readableObject(input, ctx, "HEAD");
  return objectHeaders(input, obj, parseRange(input.Range as string | undefined, obj.Size));
};

/** The object after existence and conditional checks, with S3's answers when it is missing. */
function readableObject(input: Shape, ctx: RequestContext, method: "GET" | "HEAD"): StoredObject {
  const { Bucket: bucket, Key: key } = input as { Bucket: string; Key: string };
  const store = ctx.local.store;
  if (method === "HEAD" && !store.get("s3-bucket", bucket)) throw notFound();
  requireBucket(store, bucket);
  const obj = getObject(store, bucket, key);
  if (!obj) {
    // Without s3:ListBucket S3 answers 403, so a missing key is not revealed.
    ctx.authorize("s3:ListBucket", bucketArn(bucket));
    throw method === "HEAD" ? notFound() : noSuchKey(key);
  }
  checkReadConditions(input, obj);
  return obj;
}

function objectHeaders(input: Shape, obj: StoredObject, range: { start: number; end: number } | undefined): Shape {
  const wantsChecksum = input.ChecksumMode === "ENABLED" && !range;
  return {
    AcceptRanges: "bytes",
    LastModified: new Date(obj.LastModified),
    ContentLength: range ? range.end - range.start + 1 : obj.Size,
    ETag: obj.ETag,
    ...(range ? { ContentRange: `bytes ${range.start}-${range.end}/${obj.Size}` } : {}),
    ContentType: (input.ResponseContentType as string | undefined) ?? obj.ContentType,
    ...optional("CacheControl", (input.ResponseCacheControl as string | undefined) ?? obj.CacheControl),
    ...optional("ContentDisposition", (input.ResponseContentDisposition as string | undefined) ?? obj.ContentDisposition),
    ...optional("ContentEncoding", (input.ResponseContentEncoding as string | undefined) ?? obj.ContentEncoding),
    ...optional("ContentLanguage", (input.ResponseContentLanguage as string | undefined) ?? obj.ContentLanguage),
    ...(input.ResponseExpires !== undefined ? { Expires: input.ResponseExpires } : {}),
    ...(wantsChecksum ? { ChecksumCRC32: obj.ChecksumCRC32, ChecksumType: "FULL_OBJECT" } : {}),
    Metadata: { ...obj.Metadata },
  };
}

const optional = (name: string, value: string | undefined): Shape => (value === undefined ? {} : { [name]: value });

/** Idempotent: deleting a missing key still answers 204. */
export const deleteObject: OperationHandler = async (input, ctx) => {
  const { Bucket: bucket, Key: key } = input as { Bucket: string; Key: string };
  ctx.authorize("s3:DeleteObject", objectArn(bucket, key));
  const removed = deleteRecord(ctx, bucket, key);
  if (removed) await objectFiles(ctx.local).remove(removed.file);
  return {};
};

const MAX_DELETE_KEYS = 1000;

export const deleteObjects: OperationHandler = async (input, ctx) => {
  const bucket = input.Bucket as string;
  const { Objects: objects, Quiet: quiet } = input.Delete as { Objects: { Key: string }[]; Quiet?: boolean };
  if (objects.length === 0 || objects.length > MAX_DELETE_KEYS) {
    throw new AwsError("MalformedXML", "The XML you provided was not well-formed or did not validate against our published schema", 400);
  }
  requireBucket(ctx.local.store, bucket);
  const deleted: Shape[] = [];
  const errors: Shape[] = [];
  const files: string[] = [];
  for (const { Key: key } of objects) {
    const decision = ctx.local.authorizer.decide(ctx.principal, "s3:DeleteObject", objectArn(bucket, key));
    if (decision !== "Allowed") {
      errors.push({ Key: key, Code: "AccessDenied", Message: "Access Denied" });
      continue;
    }
    const removed = deleteRecord(ctx, bucket, key);
    if (removed) files.push(removed.file);
    if (!quiet) deleted.push({ Key: key });
  }
  const store = objectFiles(ctx.local);
  for (const file of files) await store.remove(file);
  return { Deleted: deleted, Errors: errors };
};

function deleteRecord(ctx: RequestContext, bucket: string, key: string): StoredObject | undefined {
  const store = ctx.local.store;
  return store.tx(() => {
    requireBucket(store, bucket);
    const existing = getObject(store, bucket, key);
    if (existing) store.delete(OBJECT_KIND, objectId(bucket, key));
    return existing;
  });
}
