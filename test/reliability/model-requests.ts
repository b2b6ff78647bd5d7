/**
 * Model-driven request material for the bad-input tests: which operations Local AgentCore serves,
 * fast-check arbitraries for an operation's input shape (wire-level values: timestamps as epoch
 * seconds, blobs as base64), and a raw HTTP request for an input in the operation's own protocol
 * (restJson1, awsJson1.1, awsQuery, restXml). The builders serialize whatever value they are given,
 * so a test can hand them inputs of the wrong types.
 */
import fc from "fast-check";
import { loadModel, type ServiceModel, type ShapeDef, type ShapeRef } from "../../lib/local/protocols/model.js";
import { compilePattern } from "../../lib/local/protocols/validate.js";
import { createServices } from "../../lib/local/services/index.js";
import type { ModelName } from "../../lib/local/service.js";
import type { RuntimeHost } from "../../lib/local/runtime-host/host.js";
import type { RawCall } from "./signed-request.js";

export interface OpTarget {
  model: ServiceModel;
  operation: string;
  /** SigV4 signing name. */
  service: string;
}

const SIGNING_NAME: Record<ModelName, string> = {
  "bedrock-agentcore-control": "bedrock-agentcore",
  "bedrock-agentcore": "bedrock-agentcore",
  iam: "iam",
  sts: "sts",
  ecr: "ecr",
  s3: "s3",
};

/** Every operation a service of `lib/local/services/index.ts` handles. */
export function servedOperations(): OpTarget[] {
  const out: OpTarget[] = [];
  // Only the operation names are read: no handler runs, so the data plane needs no real runtime host.
  for (const svc of createServices({ host: {} as RuntimeHost })) {
    const model = loadModel(svc.model);
    for (const operation of Object.keys(svc.operations)) out.push({ model, operation, service: SIGNING_NAME[svc.model] });
  }
  return out;
}

/** Operations in the models that no service handles (answered 501). */
export function unservedOperations(): OpTarget[] {
  const served = new Set(servedOperations().map((t) => `${t.model.name}:${t.operation}`));
  const out: OpTarget[] = [];
  for (const name of Object.keys(SIGNING_NAME) as ModelName[]) {
    const model = loadModel(name);
    for (const operation of Object.keys(model.operations))
      if (!served.has(`${name}:${operation}`)) out.push({ model, operation, service: SIGNING_NAME[name] });
  }
  return out;
}

const shapeOf = (model: ServiceModel, ref: ShapeRef | string): ShapeDef => {
  const s = model.shapes[typeof ref === "string" ? ref : ref.shape];
  if (!s) throw new Error(`no shape ${typeof ref === "string" ? ref : ref.shape} in ${model.name}`);
  return s;
};

// ---------------------------------------------------------------------------------------------
// Values

function stringArb(shape: ShapeDef): fc.Arbitrary<string> {
  if (shape.enum?.length) return fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...shape.enum) }, { weight: 1, arbitrary: fc.string({ maxLength: 12 }) });
  const maxLength = Math.min(shape.max ?? 40, 40);
  const minLength = Math.min(shape.min ?? 0, maxLength);
  const free = fc.string({ minLength, maxLength, unit: fc.oneof(fc.constant("a"), fc.string({ minLength: 1, maxLength: 1 }), fc.string({ minLength: 1, maxLength: 1, unit: "binary" })) });
  if (shape.pattern) {
    const re = compilePattern(shape.pattern);
    if (re) {
      try {
        // Cut to the maximum length rather than filter: filtering rarely-short patterns takes forever.
        const matching = fc.stringMatching(re).map((s) => s.slice(0, Math.min(shape.max ?? 200, 200)));
        return fc.oneof({ weight: 3, arbitrary: matching }, { weight: 1, arbitrary: free });
      } catch {
        /* a pattern fast-check cannot generate from: free text then */
      }
    }
  }
  return free;
}

/** Values for a shape (the right types; constraints mostly respected), `depth` bounding recursion. */
export function valueArb(model: ServiceModel, ref: ShapeRef, depth = 0): fc.Arbitrary<unknown> {
  const shape = shapeOf(model, ref);
  if (shape.document) return fc.jsonValue({ maxDepth: 2 });
  switch (shape.type) {
    case "string":
      return stringArb(shape);
    case "integer":
    case "long":
      return fc.integer({ min: Math.max(shape.min ?? -1000, -(2 ** 31)), max: Math.min(shape.max ?? 1000, 2 ** 31 - 1) });
    case "float":
    case "double":
      return fc.double({ noNaN: true, noDefaultInfinity: true, min: shape.min ?? -1e6, max: shape.max ?? 1e6 });
    case "boolean":
      return fc.boolean();
    case "timestamp":
      return fc.integer({ min: 1_000_000_000, max: 2_000_000_000 });
    case "blob":
      return fc.uint8Array({ maxLength: 32 }).map((b) => Buffer.from(b).toString("base64"));
    case "list":
      return depth > 4 ? fc.constant([]) : fc.array(valueArb(model, shape.member!, depth + 1), { maxLength: 3 });
    case "map":
      return depth > 4
        ? fc.constant({})
        : fc.dictionary(fc.string({ minLength: 1, maxLength: 10 }), valueArb(model, shape.value!, depth + 1), { maxKeys: 3 });
    case "structure":
      return structureArb(model, shape, depth);
  }
  return fc.constant(undefined);
}

