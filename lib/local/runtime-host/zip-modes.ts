/**
 * Unix file modes of a zip's entries, read from its central directory (fflate's unzip does not
 * expose them). They tell symlinks (`node_modules -> …`) and executables apart from plain files.
 */
const EOCD = 0x06054b50;
const CENTRAL = 0x02014b50;
const UNIX_HOST = 3;

export const S_IFMT = 0o170000;
export const S_IFLNK = 0o120000;

/** Entry name → unix mode, for entries written on a unix host; empty when the zip has no such info. */
export function zipModes(zip: Uint8Array): Map<string, number> {
  const modes = new Map<string, number>();
  const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  let eocd = -1;
  for (let i = zip.length - 22; i >= Math.max(0, zip.length - 22 - 0xffff); i--) {
    if (view.getUint32(i, true) === EOCD) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) return modes;
  const count = view.getUint16(eocd + 10, true);
  let p = view.getUint32(eocd + 16, true);
  if (p === 0xffffffff) return modes; // zip64: fflate writes none; treat every entry as a plain file
  const decoder = new TextDecoder();
  for (let n = 0; n < count && p + 46 <= zip.length; n++) {
    if (view.getUint32(p, true) !== CENTRAL) break;
    const host = view.getUint16(p + 4, true) >> 8;
    const nameLength = view.getUint16(p + 28, true);
    const extraLength = view.getUint16(p + 30, true);
    const commentLength = view.getUint16(p + 32, true);
    const attrs = view.getUint32(p + 38, true);
    const name = decoder.decode(zip.subarray(p + 46, p + 46 + nameLength));
    if (host === UNIX_HOST && attrs >>> 16) modes.set(name, attrs >>> 16);
    p += 46 + nameLength + extraLength + commentLength;
  }
  return modes;
}
