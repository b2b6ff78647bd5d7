/**
 * Next-token pagination for every list operation (IAM's `Marker`/`MaxItems`, the others'
 * `nextToken`/`maxResults`). The token is opaque to callers: it names the sort key of the last item
 * returned, so items added or deleted between pages are never skipped or repeated. Services differ
 * only in their page size and in the error they answer for a token they did not issue.
 */
import type { AwsError } from "../errors.js";

export interface Page<T> {
  items: T[];
  /** Present when more items follow. */
  nextToken?: string;
}

export interface PageRequest {
  /** The token of the previous page, as the caller sent it back. */
  token?: string;
  pageSize: number;
  /** The service's error for a token it did not issue. */
  invalidToken: () => AwsError;
}

/** `sorted` must already be in ascending `compareKeys` order of `keyOf`. */
export function paginate<T>(sorted: T[], keyOf: (item: T) => string, request: PageRequest): Page<T> {
  let start = 0;
  if (request.token !== undefined) {
    const after = decodeToken(request.token);
    if (after === undefined) throw request.invalidToken();
    start = sorted.findIndex((item) => keyOf(item) > after);
    if (start < 0) start = sorted.length;
  }
  const items = sorted.slice(start, start + request.pageSize);
  const more = start + request.pageSize < sorted.length && items.length > 0;
  return more ? { items, nextToken: encodeToken(keyOf(items[items.length - 1]!)) } : { items };
}

/** Binary string order: the order tokens compare keys in (and the store lists ASCII ids in). */
export const compareKeys = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

const TOKEN_PREFIX = "p1.";

const encodeToken = (key: string): string => TOKEN_PREFIX + Buffer.from(key, "utf8").toString("base64url");

function decodeToken(token: string): string | undefined {
  const body = token.slice(TOKEN_PREFIX.length);
  if (!token.startsWith(TOKEN_PREFIX) || !/^[A-Za-z0-9_-]+$/.test(body)) return undefined;
  return Buffer.from(body, "base64url").toString("utf8");
}
