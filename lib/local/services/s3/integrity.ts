/** Checks an upload's bytes against the digests the client sent (Content-MD5, x-amz-checksum-*). */
import { AwsError } from "../../errors.js";
import type { Shape } from "../../service.js";
import type { WrittenFile } from "./object-files.js";

export const crc32Base64 = (crc: number): string => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(crc >>> 0);
  return b.toString("base64");
};

/** Throws InvalidDigest / BadDigest like S3. CRC32C and CRC64NVME are accepted unchecked (no codec here). */
export function verifyUpload(input: Shape, written: Omit<WrittenFile, "file">): void {
  const md5 = input.ContentMD5 as string | undefined;
  if (md5 !== undefined) {
    const sent = Buffer.from(md5, "base64");
    if (sent.length !== 16 || sent.toString("base64") !== md5.trim()) {
      throw new AwsError("InvalidDigest", "The Content-MD5 you specified is not valid.", 400, { "Content-MD5": md5 });
    }
    if (!sent.equals(written.md5)) {
      throw new AwsError("BadDigest", "The Content-MD5 you specified did not match what we received.", 400, {
        ExpectedDigest: sent.toString("hex"),
        CalculatedDigest: written.md5.toString("base64"),
      });
    }
  }
  const checks: [string, string, string][] = [
    ["ChecksumCRC32", "CRC32", crc32Base64(written.crc32)],
    ["ChecksumSHA256", "SHA256", written.sha256.toString("base64")],
    ["ChecksumSHA1", "SHA1", written.sha1.toString("base64")],
  ];
  for (const [member, name, actual] of checks) {
    const sent = input[member] as string | undefined;
    if (sent !== undefined && sent !== actual) {
      throw new AwsError("BadDigest", `The ${name} you specified did not match the calculated checksum.`, 400);
    }
  }
}
