/**
 * ECR's `nextToken`/`maxResults` paging over a list sorted by a string key. The token is opaque to
 * clients; it carries the last key returned so deletions between pages never skip or repeat items.
 */
import { invalidParameter } from "./errors.js";

export interface Page<T> {
  page: T[];
  nextToken?: string;
}

export function paginate<T>(
  sorted: T[],
  keyOf: (item: T) => string,
  nextToken: string | undefined,
  maxResults: number | undefined,
  defaultMax: number,
): Page<T> {
  const after = nextToken === undefined ? undefined : decodeToken(nextToken);
  const start = after === undefined ? 0 : firstAfter(sorted, keyOf, after);
  const limit = maxResults ?? defaultMax;
  const page = sorted.slice(start, start + limit);
  const more = start + limit < sorted.length;
  return more && page.length > 0 ? { page, nextToken: encodeToken(keyOf(page[page.length - 1]!)) } : { page };
}

function firstAfter<T>(sorted: T[], keyOf: (item: T) => string, after: string): number {
  const i = sorted.findIndex((item) => keyOf(item) > after);
  return i === -1 ? sorted.length : i;
}

const encodeToken = (key: string): string => Buffer.from(JSON.stringify({ after: key }), "utf8").toString("base64");

function decodeToken(token: string): string {
  try {
    const parsed = JSON.parse(Buffer.from(token, "base64").toString("utf8")) as { after?: unknown };
    if (typeof parsed.after === "string") return parsed.after;
  } catch {
    // fall through to the service's error
  }
  throw invalidParameter("Invalid parameter at 'nextToken' failed to satisfy constraint: 'Invalid NextToken'");
}
