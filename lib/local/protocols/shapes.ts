/**
 * Shape walking shared by the protocols: resolving member references, turning wire strings into
 * model types, and formatting timestamps the way each location expects.
 */
import type { ServiceModel, ShapeDef, ShapeRef } from "./model.js";

export function shapeOf(model: ServiceModel, ref: ShapeRef | string): ShapeDef {
  const name = typeof ref === "string" ? ref : ref.shape;
  const def = model.shapes[name];
  if (!def) throw new Error(`${model.name} model has no shape ${name}`);
  return def;
}

/** The operation's input structure, or an empty one for operations without input. */
export function inputShape(model: ServiceModel, operation: string): ShapeDef {
  const ref = model.operations[operation]?.input;
  return ref ? shapeOf(model, ref) : { type: "structure", members: {} };
}

export function outputShape(model: ServiceModel, operation: string): ShapeDef | undefined {
  const ref = model.operations[operation]?.output;
  return ref ? shapeOf(model, ref) : undefined;
}

export type TimestampFormat = "iso8601" | "rfc822" | "unixTimestamp";

/** A Date from whatever a handler or a client gave: Date, epoch seconds, ISO-8601 or http-date. */
export function toDate(value: unknown): Date | undefined {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? undefined : value;
  if (typeof value === "number") return Number.isFinite(value) ? new Date(value * 1000) : undefined;
  if (typeof value === "string" && value.trim() !== "") {
    const s = value.trim();
    const d = /^-?\d+(\.\d+)?$/.test(s) ? new Date(Number(s) * 1000) : new Date(s);
    return Number.isNaN(d.getTime()) ? undefined : d;
  }
  return undefined;
}

/**
 * Formats a timestamp for the wire. ISO-8601 keeps milliseconds only when asked (S3 always shows
 * `.000Z`; IAM and STS show whole seconds).
 */
export function formatTimestamp(value: unknown, format: TimestampFormat, millis = false): string {
  const d = toDate(value);
  if (!d) throw new Error(`not a timestamp: ${String(value)}`);
  switch (format) {
    case "rfc822":
      return d.toUTCString();
    case "unixTimestamp":
      return String(d.getTime() / 1000);
    default:
      return millis ? d.toISOString() : d.toISOString().replace(/\.\d{3}Z$/, "Z");
  }
}

/** The timestamp format of a member: its own trait, its shape's, else the location's default. */
export function timestampFormatOf(ref: ShapeRef, shape: ShapeDef, fallback: TimestampFormat): TimestampFormat {
  return ref.timestampFormat ?? shape.timestampFormat ?? fallback;
}

/**
 * Converts one wire string (form field, header, query parameter, XML text) to the member's model
 * type. A value that does not convert is returned unchanged, so validation reports it against the
 * member's path instead of the parser failing without naming the field.
 */
export function coerceScalar(shape: ShapeDef, raw: string): unknown {
  switch (shape.type) {
    case "integer":
    case "long":
      return /^\s*[-+]?\d+\s*$/.test(raw) ? Number(raw) : raw;
    case "double":
    case "float": {
      if (raw === "NaN" || raw === "Infinity" || raw === "-Infinity") return Number(raw);
      const n = Number(raw);
      return raw.trim() !== "" && Number.isFinite(n) ? n : raw;
    }
    case "boolean":
      return raw === "true" ? true : raw === "false" ? false : raw;
    case "timestamp":
      return toDate(raw) ?? raw;
    case "blob":
      return Buffer.from(raw, "base64");
    default:
      return raw;
  }
}

/** A scalar as text for XML, headers and query strings (timestamps already formatted by the caller). */
export function scalarText(shape: ShapeDef, value: unknown): string {
  if (shape.type === "blob") {
    if (Buffer.isBuffer(value)) return value.toString("base64");
    if (value instanceof Uint8Array) return Buffer.from(value).toString("base64");
    return Buffer.from(String(value), "utf8").toString("base64");
  }
  if (shape.type === "boolean") return value ? "true" : "false";
  return String(value);
}

/** Lower-camel-case, as AWS's query services spell member names in validation messages. */
export const lowerFirst = (name: string): string => (name ? name[0]!.toLowerCase() + name.slice(1) : name);
