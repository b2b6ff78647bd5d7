/**
 * In-process access to S3 objects for the runtime host (code bundles). No IAM check: the caller is
 * Local AgentCore itself, acting as the service after its own authorization.
 */
import type { FileHandle } from "node:fs/promises";
import type { LocalServices } from "../../service.js";
import { noSuchKey } from "./errors.js";
import { getObject, objectFiles, requireBucket } from "./state.js";

/** The object's bytes; throws NoSuchBucket / NoSuchKey (AwsError) when it is not there. */
export async function readObject(local: LocalServices, bucket: string, key: string): Promise<Buffer> {
  const handle = await openObject(local, bucket, key);
  try {
    return await handle.readFile();
  } finally {
    await handle.close();
  }
}

/**
 * The object's file, open for reading (the caller closes it); it stays readable even if an
 * overwrite removes the file meanwhile. Throws like `readObject`.
 */
export async function openObject(local: LocalServices, bucket: string, key: string): Promise<FileHandle> {
  const files = objectFiles(local);
  let missing: string | undefined;
  for (let attempt = 0; attempt < 5; attempt++) {
    requireBucket(local.store, bucket);
    const obj = getObject(local.store, bucket, key);
    if (!obj) throw noSuchKey(key);
    if (obj.file === missing) break; // not a race: the bytes are gone
    const handle = await files.openForRead(obj.file);
    if (!handle) {
      missing = obj.file; // perhaps overwritten meanwhile: read the new record
      continue;
    }
    return handle;
  }
  throw new Error(`s3://${bucket}/${key}: its bytes are missing from the state folder (${missing ?? "?"})`);
}

export function objectExists(local: LocalServices, bucket: string, key: string): boolean {
  return getObject(local.store, bucket, key) !== undefined;
}
