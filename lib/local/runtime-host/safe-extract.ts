/**
 * Writing a zip's entries into a fresh folder without ever leaving it: every path is relative and
 * free of `..`; every parent folder is one this writer created or found to be a real directory
 * (checked with lstat, so a symlink entry `esc -> /outside` followed by `esc/file` is refused);
 * files are created with O_EXCL | O_NOFOLLOW (an entry never replaces or writes through a link);
 * symlinks are refused when their target is absolute or resolves outside their folder.
 */
import { closeSync, constants, lstatSync, mkdirSync, openSync, symlinkSync, writeSync } from "node:fs";
import { open } from "node:fs/promises";
import { dirname, isAbsolute, join, normalize, relative, sep } from "node:path";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";

export class UnsafeEntryError extends Error {}

const CREATE = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;
/** Entries up to this size are collected and written in one call; larger ones stream. */
const SMALL_FILE = 1024 * 1024;

/** A zip entry name as a relative path inside its folder (zip-slip refused). */
export function safeRelativePath(name: string): string {
  const p = normalize(name.replace(/\\/g, "/")).replace(/[/\\]+$/, "");
  if (p === "" || p === "." || isAbsolute(p) || p === ".." || p.startsWith(`..${sep}`)) throw new UnsafeEntryError(`The code bundle has an entry outside its folder: ${name}`);
  return p;
}

/** Whether `target`, a link's text, stays inside `root` when read from the link at `linkPath`. */
export function linkStaysInside(root: string, linkPath: string, target: string): boolean {
  if (isAbsolute(target) || target.includes("\0")) return false;
  const resolved = relative(root, join(dirname(linkPath), target));
  return resolved !== ".." && !resolved.startsWith(`..${sep}`) && !isAbsolute(resolved);
}

export class FolderWriter {
  /** Folders this writer created or verified (real directories, not links). */
  private readonly dirs = new Set<string>();

  /**
   * @param root the folder entries are written under (created if missing)
   * @param linkRoot where symlinks must point inside (default: root)
   */
  constructor(
    readonly root: string,
    private readonly linkRoot = root,
  ) {
    mkdirSync(root, { recursive: true, mode: 0o700 });
    this.dirs.add(root);
  }

  /** Creates the folder `rel` (and its parents) below root, refusing any that is not a real directory. */
  dir(rel: string): string {
    let current = this.root;
    for (const part of rel.split(sep)) {
      current = join(current, part);
      if (this.dirs.has(current)) continue;
      try {
        mkdirSync(current, { mode: 0o755 });
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
        if (!lstatSync(current).isDirectory()) throw new UnsafeEntryError(`The code bundle writes through ${relative(this.root, current)}, which is not a folder (a symlink or a file).`);
      }
      this.dirs.add(current);
    }
    return current;
  }

  private parentOf(rel: string): string {
    const parent = dirname(rel);
    return parent === "." ? this.root : this.dir(parent);
  }

  symlink(rel: string, target: string): void {
    const path = join(this.parentOf(rel), rel.slice(rel.lastIndexOf(sep) + 1));
    if (!linkStaysInside(this.linkRoot, path, target))
      throw new UnsafeEntryError(`The code bundle has a symlink ${rel} -> ${target} that leaves its folder (absolute or outside). Bundle the files themselves (zip without -y).`);
    this.claim(rel, () => symlinkSync(target, path));
  }

  /** Writes a file entry from its (decompressed) stream. */
  async file(rel: string, data: Readable, size: number, mode: number): Promise<void> {
    const path = join(this.parentOf(rel), rel.slice(rel.lastIndexOf(sep) + 1));
    if (size <= SMALL_FILE) {
      const chunks: Buffer[] = [];
      for await (const c of data) chunks.push(c as Buffer);
      const fd = this.claim(rel, () => openSync(path, CREATE, mode));
      try {
        for (const c of chunks) {
          let off = 0;
          while (off < c.length) off += writeSync(fd, c, off, c.length - off);
        }
      } finally {
        closeSync(fd);
      }
      return;
    }
    const handle = await open(path, CREATE, mode).catch((e: NodeJS.ErrnoException) => {
      throw e.code === "EEXIST" || e.code === "ELOOP" ? new UnsafeEntryError(`The code bundle has the entry ${rel} twice.`) : e;
    });
    await pipeline(data, handle.createWriteStream());
  }

  private claim<T>(rel: string, create: () => T): T {
    try {
      return create();
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === "EEXIST" || code === "ELOOP") throw new UnsafeEntryError(`The code bundle has the entry ${rel} twice.`);
      throw e;
    }
  }
}
