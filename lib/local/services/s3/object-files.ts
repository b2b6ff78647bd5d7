/**
 * The bytes of S3 objects on disk, under `<stateDir>/s3/<bucket>/`.
 *
 * Each write goes to a temp file, is fsynced, then renamed to a fresh generation file
 * `<sha256 of key>.<generation>`; the caller commits the object record pointing at it and only
 * then removes the previous generation. A crash at any point leaves the record pointing at a
 * complete file (old or new); the files no record points at are swept on the next start.
 */
import { createHash, randomBytes } from "node:crypto";
import { mkdirSync, readdirSync, rmSync, unlinkSync } from "node:fs";
import { mkdir, open, rename, rm, unlink, type FileHandle } from "node:fs/promises";
import { join, relative } from "node:path";
import type { Readable } from "node:stream";
import { crc32 } from "node:zlib";

export interface WrittenFile {
  /** Relative to the state folder (what `S3ObjectRecord.file` holds). */
  file: string;
  size: number;
  md5: Buffer;
  sha256: Buffer;
  sha1: Buffer;
  crc32: number;
}

export type BodyInput = Buffer | Uint8Array | string | Readable | undefined;

const TEMP_PREFIX = ".tmp-";

export class ObjectFiles {
  constructor(private readonly stateDir: string) {}

  bucketDir(bucket: string): string {
    return join(this.stateDir, "s3", bucket);
  }

  absolute(file: string): string {
    return join(this.stateDir, file);
  }

  /**
   * Writes the body durably under a new generation name and returns its digests. `accept` sees the
   * digests before the file becomes visible under its final name and may throw (a bad Content-MD5):
   * the temp file is then removed.
   */
  async write(bucket: string, key: string, body: BodyInput, accept: (f: Omit<WrittenFile, "file">) => void): Promise<WrittenFile> {
    const dir = this.bucketDir(bucket);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const temp = join(dir, `${TEMP_PREFIX}${randomBytes(8).toString("hex")}`);
    const final = join(dir, `${keyHash(key)}.${randomBytes(6).toString("hex")}`);
    const handle = await open(temp, "wx", 0o600);
    try {
      const digests = await writeAll(handle, body);
      await handle.sync();
      await handle.close();
      accept(digests);
      await rename(temp, final);
      await syncDir(dir);
      return { file: relative(this.stateDir, final), ...digests };
    } catch (e) {
      await handle.close().catch(() => undefined);
      await rm(temp, { force: true });
      throw e;
    }
  }

  /** Opens a file for reading; undefined when it is gone (a concurrent overwrite removed it). */
  async openForRead(file: string): Promise<FileHandle | undefined> {
    try {
      return await open(this.absolute(file), "r");
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw e;
    }
  }

  async remove(file: string): Promise<void> {
    await unlink(this.absolute(file)).catch((e: NodeJS.ErrnoException) => {
      if (e.code !== "ENOENT") throw e;
    });
  }

  removeBucketDir(bucket: string): void {
    rmSync(this.bucketDir(bucket), { recursive: true, force: true });
  }

  /**
   * Removes temp files and generations no record points at (left by a crash). Synchronous, so
   * run it before this process starts any write.
   */
  sweep(referenced: Set<string>): number {
    const root = join(this.stateDir, "s3");
    mkdirSync(root, { recursive: true, mode: 0o700 });
    let removed = 0;
    for (const bucket of readdirSync(root, { withFileTypes: true })) {
      if (!bucket.isDirectory()) continue;
      for (const entry of readdirSync(join(root, bucket.name))) {
        const file = relative(this.stateDir, join(root, bucket.name, entry));
        if (referenced.has(file)) continue;
        unlinkSync(join(root, bucket.name, entry));
        removed++;
      }
    }
    return removed;
  }
}

const keyHash = (key: string): string => createHash("sha256").update(key, "utf8").digest("hex");

async function writeAll(handle: FileHandle, body: BodyInput): Promise<Omit<WrittenFile, "file">> {
  const md5 = createHash("md5");
  const sha256 = createHash("sha256");
  const sha1 = createHash("sha1");
  let crc = 0;
  let size = 0;
  const take = async (chunk: Uint8Array): Promise<void> => {
    md5.update(chunk);
    sha256.update(chunk);
    sha1.update(chunk);
    crc = crc32(chunk, crc);
    size += chunk.length;
    let offset = 0;
    while (offset < chunk.length) offset += (await handle.write(chunk, offset, chunk.length - offset)).bytesWritten;
  };
  if (body === undefined) {
    // an empty object
  } else if (typeof body === "string") {
    await take(Buffer.from(body, "utf8"));
  } else if (body instanceof Uint8Array) {
    await take(body);
  } else {
    for await (const chunk of body) await take(typeof chunk === "string" ? Buffer.from(chunk, "utf8") : (chunk as Uint8Array));
  }
  return { size, md5: md5.digest(), sha256: sha256.digest(), sha1: sha1.digest(), crc32: crc };
}

async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
