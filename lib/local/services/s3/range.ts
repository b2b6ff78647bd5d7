/** The single byte range of a `Range: bytes=…` header, as S3 honours it. */
import { AwsError } from "../../errors.js";

export interface ByteRange {
  start: number;
  /** Inclusive. */
  end: number;
}

/** undefined means the whole object (no header, or one S3 would ignore: malformed or multi-range). */
export function parseRange(header: string | undefined, size: number): ByteRange | undefined {
  if (header === undefined) return undefined;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === "" && m[2] === "")) return undefined;
  const unsatisfiable = (): AwsError =>
    new AwsError("InvalidRange", "The requested range is not satisfiable", 416, { RangeRequested: header, ActualObjectSize: String(size) });
  if (m[1] === "") {
    const suffix = Number(m[2]);
    if (suffix === 0 || size === 0) throw unsatisfiable();
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(m[1]);
  const end = m[2] === "" ? size - 1 : Number(m[2]);
  if (start >= size) throw unsatisfiable();
  if (end < start) return undefined;
  return { start, end: Math.min(end, size - 1) };
}