function structureArb(model: ServiceModel, shape: ShapeDef, depth: number): fc.Arbitrary<unknown> {
  const members = Object.entries(shape.members ?? {}).filter(([, ref]) => !shapeOf(model, ref).eventstream);
  if (shape.union) {
    if (!members.length || depth > 5) return fc.constant({});
    return fc.oneof(...members.map(([name, ref]) => valueArb(model, ref, depth + 1).map((v) => ({ [name]: v }))));
  }
  const required = new Set(shape.required ?? []);
  const chosen = depth > 3 ? members.filter(([n]) => required.has(n)) : members;
  if (depth > 6) return fc.constant({});
  const record: Record<string, fc.Arbitrary<unknown>> = {};
  for (const [name, ref] of chosen) record[name] = valueArb(model, ref, depth + 1);
  return fc.record(record, { requiredKeys: chosen.filter(([n]) => required.has(n)).map(([n]) => n) });
}

export function inputArb(t: OpTarget): fc.Arbitrary<Record<string, unknown>> {
  const ref = t.model.operations[t.operation]!.input;
  return ref ? (valueArb(t.model, ref) as fc.Arbitrary<Record<string, unknown>>) : fc.constant({});
}

// ---------------------------------------------------------------------------------------------
// Requests

const encodeRfc3986 = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/** Header values node will send: printable ASCII only. */
const headerSafe = (v: unknown) => String(typeof v === "object" ? JSON.stringify(v) : v).replace(/[^\x20-\x7e]/g, "?");

function inputMembers(t: OpTarget): [string, ShapeRef][] {
  const ref = t.model.operations[t.operation]!.input;
  return ref ? Object.entries(shapeOf(t.model, ref).members ?? {}) : [];
}

function payloadName(t: OpTarget): string | undefined {
  const ref = t.model.operations[t.operation]!.input;
  return ref ? shapeOf(t.model, ref).payload : undefined;
}

/** The path of a requestUri template with labels filled (a missing label leaves the segment empty). */
function fillPath(template: string, labels: Record<string, unknown>, escapeGreedy: boolean): string {
  return template.replace(/\{([^}+]+)(\+?)\}/g, (_m, name: string, greedy: string) => {
    const v = labels[name];
    if (v === undefined || v === null) return "";
    const s = typeof v === "object" ? JSON.stringify(v) : String(v);
    return greedy && !escapeGreedy ? s.split("/").map(encodeRfc3986).join("/") : encodeRfc3986(s);
  });
}

interface HttpParts {
  labels: Record<string, unknown>;
  query: [string, string][];
  headers: Record<string, string>;
  body: Record<string, unknown>;
  payload: unknown;
}

const FRAMING_HEADERS = new Set(["content-length", "transfer-encoding", "host", "authorization", "x-amz-date", "x-amz-content-sha256", "x-amz-security-token", "expect"]);

/** Whether some input member travels in the body (so a broken body must be refused). */
export function hasBodyMembers(t: OpTarget): boolean {
  return inputMembers(t).some(([, ref]) => !ref.location);
}

function splitByLocation(t: OpTarget, input: Record<string, unknown>): HttpParts {
  const parts: HttpParts = { labels: {}, query: [], headers: {}, body: {}, payload: undefined };
  const payload = payloadName(t);
  const members = new Map(inputMembers(t));
  for (const [name, value] of Object.entries(input)) {
    if (value === undefined) continue;
    const ref = members.get(name);
    const wire = ref?.locationName ?? name;
    switch (ref?.location) {
      case "uri":
        parts.labels[wire] = value;
        break;
      case "querystring":
        if (Array.isArray(value)) for (const v of value) parts.query.push([wire, headerSafe(v)]);
        else if (value && typeof value === "object") for (const [k, v] of Object.entries(value)) parts.query.push([k, headerSafe(v)]);
        else parts.query.push([wire, String(value)]);
        break;
      case "header":
        // Framing and signing headers belong to the HTTP layer (a wrong Content-Length only makes the server wait).
        if (FRAMING_HEADERS.has(wire.toLowerCase())) break;
        parts.headers[wire] = typeof value === "number" && shapeOf(t.model, ref).type === "timestamp" ? new Date(value * 1000).toUTCString() : headerSafe(value);
        break;
      case "headers":
        if (value && typeof value === "object") for (const [k, v] of Object.entries(value)) parts.headers[`${wire}${headerSafe(k).replace(/[^a-zA-Z0-9-]/g, "")}`] = headerSafe(v);
        break;
      default:
        if (name === payload) parts.payload = value;
        else parts.body[wire] = value;
    }
  }
  return parts;
}

