/**
 * `maxResults` / `nextToken` pagination of the runtime list operations. The token names the sort
 * key of the last item returned, so deletions between pages never skip or repeat an item.
 */
import { AwsError } from "../../errors.js";

export const DEFAULT_MAX_RESULTS = 100;
const TOKEN_PREFIX = "rt1.";

export interface Page<T> {
  items: T[];
  nextToken?: string;
}

/** `items` must already be sorted by `keyOf`, ascending. */
export function paginate<T>(items: T[], keyOf: (item: T) => string, nextToken?: string, maxResults?: number): Page<T> {
  const limit = maxResults ?? DEFAULT_MAX_RESULTS;
  let start = 0;
  if (nextToken !== undefined) {
    const after = decodeToken(nextToken);
    start = items.findIndex((item) => keyOf(item) > after);
    if (start < 0) start = items.length;
  }
  const page = items.slice(start, start + limit);
  return start + limit < items.length ? { items: page, nextToken: encodeToken(keyOf(page[page.length - 1]!)) } : { items: page };
}

const encodeToken = (key: string) => TOKEN_PREFIX + Buffer.from(key, "utf8").toString("base64url");

function decodeToken(token: string): string {
  const body = token.slice(TOKEN_PREFIX.length);
  if (!token.startsWith(TOKEN_PREFIX) || !/^[A-Za-z0-9_-]+$/.test(body)) {
    throw new AwsError("ValidationException", "Invalid nextToken: pass the nextToken of the previous page unchanged.", 400, {
      reason: "FieldValidationFailed",
      fieldList: [{ name: "nextToken", message: "Invalid pagination token" }],
    });
  }
  return Buffer.from(body, "base64url").toString("utf8");
}
