/**
 * `nextToken`/`maxResults` paging over a list ordered by name. The token is opaque to clients (the
 * base64url of the last name returned), so a page stays correct when items are added or removed
 * between calls.
 */
import { AwsError } from "../../errors.js";

export interface Page<T> {
  items: T[];
  nextToken?: string;
}

/** The page size when `maxResults` is omitted (a common AWS default; callers should follow nextToken). */
export const DEFAULT_PAGE_SIZE = 10;

export function paginate<T>(
  sortedItems: T[],
  nameOf: (item: T) => string,
  input: { nextToken?: string; maxResults?: number },
): Page<T> {
  const max = input.maxResults ?? DEFAULT_PAGE_SIZE;
  const after = input.nextToken === undefined ? undefined : decodeToken(input.nextToken);
  const rest = after === undefined ? sortedItems : sortedItems.filter((item) => nameOf(item) > after);
  const items = rest.slice(0, max);
  const nextToken = rest.length > max ? encodeToken(nameOf(items[items.length - 1]!)) : undefined;
  return nextToken === undefined ? { items } : { items, nextToken };
}

const TOKEN_PREFIX = "v1:";

function encodeToken(lastName: string): string {
  return Buffer.from(TOKEN_PREFIX + lastName, "utf8").toString("base64url");
}

function decodeToken(token: string): string {
  const text = /^[A-Za-z0-9_-]+$/.test(token) ? Buffer.from(token, "base64url").toString("utf8") : "";
  if (!text.startsWith(TOKEN_PREFIX)) {
    throw new AwsError("ValidationException", "Invalid nextToken: pass the nextToken of a previous response unchanged.", 400, {
      reason: "FieldValidationFailed",
      fieldList: [{ name: "nextToken", message: "The pagination token is not valid." }],
    });
  }
  return text.slice(TOKEN_PREFIX.length);
}
