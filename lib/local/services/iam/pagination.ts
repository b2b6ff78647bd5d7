/**
 * IAM's Marker/MaxItems pagination. The marker is opaque to callers: it names the sort key of the
 * last item returned, so deletions between pages never skip or repeat an item.
 */
import { invalidInput } from "./errors.js";

export const DEFAULT_MAX_ITEMS = 100;

export interface Page<T> {
  items: T[];
  IsTruncated: boolean;
  Marker?: string;
}

const MARKER_PREFIX = "m1.";

/** `items` must already be sorted by `keyOf`, ascending. */
export function paginate<T>(items: T[], keyOf: (item: T) => string, marker?: string, maxItems?: number): Page<T> {
  const limit = maxItems ?? DEFAULT_MAX_ITEMS;
  let start = 0;
  if (marker !== undefined) {
    const after = decodeMarker(marker);
    start = items.findIndex((item) => keyOf(item) > after);
    if (start < 0) start = items.length;
  }
  const page = items.slice(start, start + limit);
  const truncated = start + limit < items.length;
  return truncated
    ? { items: page, IsTruncated: true, Marker: encodeMarker(keyOf(page[page.length - 1]!)) }
    : { items: page, IsTruncated: false };
}

function encodeMarker(key: string): string {
  return MARKER_PREFIX + Buffer.from(key, "utf8").toString("base64url");
}

function decodeMarker(marker: string): string {
  if (!marker.startsWith(MARKER_PREFIX) || !/^[A-Za-z0-9_-]*$/.test(marker.slice(MARKER_PREFIX.length))) {
    throw invalidInput("Invalid Marker.");
  }
  return Buffer.from(marker.slice(MARKER_PREFIX.length), "base64url").toString("utf8");
}

/** Binary string order, the same order the store lists ids in for ASCII names. */
export const compareKeys = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** The output members of a paginated IAM list: `<member>`, `IsTruncated`, and `Marker` when truncated. */
export function pageShape<T>(member: string, page: Page<T>, map: (item: T) => unknown = (x) => x): Record<string, unknown> {
  return { [member]: page.items.map(map), IsTruncated: page.IsTruncated, ...(page.Marker ? { Marker: page.Marker } : {}) };
}
