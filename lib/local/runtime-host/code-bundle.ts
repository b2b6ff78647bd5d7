/**
 * Code bundles (`codeConfiguration`): the zip in Local S3 (read through the host's bundle reader) unpacked once per runtime version into
 * `<state>/runtimes/<runtimeId>/v<version>/`, with its `node_modules` shared through a dependency
 * cache keyed by the SHA-256 of the bundle's `package-lock.json`: on a cache hit the bundle's
 * `node_modules/` entries are not unpacked at all, the version folder links the cached folder.
 * Nothing here touches the network.
 */
import { createHash, randomBytes } from "node:crypto";
import { existsSync, mkdirSync, renameSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { dirname, isAbsolute, join, normalize, sep } from "node:path";
import { unzipSync } from "fflate";
import type { BundleReader, HostedVersion } from "./ports.js";
import { S_IFLNK, S_IFMT, zipModes } from "./zip-modes.js";

export interface PreparedBundle {
  /** The unpacked version folder (the agent's working directory). */
  dir: string;
  /** `entryPoint`, checked to exist in the bundle. */
  entryPoint: string[];
  /** What the dependency cache did for this bundle. */
  dependencies: "cached" | "unpacked-and-cached" | "in-bundle";
}

const MARKER = ".agentcore-local-bundle.json";
const LOCKFILE = "package-lock.json";
const isDependency = (name: string) => name === "node_modules" || name === "node_modules/" || name.startsWith("node_modules/");

export class CodeBundleError extends Error {}

export const runtimesDir = (stateDir: string) => join(stateDir, "runtimes");
export const versionDir = (stateDir: string, runtimeId: string, version: string) => join(runtimesDir(stateDir), runtimeId, `v${version}`);
export const dependencyCacheDir = (stateDir: string, lockHash: string) => join(runtimesDir(stateDir), ".dependency-cache", lockHash);

// One preparation per version folder at a time (two sessions may start together).
const pending = new Map<string, Promise<PreparedBundle>>();

export function prepareCodeBundle(stateDir: string, readBundle: BundleReader, version: HostedVersion): Promise<PreparedBundle> {
  const dir = versionDir(stateDir, version.agentRuntimeId, version.agentRuntimeVersion);
  let p = pending.get(dir);
  if (!p) {
    p = prepare(stateDir, readBundle, version, dir).finally(() => pending.delete(dir));
    pending.set(dir, p);
  }
  return p;
}

async function prepare(stateDir: string, readBundle: BundleReader, version: HostedVersion, dir: string): Promise<PreparedBundle> {
  const code = version.artifact.codeConfiguration;
  if (!code?.code.s3) throw new CodeBundleError(`Version ${version.agentRuntimeVersion} of ${version.agentRuntimeId} has no code bundle in S3.`);
  const entryPoint = code.entryPoint;
  if (existsSync(join(dir, MARKER))) {
    return { dir, entryPoint, dependencies: existsSync(join(dir, "node_modules")) ? "cached" : "in-bundle" };
  }

  const { bucket, prefix } = code.code.s3;
  let zip: Buffer;
  try {
    zip = await readBundle({ bucket, key: prefix });
  } catch (e) {
    throw new CodeBundleError(`The code bundle s3://${bucket}/${prefix} cannot be read: ${(e as Error).message}`);
  }

  let lock: Uint8Array | undefined;
  try {
    lock = unzipSync(zip, { filter: (f) => f.name === LOCKFILE })[LOCKFILE];
  } catch (e) {
    throw new CodeBundleError(`The code bundle s3://${bucket}/${prefix} is not a valid zip file: ${(e as Error).message}`);
  }
  const lockHash = lock ? createHash("sha256").update(lock).digest("hex") : undefined;
  const cacheDir = lockHash ? dependencyCacheDir(stateDir, lockHash) : undefined;
  const cacheHit = !!cacheDir && existsSync(join(cacheDir, ".complete"));

  const modes = zipModes(zip);
  const files = unzipSync(zip, { filter: (f) => !(cacheHit && isDependency(f.name)) });
  const tmp = `${dir}.tmp-${randomBytes(4).toString("hex")}`;
  const depsTmp = cacheDir && !cacheHit ? `${cacheDir}.tmp-${randomBytes(4).toString("hex")}` : undefined;
  try {
    for (const [name, data] of Object.entries(files)) {
      const toCache = depsTmp && isDependency(name);
      writeEntry(toCache ? depsTmp : tmp, name, data, modes.get(name));
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
          rmSync(depsTmp, { recursive: true, force: true }); // another bundle with this lockfile won the race
        }
        dependencies = "unpacked-and-cached";
      } else dependencies = "cached";
      mkdirSync(tmp, { recursive: true });
      symlinkSync(join(cacheDir, "node_modules"), join(tmp, "node_modules"), "dir");
    }
    for (const e of entryPoint) {
      if (!existsSync(join(tmp, safePath(e)))) {
        throw new CodeBundleError(`The entry point ${e} is not in the code bundle s3://${bucket}/${prefix}. Put it at the root of the zip or fix entryPoint.`);
      }
    }
    writeFileSync(join(tmp, MARKER), JSON.stringify({ bucket, prefix, lockHash, unpackedAt: new Date().toISOString() }) + "\n");
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

/** A zip entry name as a relative path inside the folder (zip-slip refused). */
function safePath(name: string): string {
  const p = normalize(name.replace(/\\/g, "/"));
  if (isAbsolute(p) || p === ".." || p.startsWith(`..${sep}`)) throw new CodeBundleError(`The code bundle has an entry outside its folder: ${name}`);
  return p;
}

function writeEntry(root: string, name: string, data: Uint8Array, mode: number | undefined): void {
  const target = join(root, safePath(name));
  if (name.endsWith("/")) {
    mkdirSync(target, { recursive: true });
    return;
  }
  mkdirSync(dirname(target), { recursive: true });
  if (mode !== undefined && (mode & S_IFMT) === S_IFLNK) {
    symlinkSync(Buffer.from(data).toString("utf8"), target);
    return;
  }
  writeFileSync(target, data, { mode: mode ? mode & 0o777 : 0o644 });
}
