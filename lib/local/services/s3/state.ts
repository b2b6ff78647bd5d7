/**
 * S3's records in the store (kinds `s3-bucket`, `s3-object`, shapes shared in `records.ts`) and the
 * object files beside them. The first S3 access of a Local AgentCore instance sweeps the files a
 * crash left behind.
 */
import type { S3BucketRecord, S3ObjectRecord } from "../../state/records.js";
import type { LocalServices } from "../../service.js";
import type { Store } from "../../state/store.js";
import { noSuchBucket } from "./errors.js";
import { ObjectFiles } from "./object-files.js";

export const BUCKET_KIND = "s3-bucket";
export const OBJECT_KIND = "s3-object";

/** The record plus what S3 keeps for GetObject's response headers. */
export interface StoredObject extends S3ObjectRecord {
  /** Base64 of the big-endian CRC32 of the bytes (what `x-amz-checksum-crc32` carries). */
  ChecksumCRC32: string;
  CacheControl?: string;
  ContentDisposition?: string;
  ContentEncoding?: string;
  ContentLanguage?: string;
}

export const objectId = (bucket: string, key: string): string => `${bucket}/${key}`;

export function requireBucket(store: Store, bucket: string): S3BucketRecord {
  const record = store.get<S3BucketRecord>(BUCKET_KIND, bucket);
  if (!record) throw noSuchBucket(bucket);
  return record;
}

export const getObject = (store: Store, bucket: string, key: string): StoredObject | undefined =>
  store.get<StoredObject>(OBJECT_KIND, objectId(bucket, key));

/** Objects of a bucket whose key starts with `prefix`, in S3's (UTF-8 byte) order. */
export const listObjects = (store: Store, bucket: string, prefix = ""): StoredObject[] =>
  store.list<StoredObject>(OBJECT_KIND, objectId(bucket, prefix));

const swept = new WeakMap<LocalServices, ObjectFiles>();

export function objectFiles(local: LocalServices): ObjectFiles {
  let files = swept.get(local);
  if (!files) {
    files = new ObjectFiles(local.stateDir);
    const referenced = new Set(local.store.list<S3ObjectRecord>(OBJECT_KIND).map((o) => o.file));
    const removed = files.sweep(referenced);
    if (removed > 0) local.log(`s3: removed ${removed} orphaned object file(s) left by an interrupted write`);
    swept.set(local, files);
  }
  return files;
}
