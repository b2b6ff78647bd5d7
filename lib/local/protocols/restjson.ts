/**
 * restJson1 (bedrock-agentcore control and data plane), driven by the service model: the
 * operation is found by method and `requestUri` template (literal segments beat labels, `{x+}` is
 * greedy), members come from uri labels, the query string, headers, a payload member or the JSON
 * body, and outputs are written back the same way. The JSON value converters are shared with
 * awsJson1.1 (`awsjson.ts`).
 */
import type { ServerResponse } from "node:http";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { AwsError } from "../errors.js";
import type { Shape } from "../service.js";
import type { ServiceModel, ShapeDef, ShapeRef } from "./model.js";
import type { Protocol, RawRequest } from "./protocol.js";
import { coerceScalar, shapeOf, toDate, type TimestampFormat } from "./shapes.js";

// ---------------------------------------------------------------------------------------------
// Values: JSON ⇄ model types

/** Like the shared `formatTimestamp`, but epoch seconds stay a JSON number and ISO keeps milliseconds. */
export function formatTimestamp(d: Date, format: TimestampFormat): string | number {
  if (format === "iso8601") return d.toISOString();
  if (format === "rfc822") return d.toUTCString();
  return d.getTime() / 1000;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * A JSON value read into the shape's types (Date, Buffer, nested structures). Values of the wrong
 * JSON type are left as they are, so the validator can name the field.
 */
export function fromJson(model: ServiceModel, ref: ShapeRef, v: unknown): unknown {
  if (v === null || v === undefined) return undefined;
  const shape = shapeOf(model, ref);
  if (shape.document) return v;
  switch (shape.type) {
    case "structure": {
      if (!isObject(v)) return v;
      const out: Shape = {};
      for (const [name, m] of Object.entries(shape.members ?? {})) {
        const key = m.locationName ?? name;
        if (key in v) {
          const val = fromJson(model, m, v[key]);
          if (val !== undefined) out[name] = val;
        }
      }
      return out;
    }
    case "list":
      return Array.isArray(v) ? v.map((x) => fromJson(model, shape.member!, x)) : v;
    case "map": {
      if (!isObject(v)) return v;
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) out[k] = fromJson(model, shape.value!, x);
      return out;
    }
    case "timestamp":
      return typeof v === "number" || typeof v === "string" ? (toDate(v) ?? v) : v;
    case "blob":
      return typeof v === "string" ? Buffer.from(v, "base64") : v;
    default:
      return v;
  }
}

/** A handler's value written as JSON for the shape (timestamps per the model, blobs base64). */
export function toJson(model: ServiceModel, ref: ShapeRef, v: unknown, defaultTimestamp: TimestampFormat = "unixTimestamp"): unknown {
  if (v === null || v === undefined) return undefined;
  const shape = shapeOf(model, ref);
  if (shape.document) return v;
  switch (shape.type) {
    case "structure": {
      if (!isObject(v)) return v;
      return structureToJson(model, shape, v, defaultTimestamp, false);
    }
    case "list":
      return Array.isArray(v) ? v.map((x) => toJson(model, shape.member!, x, defaultTimestamp)).filter((x) => x !== undefined) : v;
    case "map": {
      if (!isObject(v)) return v;
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) {
        const j = toJson(model, shape.value!, x, defaultTimestamp);
        if (j !== undefined) out[k] = j;
      }
      return out;
    }
    case "timestamp": {
      const d = toDate(v);
      return d ? formatTimestamp(d, ref.timestampFormat ?? shape.timestampFormat ?? defaultTimestamp) : v;
    }
    case "blob":
      if (Buffer.isBuffer(v)) return v.toString("base64");
      if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString("base64");
      return typeof v === "string" ? Buffer.from(v, "utf8").toString("base64") : v;
    default:
      return v;
  }
}

/** The JSON object of a structure's members; `bodyOnly` skips members bound to the HTTP message. */
export function structureToJson(
  model: ServiceModel,
  shape: ShapeDef,
  v: Record<string, unknown>,
  defaultTimestamp: TimestampFormat,
  bodyOnly: boolean,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, m] of Object.entries(shape.members ?? {})) {
    if (bodyOnly && m.location) continue;
    const j = toJson(model, m, v[name], defaultTimestamp);
    if (j !== undefined) out[m.locationName ?? name] = j;
  }
  return out;
}

