/**
 * The one paginator (services/pagination.ts): pages follow the token to the end, items deleted or
 * added between pages are never skipped or repeated, and a token it did not issue is refused with
 * the service's own error.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { AwsError } from "../../lib/local/errors.js";
import { compareKeys, paginate } from "../../lib/local/services/pagination.js";

const invalidToken = () => new AwsError("ServiceOwnError", "not ours", 400);
const key = (s: string) => s;

function all(items: string[], pageSize: number): string[][] {
  const pages: string[][] = [];
  let token: string | undefined;
  do {
    const page = paginate(items, key, { token, pageSize, invalidToken });
    pages.push(page.items);
    token = page.nextToken;
  } while (token);
  return pages;
}

test("pages of the asked size until the last, which has no token", () => {
  const items = ["a", "b", "c", "d", "e"];
  assert.deepEqual(all(items, 2), [["a", "b"], ["c", "d"], ["e"]]);
  assert.deepEqual(all(items, 5), [items]);
  assert.deepEqual(all([], 3), [[]]);
});

test("deleting or adding items between pages skips and repeats nothing", () => {
  const first = paginate(["a", "b", "c", "d"], key, { pageSize: 2, invalidToken });
  assert.deepEqual(first.items, ["a", "b"]);
  // "b" (the last one returned) is deleted and "bb" added before the next call.
  const second = paginate(["a", "bb", "c", "d"], key, { token: first.nextToken, pageSize: 2, invalidToken });
  assert.deepEqual(second.items, ["bb", "c"]);
});

test("keys with any characters survive the token", () => {
  const items = ["/path/ä", "/path/ö", "/path/😀"].sort(compareKeys);
  assert.deepEqual(all(items, 1).flat(), items);
});

test("a token it did not issue is the service's error", () => {
  for (const token of ["", "not-a-token", "p1.", "p1.has space", "garbage!", Buffer.from(JSON.stringify({ after: "a" })).toString("base64")]) {
    assert.throws(() => paginate(["a"], key, { token, pageSize: 1, invalidToken }), (e: AwsError) => e.code === "ServiceOwnError", JSON.stringify(token));
  }
});
