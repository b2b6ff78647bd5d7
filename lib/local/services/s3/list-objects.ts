/**
 * ListObjectsV2: keys in UTF-8 byte order, rolled up into CommonPrefixes at the delimiter, paged by
 * an opaque continuation token that remembers the last key or common prefix returned.
 */
import type { ContextValues, OperationHandler, Shape } from "../../service.js";
import { invalidArgument } from "./errors.js";
import { bucketArn, compareKeys } from "./naming.js";
import { listObjects, requireBucket, type StoredObject } from "./state.js";

const MAX_KEYS = 1000;

interface Resume {
  /** Entries up to and including this key (or common prefix) were returned. */
  after: string;
  /** Set when `after` was a common prefix: every key under it was rolled into it. */
  skipPrefix?: string;
}

export interface ListRequest {
  prefix: string;
  delimiter?: string;
  maxKeys: number;
  startAfter?: string;
  resume?: Resume;
}

export interface ListResult {
  contents: StoredObject[];
  commonPrefixes: string[];
  truncated: boolean;
  next?: Resume;
}

/** The listing itself, over objects already narrowed to the prefix and sorted. */
export function listPage(objects: StoredObject[], req: ListRequest): ListResult {
  const contents: StoredObject[] = [];
  const commonPrefixes: string[] = [];
  const after = req.resume?.after ?? req.startAfter;
  let last: Resume | undefined;
  for (const obj of objects) {
    const key = obj.Key;
    if (after !== undefined && compareKeys(key, after) <= 0) continue;
    if (req.resume?.skipPrefix !== undefined && key.startsWith(req.resume.skipPrefix)) continue;
    const cut = req.delimiter ? key.indexOf(req.delimiter, req.prefix.length) : -1;
    const common = cut >= 0 ? key.slice(0, cut + req.delimiter!.length) : undefined;
    if (common !== undefined && common === commonPrefixes[commonPrefixes.length - 1]) continue;
    if (contents.length + commonPrefixes.length >= req.maxKeys) {
      return { contents, commonPrefixes, truncated: req.maxKeys > 0, ...(last && req.maxKeys > 0 ? { next: last } : {}) };
    }
    if (common !== undefined) {
      commonPrefixes.push(common);
      last = { after: common, skipPrefix: common };
    } else {
      contents.push(obj);
      last = { after: key };
    }
  }
  return { contents, commonPrefixes, truncated: false };
}

export const listObjectsV2: OperationHandler = (input, ctx) => {
  const bucket = input.Bucket as string;
  const prefix = (input.Prefix as string | undefined) ?? "";
  const delimiter = (input.Delimiter as string | undefined) || undefined;
  ctx.authorize("s3:ListBucket", bucketArn(bucket), conditionKeys(input));
  const requestedMax = input.MaxKeys as number | undefined;
  if (requestedMax !== undefined && (requestedMax < 0 || !Number.isInteger(requestedMax))) {
    throw invalidArgument("Argument maxKeys must be an integer between 0 and 2147483647", "maxKeys", String(requestedMax));
  }
  const token = input.ContinuationToken as string | undefined;
  const resume = token === undefined ? undefined : decodeToken(token);
  requireBucket(ctx.local.store, bucket);
  const result = listPage(listObjects(ctx.local.store, bucket, prefix), {
    prefix,
    ...(delimiter !== undefined ? { delimiter } : {}),
    maxKeys: Math.min(requestedMax ?? MAX_KEYS, MAX_KEYS),
    ...(input.StartAfter !== undefined ? { startAfter: input.StartAfter as string } : {}),
    ...(resume ? { resume } : {}),
  });
  const url = input.EncodingType === "url";
  const enc = (s: string): string => (url ? encodeKey(s) : s);
  const out: Shape = {
    Name: bucket,
    Prefix: enc(prefix),
    MaxKeys: requestedMax ?? MAX_KEYS,
    KeyCount: result.contents.length + result.commonPrefixes.length,
    IsTruncated: result.truncated,
    Contents: result.contents.map((o) => ({
      Key: enc(o.Key),
      LastModified: new Date(o.LastModified),
      ETag: o.ETag,
      ChecksumAlgorithm: ["CRC32"],
      ChecksumType: "FULL_OBJECT",
      Size: o.Size,
      StorageClass: "STANDARD",
    })),
    CommonPrefixes: result.commonPrefixes.map((p) => ({ Prefix: enc(p) })),
  };
  if (delimiter !== undefined) out.Delimiter = enc(delimiter);
  if (url) out.EncodingType = "url";
  if (token !== undefined) out.ContinuationToken = token;
  if (result.next) out.NextContinuationToken = encodeToken(result.next);
  if (input.StartAfter !== undefined) out.StartAfter = enc(input.StartAfter as string);
  return out;
};

/** The `s3:prefix`, `s3:delimiter` and `s3:max-keys` condition keys AWS sets for ListBucket. */
function conditionKeys(input: Shape): ContextValues {
  const ctx: ContextValues = {};
  if (input.Prefix !== undefined) ctx["s3:prefix"] = input.Prefix as string;
  if (input.Delimiter !== undefined) ctx["s3:delimiter"] = input.Delimiter as string;
  if (input.MaxKeys !== undefined) ctx["s3:max-keys"] = String(input.MaxKeys);
  return ctx;
}

/** S3's `encoding-type=url`: percent-encoding as in a form (space as `+`), `/` kept. */
const encodeKey = (s: string): string => encodeURIComponent(s).replace(/%20/g, "+").replace(/%2F/g, "/");

const encodeToken = (resume: Resume): string => Buffer.from(JSON.stringify(resume), "utf8").toString("base64");

function decodeToken(token: string): Resume {
  try {
    const r = JSON.parse(Buffer.from(token, "base64").toString("utf8")) as Resume;
    if (typeof r.after === "string" && (r.skipPrefix === undefined || typeof r.skipPrefix === "string")) return r;
  } catch {
    // fall through to S3's error
  }
  throw invalidArgument("The continuation token provided is incorrect", "continuation-token", token);
}