/** Parses a JSON body, or throws the protocol's parse error. */
export function parseJsonBody(body: Buffer, parseError: (message: string) => AwsError): unknown {
  if (body.length === 0) return {};
  try {
    return JSON.parse(body.toString("utf8"));
  } catch (e) {
    throw parseError(`The request body is not valid JSON: ${(e as Error).message}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Values: HTTP strings (labels, query, headers) ⇄ model types

function fromHttpString(model: ServiceModel, ref: ShapeRef, raw: string, where: "label" | "query" | "header"): unknown {
  const shape = shapeOf(model, ref);
  switch (shape.type) {
    case "list":
      if (where === "header") return raw.split(",").map((s) => fromHttpString(model, shape.member!, s.trim(), where));
      return [fromHttpString(model, shape.member!, raw, where)];
    case "string":
      if (ref.jsonvalue && where === "header") {
        try {
          return JSON.parse(Buffer.from(raw, "base64").toString("utf8"));
        } catch {
          return raw;
        }
      }
      return raw;
    default:
      return coerceScalar(shape, raw);
  }
}

function toHttpString(model: ServiceModel, ref: ShapeRef, v: unknown, where: "header"): string | undefined {
  if (v === undefined || v === null) return undefined;
  const shape = shapeOf(model, ref);
  switch (shape.type) {
    case "timestamp": {
      const d = toDate(v);
      return d ? String(formatTimestamp(d, ref.timestampFormat ?? shape.timestampFormat ?? "rfc822")) : String(v);
    }
    case "list":
      return Array.isArray(v) ? v.map((x) => toHttpString(model, shape.member!, x, where)).join(", ") : String(v);
    case "blob":
      return Buffer.isBuffer(v) ? v.toString("base64") : Buffer.from(String(v)).toString("base64");
    case "string":
      return ref.jsonvalue ? Buffer.from(JSON.stringify(v)).toString("base64") : String(v);
    default:
      return String(v);
  }
}

const headerValue = (v: string | string[] | undefined) => (Array.isArray(v) ? v.join(", ") : v);

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

// ---------------------------------------------------------------------------------------------
// Routing: requestUri templates compiled once per model

type Segment = { kind: "literal"; text: string } | { kind: "label"; name: string } | { kind: "greedy"; name: string };

interface Route {
  model: ServiceModel;
  operation: string;
  segments: Segment[];
  /** Query keys the template requires (`/x?list-type=2` style). */
  queryLiterals: [string, string | undefined][];
  /** Segment kinds as ranks (literal 2, label 1, greedy 0) for "most specific wins". */
  ranks: number[];
}

export interface RouteMatch {
  model: ServiceModel;
  operation: string;
  /** Label name → raw (still percent-encoded) value. */
  labels: Record<string, string>;
}

export interface RouteTable {
  match(method: string, rawPath: string, query: URLSearchParams): RouteMatch | undefined;
}

function compileRoute(model: ServiceModel, operation: string, requestUri: string): Route {
  const [pathPart, queryPart] = requestUri.split("?", 2) as [string, string | undefined];
  const segments: Segment[] = pathPart
    .replace(/^\//, "")
    .split("/")
    .map((s) => {
      const m = /^\{([^}]+?)(\+)?\}$/.exec(s);
      if (!m) return { kind: "literal", text: s } as const;
      return m[2] ? ({ kind: "greedy", name: m[1]! } as const) : ({ kind: "label", name: m[1]! } as const);
    });
  const queryLiterals: [string, string | undefined][] = queryPart
    ? queryPart.split("&").filter(Boolean).map((kv) => {
        const i = kv.indexOf("=");
        return i < 0 ? [kv, undefined] : [kv.slice(0, i), kv.slice(i + 1)];
      })
    : [];
  return { model, operation, segments, queryLiterals, ranks: segments.map((s) => (s.kind === "literal" ? 2 : s.kind === "label" ? 1 : 0)) };
}

function matchRoute(route: Route, parts: string[], query: URLSearchParams): Record<string, string> | undefined {
  const labels: Record<string, string> = {};
  const segs = route.segments;
  for (let i = 0; i < segs.length; i++) {
    const seg = segs[i]!;
    if (seg.kind === "greedy") {
      if (i !== segs.length - 1) return undefined; // greedy labels only end templates in these models
      const rest = parts.slice(i).join("/");
      if (rest === "") return undefined;
      labels[seg.name] = rest;
      return checkQuery(route, query) ? labels : undefined;
    }
    const part = parts[i];
    if (part === undefined) return undefined;
    if (seg.kind === "literal") {
      if (part !== seg.text && safeDecode(part) !== seg.text) return undefined;
    } else {
      if (part === "") return undefined;
      labels[seg.name] = part;
    }
  }
  if (parts.length !== segs.length) return undefined;
  return checkQuery(route, query) ? labels : undefined;
}

function checkQuery(route: Route, query: URLSearchParams): boolean {
  for (const [k, v] of route.queryLiterals) {
    if (!query.has(k)) return false;
    if (v !== undefined && query.get(k) !== v) return false;
  }
  return true;
}

/** true when a is more specific than b. */
function moreSpecific(a: Route, b: Route): boolean {
  const n = Math.max(a.ranks.length, b.ranks.length);
  for (let i = 0; i < n; i++) {
    const ra = a.ranks[i] ?? -1;
    const rb = b.ranks[i] ?? -1;
    if (ra !== rb) return ra > rb;
  }
  return a.queryLiterals.length > b.queryLiterals.length;
}

/** One route table over several models (bedrock-agentcore control and data plane share a signing name). */
export function compileRouteTable(models: ServiceModel[]): RouteTable {
  // Index by method and first path segment; routes starting with a label go under "*".
  const index = new Map<string, Route[]>();
  const add = (key: string, r: Route) => {
    const list = index.get(key);
    if (list) list.push(r);
    else index.set(key, [r]);
  };
  for (const model of models) {
    for (const [name, op] of Object.entries(model.operations)) {
      const r = compileRoute(model, name, op.http.requestUri);
      const first = r.segments[0]!;
      add(`${op.http.method} ${first.kind === "literal" ? first.text : "*"}`, r);
    }
  }
  return {
    match(method, rawPath, query) {
      const parts = rawPath.replace(/^\//, "").split("/");
      const first = safeDecode(parts[0] ?? "");
      let best: Route | undefined;
      let bestLabels: Record<string, string> | undefined;
      for (const key of [`${method} ${first}`, `${method} *`]) {
        for (const r of index.get(key) ?? []) {
          const labels = matchRoute(r, parts, query);
          if (labels && (!best || moreSpecific(r, best))) {
            best = r;
            bestLabels = labels;
          }
        }
      }
      return best ? { model: best.model, operation: best.operation, labels: bestLabels! } : undefined;
    },
  };
}

const tables = new WeakMap<ServiceModel, RouteTable>();
function tableFor(model: ServiceModel): RouteTable {
  let t = tables.get(model);
  if (!t) tables.set(model, (t = compileRouteTable([model])));
  return t;
}

// A request's route match, kept so parseInput does not match twice.
const matches = new WeakMap<RawRequest, RouteMatch>();

/** The operation (and model) a request targets among several restJson1 models. */
export function matchRestJson(table: RouteTable, req: RawRequest): RouteMatch | undefined {
  const m = table.match(req.method, req.path, req.query);
  if (m) matches.set(req, m);
  return m;
}

// ---------------------------------------------------------------------------------------------
// The protocol

const cannotParse = (message: string) => new AwsError("ValidationException", message, 400, { reason: "CannotParse" });

function isStreamingPayload(model: ServiceModel, ref: ShapeRef): boolean {
  const s = shapeOf(model, ref);
  return s.type === "blob" || s.type === "string";
}

function isReadable(v: unknown): v is Readable {
  return v instanceof Readable || (isObject(v) && typeof (v as { pipe?: unknown }).pipe === "function");
}

export const restJson: Protocol = {
  match(model, req) {
    return matchRestJson(tableFor(model), req)?.operation;
  },

  parseInput(model, operation, req) {
    const op = model.operations[operation];
    if (!op) throw new AwsError("UnknownOperationException", `Unknown operation ${operation}`, 404);
    if (!op.input) return {};
    const shape = shapeOf(model, op.input);
    let m = matches.get(req);
    if (!m || m.operation !== operation || m.model !== model) m = tableFor(model).match(req.method, req.path, req.query);
    const labels = m?.labels ?? {};
    const input: Shape = {};
    const boundQueryKeys = new Set<string>();
    for (const ref of Object.values(shape.members ?? {})) if (ref.location === "querystring" && ref.locationName) boundQueryKeys.add(ref.locationName);

    let hasBodyMembers = false;
    for (const [name, ref] of Object.entries(shape.members ?? {})) {
      switch (ref.location) {
        case "uri": {
          const raw = labels[ref.locationName ?? name];
          if (raw !== undefined) input[name] = fromHttpString(model, ref, raw.split("/").map(safeDecode).join("/"), "label");
          break;
        }
        case "querystring": {
          const target = shapeOf(model, ref);
          if (target.type === "map") {
            // A map bound to the query string takes every parameter no other member claims.
            const map: Record<string, unknown> = {};
            for (const key of new Set(req.query.keys())) {
              if (boundQueryKeys.has(key)) continue;
              const valueShape = shapeOf(model, target.value!);
              map[key] = valueShape.type === "list" ? req.query.getAll(key) : req.query.get(key);
            }
            if (Object.keys(map).length) input[name] = map;
          } else if (target.type === "list") {
            const all = req.query.getAll(ref.locationName ?? name);
            if (all.length) input[name] = all.map((s) => fromHttpString(model, target.member!, s, "query"));
          } else {
            const v = req.query.get(ref.locationName ?? name);
            if (v !== null) input[name] = fromHttpString(model, ref, v, "query");
          }
          break;
        }
        case "header": {
          const v = headerValue(req.headers[(ref.locationName ?? name).toLowerCase()]);
          if (v !== undefined) input[name] = fromHttpString(model, ref, v, "header");
          break;
        }
        case "headers": {
          const prefix = (ref.locationName ?? "").toLowerCase();
          const map: Record<string, string> = {};
          for (const [h, v] of Object.entries(req.headers)) {
            if (h.startsWith(prefix) && v !== undefined) map[h.slice(prefix.length)] = headerValue(v)!;
          }
          if (Object.keys(map).length) input[name] = map;
          break;
        }
        case "statusCode":
          break;
        default:
          if (name !== shape.payload) hasBodyMembers = true;
      }
    }

    if (shape.payload) {
      const ref = shape.members![shape.payload]!;
      if (isStreamingPayload(model, ref)) {
        if (req.body.length) input[shape.payload] = shapeOf(model, ref).type === "string" ? req.body.toString("utf8") : req.body;
      } else if (req.body.length) {
        const json = parseJsonBody(req.body, cannotParse);
        const v = fromJson(model, ref, json);
        if (v !== undefined) input[shape.payload] = v;
      }
    } else if (hasBodyMembers && req.body.length) {
      const json = parseJsonBody(req.body, cannotParse);
      if (!isObject(json)) throw cannotParse("The request body must be a JSON object.");
      for (const [name, ref] of Object.entries(shape.members ?? {})) {
        if (ref.location) continue;
        const key = ref.locationName ?? name;
        if (key in json) {
          const v = fromJson(model, ref, json[key]);
          if (v !== undefined) input[name] = v;
        }
      }
    }
    return input;
  },

  async writeOutput(model, operation, output, requestId, res) {
    const op = model.operations[operation]!;
    let status = op.http.responseCode ?? 200;
    res.setHeader("x-amzn-requestid", requestId);
    const shape = op.output ? shapeOf(model, op.output) : undefined;
    if (!shape) {
      res.writeHead(status, { "content-type": "application/json", "content-length": "2" });
      res.end("{}");
      return;
    }
    const members = shape.members ?? {};
    for (const [name, ref] of Object.entries(members)) {
      const v = output[name];
      if (v === undefined || v === null) continue;
      if (ref.location === "statusCode" && typeof v === "number") status = v;
      else if (ref.location === "header") {
        const s = toHttpString(model, ref, v, "header");
        if (s !== undefined) res.setHeader(ref.locationName ?? name, s);
      } else if (ref.location === "headers" && isObject(v)) {
        for (const [k, x] of Object.entries(v)) if (x !== undefined) res.setHeader(`${ref.locationName ?? ""}${k}`, String(x));
      }
    }

    if (shape.payload) {
      const ref = members[shape.payload]!;
      const v = output[shape.payload];
      if (isStreamingPayload(model, ref)) {
        if (!res.hasHeader("content-type")) res.setHeader("content-type", "application/octet-stream");
        if (isReadable(v)) {
          res.writeHead(status);
          res.flushHeaders();
          await pipeline(v, res);
          return;
        }
        const buf = v === undefined ? Buffer.alloc(0) : Buffer.isBuffer(v) ? v : v instanceof Uint8Array ? Buffer.from(v) : Buffer.from(String(v));
        res.writeHead(status, { "content-length": String(buf.length) });
        res.end(buf);
        return;
      }
      const json = v === undefined ? undefined : toJson(model, ref, v);
      const text = json === undefined ? "" : JSON.stringify(json);
      if (!res.hasHeader("content-type")) res.setHeader("content-type", "application/json");
      res.writeHead(status, { "content-length": String(Buffer.byteLength(text)) });
      res.end(text);
      return;
    }

    const text = JSON.stringify(structureToJson(model, shape, output, "unixTimestamp", true));
    if (!res.hasHeader("content-type")) res.setHeader("content-type", "application/json");
    res.writeHead(status, { "content-length": String(Buffer.byteLength(text)) });
    res.end(text);
  },

  writeError(model, error, requestId, res) {
    writeJsonError(res, statusOf(model, error), requestId, error.code, { message: error.message, ...(error.fields ?? {}) }, "application/json");
  },
};

/** The HTTP status of an error: explicit, else the model's `httpStatusCode`, else 400. */
export function statusOf(model: ServiceModel | undefined, error: AwsError): number {
  return error.status ?? model?.shapes[error.code]?.error?.httpStatusCode ?? 400;
}

export function writeJsonError(
  res: ServerResponse,
  status: number,
  requestId: string,
  code: string,
  body: Record<string, unknown>,
  contentType: string,
): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "x-amzn-requestid": requestId,
    "x-amzn-errortype": code,
    "content-type": contentType,
    "content-length": String(Buffer.byteLength(text)),
  });
  res.end(text);
}
