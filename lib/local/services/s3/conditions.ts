/** HTTP conditional requests as S3 evaluates them (RFC 7232 order, with S3's If-Match precedence). */
import type { Shape } from "../../service.js";
import { noSuchKey, notModified, preconditionFailed } from "./errors.js";
import type { StoredObject } from "./state.js";

const etagMatches = (header: string, etag: string): boolean =>
  header.split(",").some((candidate) => {
    const c = candidate.trim().replace(/^W\//, "");
    return c === "*" || c.replace(/^"|"$/g, "") === etag.replace(/^"|"$/g, "");
  });

/** Whole seconds: HTTP dates have no finer resolution. */
const seconds = (d: Date | string): number => Math.floor(new Date(d).getTime() / 1000);

/** For GET and HEAD: 412 PreconditionFailed or 304 NotModified. */
export function checkReadConditions(input: Shape, obj: StoredObject): void {
  const modified = seconds(obj.LastModified);
  if (input.IfMatch !== undefined) {
    if (!etagMatches(input.IfMatch as string, obj.ETag)) throw preconditionFailed("If-Match");
  } else if (input.IfUnmodifiedSince !== undefined && modified > seconds(input.IfUnmodifiedSince as Date)) {
    throw preconditionFailed("If-Unmodified-Since");
  }
  if (input.IfNoneMatch !== undefined) {
    if (etagMatches(input.IfNoneMatch as string, obj.ETag)) throw notModified();
  } else if (input.IfModifiedSince !== undefined && modified <= seconds(input.IfModifiedSince as Date)) {
    throw notModified();
  }
}

/** For PUT (conditional writes): `If-None-Match: *` creates only; `If-Match` replaces only that ETag. */
export function checkWriteConditions(input: Shape, key: string, existing: StoredObject | undefined): void {
  if (input.IfNoneMatch !== undefined && existing && etagMatches(input.IfNoneMatch as string, existing.ETag)) {
    throw preconditionFailed("If-None-Match");
  }
  if (input.IfMatch !== undefined) {
    if (!existing) throw noSuchKey(key);
    if (!etagMatches(input.IfMatch as string, existing.ETag)) throw preconditionFailed("If-Match");
  }
}
