/**
 * Code bundles (`codeConfiguration`): the zip in Local S3, read from its file entry by entry (never
 * whole in memory), unpacked once per runtime version into `<state>/runtimes/<runtimeId>/v<version>/`
 * (see `safe-extract.ts`: nothing is written outside that folder). Its `node_modules` is shared
 * through a dependency cache keyed by the SHA-256 of the `node_modules/` entries themselves (names,
 * modes and compressed bytes), so two bundles share a cached folder only when they carry the same
 * packages; on a cache hit those entries are not unpacked, the version folder links the cached one.
 * Nothing here touches the network.
 */
import { createHash, randomBytes } from "node:crypto";
import { existsSync, mkdirSync, renameSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import type { FileHandle } from "node:fs/promises";
import { dirname, join } from "node:path";
import { Readable } from "node:stream";
import yauzl, { type Entry, type ZipFile } from "yauzl";
import type { BundleOpener, HostedVersion } from "./ports.js";
import { FolderWriter, safeRelativePath, UnsafeEntryError } from "./safe-extract.js";

export interface PreparedBundle {
  /** The unpacked version folder (the agent's working directory). */
  dir: string;
  /** `entryPoint`, checked to exist in the bundle. */
  entryPoint: string[];
  /** What the dependency cache did for this bundle. */
  dependencies: "cached" | "unpacked-and-cached" | "in-bundle";
}

const MARKER = ".agentcore-local-bundle.json";
const isDependency = (name: string) => name === "node_modules" || name === "node_modules/" || name.startsWith("node_modules/");
const UNIX_HOST = 3;
const S_IFMT = 0o170000;
const S_IFLNK = 0o120000;
const S_IFDIR = 0o040000;
const READ_SIZE = 64 * 1024;
/** Longer symlink entries are not links a bundle needs. */
const MAX_LINK = 4096;

export class CodeBundleError extends Error {}

export const runtimesDir = (stateDir: string) => join(stateDir, "runtimes");
export const versionDir = (stateDir: string, runtimeId: string, version: string) => join(runtimesDir(stateDir), runtimeId, `v${version}`);
export const dependencyCacheDir = (stateDir: string, contentHash: string) => join(runtimesDir(stateDir), ".dependency-cache", contentHash);

// One preparation per version folder at a time (two sessions may start together).
const pending = new Map<string, Promise<PreparedBundle>>();

export function prepareCodeBundle(stateDir: string, openBundle: BundleOpener, version: HostedVersion): Promise<PreparedBundle> {
  const dir = versionDir(stateDir, version.agentRuntimeId, version.agentRuntimeVersion);
  let p = pending.get(dir);
  if (!p) {
    p = prepare(stateDir, openBundle, version, dir).finally(() => pending.delete(dir));
    pending.set(dir, p);
  }
  return p;
}

async function prepare(stateDir: string, openBundle: BundleOpener, version: HostedVersion, dir: string): Promise<PreparedBundle> {
  const code = version.artifact.codeConfiguration;
  if (!code?.code.s3) throw new CodeBundleError(`Version ${version.agentRuntimeVersion} of ${version.agentRuntimeId} has no code bundle in S3.`);
  const entryPoint = code.entryPoint;
  if (existsSync(join(dir, MARKER))) {
    return { dir, entryPoint, dependencies: existsSync(join(dir, "node_modules")) ? "cached" : "in-bundle" };
  }

  const { bucket, prefix } = code.code.s3;
  const where = `s3://${bucket}/${prefix}`;
  let handle: FileHandle;
  try {
    handle = await openBundle({ bucket, key: prefix });
  } catch (e) {
    throw new CodeBundleError(`The code bundle ${where} cannot be read: ${(e as Error).message}`);
  }
  let zip: ZipFile | undefined;
  try {
    let entries: Entry[];
    try {
      zip = await yauzl.fromRandomAccessReaderPromise(new HandleReader(handle), (await handle.stat()).size, {
        lazyEntries: true,
        autoClose: false,
        decodeStrings: true,
        validateEntrySizes: true,
      });
      entries = [];
      for await (const entry of zip.eachEntry()) entries.push(entry);
    } catch (e) {
      const why = (e as Error).message;
      // yauzl refuses `/…` and `..` names while listing: zip-slip, not a broken zip.
      if (/absolute path|invalid relative path/.test(why)) throw new CodeBundleError(`The code bundle ${where} has an entry outside its folder (${why}).`);
      throw new CodeBundleError(`The code bundle ${where} is not a valid zip file: ${why}`);
    }
    return await unpack(stateDir, zip, entries, entryPoint, dir, where, { bucket, prefix });
  } catch (e) {
    if (e instanceof UnsafeEntryError) throw new CodeBundleError(`${e.message} (${where})`);
    throw e;
  } finally {
    zip?.close();
    await handle.close();
  }
}

async function unpack(
  stateDir: string,
  zip: ZipFile,
  entries: Entry[],
  entryPoint: string[],
  dir: string,
  where: string,
  source: { bucket: string; prefix: string },
): Promise<PreparedBundle> {
  const deps = entries.filter((e) => isDependency(e.fileName));
  const depsHash = deps.length ? await dependencyHash(zip, deps) : undefined;
  const cacheDir = depsHash ? dependencyCacheDir(stateDir, depsHash) : undefined;
  const cacheHit = !!cacheDir && existsSync(join(cacheDir, ".complete"));

  const tmp = `${dir}.tmp-${randomBytes(4).toString("hex")}`;
  const depsTmp = cacheDir && !cacheHit ? `${cacheDir}.tmp-${randomBytes(4).toString("hex")}` : undefined;
  try {
    const own = new FolderWriter(tmp);
    // Links inside node_modules must stay inside node_modules: the cached folder is shared.
    const cached = depsTmp ? new FolderWriter(depsTmp, join(depsTmp, "node_modules")) : undefined;
    for (const entry of entries) {
      const dependency = isDependency(entry.fileName);
      if (dependency && cacheHit) continue;
      await writeEntry(zip, entry, dependency && cached ? cached : own);
    }
    let dependencies: PreparedBundle["dependencies"] = "in-bundle";
    if (cacheDir) {
      if (depsTmp) {
        mkdirSync(join(depsTmp, "node_modules"), { recursive: true });
        writeFileSync(join(depsTmp, ".complete"), `${new Date().toISOString()}\n`);
        mkdirSync(dirname(cacheDir), { recursive: true });
        try {
          renameSync(depsTmp, cacheDir);
        } catch {
          rmSync(depsTmp, { recursive: true, force: true }); // another bundle with these packages won the race
        }
        dependencies = "unpacked-and-cached";
      } else dependencies = "cached";
      symlinkSync(join(cacheDir, "node_modules"), join(tmp, "node_modules"), "dir");
    }
    for (const e of entryPoint) {
      if (!existsSync(join(tmp, safeRelativePath(e)))) {
        throw new CodeBundleError(`The entry point ${e} is not in the code bundle ${where}. Put it at the root of the zip or fix entryPoint.`);
      }
    }
    writeFileSync(join(tmp, MARKER), JSON.stringify({ ...source, dependencyHash: depsHash, unpackedAt: new Date().toISOString() }) + "\n");
    mkdirSync(dirname(dir), { recursive: true });
    rmSync(dir, { recursive: true, force: true }); // a half-prepared folder from a crash
    renameSync(tmp, dir);
    return { dir, entryPoint, dependencies };
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    if (depsTmp) rmSync(depsTmp, { recursive: true, force: true });
    throw e;
  }
}

/** Random access to the bundle's file for yauzl; the handle stays ours to close. */
class HandleReader extends yauzl.RandomAccessReader {
  constructor(private readonly handle: FileHandle) {
    super();
  }
  override _readStreamForRange(start: number, end: number): Readable {
    const handle = this.handle;
    let position = start;
    // Positional reads: the handle is never closed or moved by a stream.
    return new Readable({
      highWaterMark: READ_SIZE,
      read() {
        const n = Math.min(READ_SIZE, end - position);
        if (n <= 0) {
          this.push(null);
          return;
        }
        handle.read(Buffer.allocUnsafe(n), 0, n, position).then(
          ({ bytesRead, buffer }) => {
            if (bytesRead === 0) return this.destroy(new Error("the bundle's file ends before its zip entries do"));
            position += bytesRead;
            this.push(buffer.subarray(0, bytesRead));
          },
          (e: Error) => this.destroy(e),
        );
      },
    });
  }
  override close(callback: (err: Error | null) => void): void {
    callback(null);
  }
}

/** The unix mode an entry was zipped with (zip -y keeps links as mode 120xxx), if any. */
function unixMode(entry: Entry): number | undefined {
  const mode = entry.externalFileAttributes >>> 16;
  return entry.versionMadeBy >> 8 === UNIX_HOST && mode ? mode : undefined;
}

/** SHA-256 over the dependency entries' names, modes, methods and compressed bytes, in name order. */
async function dependencyHash(zip: ZipFile, deps: Entry[]): Promise<string> {
  const hash = createHash("sha256");
  for (const entry of [...deps].sort((a, b) => (a.fileName < b.fileName ? -1 : a.fileName > b.fileName ? 1 : 0))) {
    hash.update(`${entry.fileName}\0${unixMode(entry) ?? ""}\0${entry.compressionMethod}\0${entry.uncompressedSize}\0${entry.compressedSize}\0`);
    if (entry.compressedSize === 0) continue;
    for await (const chunk of await zip.openReadStreamPromise(entry, { decodeFileData: false })) hash.update(chunk as Buffer);
  }
  return hash.digest("hex");
}

async function writeEntry(zip: ZipFile, entry: Entry, to: FolderWriter): Promise<void> {
  const mode = unixMode(entry);
  const type = mode === undefined ? undefined : mode & S_IFMT;
  const isDir = entry.fileName.endsWith("/") || type === S_IFDIR;
  if (isDir && /^(\.\/)*\.?\/?$/.test(entry.fileName)) return; // "./": the folder itself
  const rel = safeRelativePath(entry.fileName);
  if (isDir) {
    to.dir(rel);
    return;
  }
  if (type === S_IFLNK) {
    if (entry.uncompressedSize > MAX_LINK) throw new UnsafeEntryError(`The code bundle has a symlink ${rel} with a ${entry.uncompressedSize}-byte target.`);
    const chunks: Buffer[] = [];
    for await (const c of await zip.openReadStreamPromise(entry)) chunks.push(c as Buffer);
    to.symlink(rel, Buffer.concat(chunks).toString("utf8"));
    return;
  }
  await to.file(rel, await zip.openReadStreamPromise(entry), entry.uncompressedSize, mode ? mode & 0o777 : 0o644);
}