function templateQuery(requestUri: string): { path: string; query: [string, string][] } {
  const [path = "/", q = ""] = requestUri.split("?", 2);
  return { path, query: q ? q.split("&").map((kv) => { const i = kv.indexOf("="); return i < 0 ? [kv, ""] : [kv.slice(0, i), kv.slice(i + 1)]; }) : [] };
}

/** The request an SDK would send for `input` (serialized by value, whatever the types). */
export function buildCall(t: OpTarget, input: Record<string, unknown>): RawCall {
  const op = t.model.operations[t.operation]!;
  switch (t.model.metadata.protocol) {
    case "rest-json": {
      const parts = splitByLocation(t, input);
      const { path, query } = templateQuery(op.http.requestUri);
      const headers: Record<string, string> = { ...parts.headers };
      let body: Buffer | string = "";
      if (parts.payload !== undefined) {
        body = typeof parts.payload === "string" ? parts.payload : JSON.stringify(parts.payload);
        headers["content-type"] ??= "application/json";
      } else if (Object.keys(parts.body).length || ["POST", "PUT", "PATCH"].includes(op.http.method)) {
        body = JSON.stringify(parts.body);
        headers["content-type"] = "application/json";
      }
      return { method: op.http.method, path: fillPath(path, parts.labels, false), query: [...query, ...parts.query], headers, body };
    }
    case "json":
      return {
        method: "POST",
        path: "/",
        headers: { "content-type": `application/x-amz-json-${t.model.metadata.jsonVersion ?? "1.1"}`, "x-amz-target": `${t.model.metadata.targetPrefix}.${t.operation}` },
        body: JSON.stringify(input),
      };
    case "query": {
      const form = new URLSearchParams({ Action: t.operation, Version: t.model.metadata.apiVersion });
      const ref = op.input;
      flattenForm(t.model, ref ? shapeOf(t.model, ref) : undefined, input, "", form);
      return { method: "POST", path: "/", headers: { "content-type": "application/x-www-form-urlencoded; charset=utf-8" }, body: form.toString() };
    }
    case "rest-xml": {
      const parts = splitByLocation(t, input);
      const { path, query } = templateQuery(op.http.requestUri);
      let body: Buffer | string = "";
      const headers = { ...parts.headers };
      if (parts.payload !== undefined) {
        const ref = inputMembers(t).find(([n]) => n === payloadName(t))![1];
        const shape = shapeOf(t.model, ref);
        if (shape.type === "structure") {
          body = `<?xml version="1.0" encoding="UTF-8"?>` + xmlElement(ref.locationName ?? shape.locationName ?? ref.shape, parts.payload);
          headers["content-type"] = "application/xml";
        } else body = typeof parts.payload === "string" ? Buffer.from(parts.payload, "base64") : JSON.stringify(parts.payload);
      }
      return { method: op.http.method, path: fillPath(path, parts.labels, false), query: [...query, ...parts.query], headers, body };
    }
  }
}

function flattenForm(model: ServiceModel, shape: ShapeDef | undefined, value: unknown, prefix: string, form: URLSearchParams): void {
  if (value === undefined || value === null) return;
  if (Array.isArray(value)) {
    if (!value.length) form.append(prefix, "");
    const item = shape?.member ? shapeOf(model, shape.member) : undefined;
    value.forEach((v, i) => flattenForm(model, item, v, `${prefix}.member.${i + 1}`, form));
    return;
  }
  if (typeof value === "object") {
    if (shape?.type === "map") {
      const val = shapeOf(model, shape.value!);
      Object.entries(value).forEach(([k, v], i) => {
        form.append(`${prefix}.entry.${i + 1}.key`, k);
        flattenForm(model, val, v, `${prefix}.entry.${i + 1}.value`, form);
      });
      return;
    }
    for (const [k, v] of Object.entries(value)) {
      const ref = shape?.members && Object.hasOwn(shape.members, k) ? shape.members[k] : undefined;
      flattenForm(model, ref ? shapeOf(model, ref) : undefined, v, prefix ? `${prefix}.${ref?.locationName ?? k}` : (ref?.locationName ?? k), form);
    }
    return;
  }
  const text = typeof value === "number" && shape?.type === "timestamp" ? new Date(value * 1000).toISOString() : String(value);
  form.append(prefix, text);
}

const xmlEscape = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

function xmlElement(name: string, value: unknown): string {
  const tag = name.replace(/[^A-Za-z0-9_.-]/g, "_") || "_";
  if (value === undefined || value === null) return `<${tag}/>`;
  if (Array.isArray(value)) return value.map((v) => xmlElement(tag, v)).join("");
  if (typeof value === "object") return `<${tag}>${Object.entries(value).map(([k, v]) => xmlElement(k, v)).join("")}</${tag}>`;
  return `<${tag}>${xmlEscape(String(value))}</${tag}>`;
}
