/**
 * The restXml protocol, as S3 speaks it path-style (`/bucket/key…`): operations found from the
 * model's `requestUri` templates and query markers, members read from labels, query string,
 * headers and the payload, outputs written as headers plus an XML document or a streamed body,
 * and errors as `<Error><Code>…</Code></Error>` (no body for HEAD).
 */
import type { ServerResponse } from "node:http";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { AwsError } from "../errors.js";
import type { Shape } from "../service.js";
import type { ServiceModel, ShapeDef, ShapeRef } from "./model.js";
import type { Protocol, RawRequest } from "./protocol.js";
import { coerceScalar, formatTimestamp, inputShape, outputShape, scalarText, shapeOf, timestampFormatOf, toDate } from "./shapes.js";
import { element, parseXmlDocument, readStructure, structureAttributes, structureXml, textElement, type XmlWriteStyle } from "./xml.js";

const S3_NAMESPACE = "http://s3.amazonaws.com/doc/2006-03-01/";
const XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n';
const STYLE: XmlWriteStyle = { timestampMillis: true };

type Segment = { literal: string } | { label: string; greedy: boolean };

interface Route {
  operation: string;
  method: string;
  segments: Segment[];
  /** Query markers from the requestUri (`?list-type=2`, `?acl`): value undefined means "present". */
  markers: { key: string; value: string | undefined }[];
  requiredQuery: string[];
  requiredHeaders: string[];
  /** Every query parameter the operation reads: breaks ties between routes with the same path. */
  queryMembers: Set<string>;
}

const routeCache = new WeakMap<ServiceModel, Route[]>();

function routesOf(model: ServiceModel): Route[] {
  let routes = routeCache.get(model);
  if (routes) return routes;
  routes = Object.entries(model.operations).map(([operation, op]) => {
    const [pathPart = "/", queryPart = ""] = op.http.requestUri.split("?", 2);
    const segments: Segment[] = pathPart
      .split("/")
      .filter((s) => s !== "")
      .map((s) => {
        const m = /^\{([^}+]+)(\+?)\}$/.exec(s);
        return m ? { label: m[1]!, greedy: m[2] === "+" } : { literal: s };
      });
    const markers = [...new URLSearchParams(queryPart)].map(([key, value]) => ({ key, value: value === "" ? undefined : value }));
    const input = op.input ? shapeOf(model, op.input) : undefined;
    const required = new Set(input?.required ?? []);
    const located = (where: string) =>
      Object.entries(input?.members ?? {})
        .filter(([name, ref]) => required.has(name) && ref.location === where)
        .map(([name, ref]) => ref.locationName ?? name);
    return {
      operation,
      method: op.http.method,
      segments,
      markers,
      requiredQuery: located("querystring"),
      requiredHeaders: located("header").map((h) => h.toLowerCase()),
      queryMembers: new Set(
        Object.entries(input?.members ?? {})
          .filter(([, ref]) => ref.location === "querystring")
          .map(([name, ref]) => ref.locationName ?? name),
      ),
    };
  });
  routeCache.set(model, routes);
  return routes;
}

/** Raw (still percent-encoded) label values when the path fits the route's segments. */
function matchPath(route: Route, rawSegments: string[]): Record<string, string[]> | undefined {
  const segs = route.segments.some((s) => "greedy" in s && s.greedy) ? rawSegments : trimTrailingEmpty(rawSegments);
  const labels: Record<string, string[]> = {};
  for (let i = 0; i < route.segments.length; i++) {
    const seg = route.segments[i]!;
    if ("literal" in seg) {
      if (segs[i] !== seg.literal) return undefined;
    } else if (seg.greedy) {
      const rest = segs.slice(i);
      if (!rest.length || rest.join("/") === "") return undefined;
      labels[seg.label] = rest;
      return labels;
    } else {
      if (!segs[i]) return undefined;
      labels[seg.label] = [segs[i]!];
    }
  }
  return segs.length === route.segments.length ? labels : undefined;
}

const trimTrailingEmpty = (segs: string[]): string[] => (segs.length && segs[segs.length - 1] === "" ? segs.slice(0, -1) : segs);

function rawSegmentsOf(path: string): string[] {
  const p = path.startsWith("/") ? path.slice(1) : path;
  return p === "" ? [] : p.split("/");
}

/** The best route for a request: most query markers, then required members present, then literals. */
function findRoute(model: ServiceModel, req: RawRequest): { route: Route; labels: Record<string, string[]> } | undefined {
  const segs = rawSegmentsOf(req.path);
  const xId = req.query.get("x-id");
  let best: { route: Route; labels: Record<string, string[]>; score: number } | undefined;
  for (const route of routesOf(model)) {
    if (route.method !== req.method) continue;
    const labels = matchPath(route, segs);
    if (!labels) continue;
    if (!route.markers.every((m) => (m.value === undefined ? req.query.has(m.key) : req.query.get(m.key) === m.value))) continue;
    if (!route.requiredQuery.every((q) => req.query.has(q))) continue;
    if (!route.requiredHeaders.every((h) => req.headers[h] !== undefined)) continue;
    const score =
      (xId === route.operation ? 1000 : 0) +
      route.markers.length * 100 +
      (route.requiredQuery.length + route.requiredHeaders.length) * 10 +
      route.segments.filter((s) => "literal" in s).length +
      // Same path and markers (GET / is ListBuckets and ListDirectoryBuckets): the one whose
      // query parameters the request uses.
      [...req.query.keys()].filter((k) => route.queryMembers.has(k)).length * 0.01;
    if (!best || score > best.score) best = { route, labels, score };
  }
  return best;
}

function decodeLabel(raw: string[]): string {
  try {
    return raw.map((s) => decodeURIComponent(s)).join("/");
  } catch {
    throw new AwsError("InvalidURI", "Couldn't parse the specified URI.", 400);
  }
}

const headerValue = (req: RawRequest, name: string): string | undefined => {
  const v = req.headers[name.toLowerCase()];
  return Array.isArray(v) ? v.join(",") : v;
};

/** Statuses of S3 errors the model does not carry (most S3 errors are unmodeled). */
const S3_STATUS: Record<string, number> = {
  AccessDenied: 403,
  BucketNotEmpty: 409,
  BucketAlreadyExists: 409,
  BucketAlreadyOwnedByYou: 409,
  NoSuchBucket: 404,
  NoSuchKey: 404,
  NoSuchUpload: 404,
  NotFound: 404,
  InvalidAccessKeyId: 403,
  SignatureDoesNotMatch: 403,
  RequestTimeTooSkewed: 403,
  ExpiredToken: 400,
  PreconditionFailed: 412,
  InvalidRange: 416,
  MethodNotAllowed: 405,
  EntityTooLarge: 400,
  InternalError: 500,
  NotImplemented: 501,
  ServiceUnavailable: 503,
  SlowDown: 503,
};

/** Root elements of S3 outputs, which the botocore model does not name. */
const ROOT_NAMES: Record<string, string> = {
  ListObjectsV2Output: "ListBucketResult",
  ListObjectsOutput: "ListBucketResult",
  ListBucketsOutput: "ListAllMyBucketsResult",
  ListObjectVersionsOutput: "ListVersionsResult",
  DeleteObjectsOutput: "DeleteResult",
  CreateMultipartUploadOutput: "InitiateMultipartUploadResult",
  CompleteMultipartUploadOutput: "CompleteMultipartUploadResult",
  ListMultipartUploadsOutput: "ListMultipartUploadsResult",
  ListPartsOutput: "ListPartsResult",
  GetBucketLocationOutput: "LocationConstraint",
  GetObjectTaggingOutput: "Tagging",
  GetBucketTaggingOutput: "Tagging",
  GetObjectAclOutput: "AccessControlPolicy",
  GetBucketAclOutput: "AccessControlPolicy",
  GetBucketVersioningOutput: "VersioningConfiguration",
};

const MALFORMED_XML = "The XML you provided was not well-formed or did not validate against our published schema";

export const restXml: Protocol = {
  match(model, req) {
    if (model.metadata.protocol !== "rest-xml") return undefined;
    return findRoute(model, req)?.route.operation;
  },

  parseInput(model, operation, req) {
    const shape = inputShape(model, operation);
    const found = findRoute(model, req);
    const labels = found?.route.operation === operation ? found.labels : {};
    const input: Shape = {};
    let bodyMembers = false;
    for (const [name, ref] of Object.entries(shape.members ?? {})) {
      const member = shapeOf(model, ref);
      const wire = ref.locationName ?? name;
      let v: unknown;
      switch (ref.location) {
        case "uri":
          v = labels[wire] ? coerceScalar(member, decodeLabel(labels[wire]!)) : undefined;
          break;
        case "querystring":
          v = readQuery(model, member, wire, req);
          break;
        case "header":
          v = readHeader(model, member, wire, req);
          break;
        case "headers":
          v = readPrefixedHeaders(wire, req);
          break;
        case "statusCode":
          break;
        default:
          if (name === shape.payload) v = readPayload(model, ref, member, req);
          else bodyMembers = true;
      }
      if (v !== undefined) input[name] = v;
    }
    if (!shape.payload && bodyMembers && req.body.length) Object.assign(input, readStructure(model, shape, parseBody(req.body).node));
    if (model.name === "s3") undoAwsChunked(shape, input, req);
    return input;
  },

  async writeOutput(model, operation, output, requestId, res) {
    const op = model.operations[operation]!;
    const shape = outputShape(model, operation);
    const out = output ?? {};
    let status = op.http.responseCode ?? 200;
    setRequestHeaders(res, requestId);
    let payload: unknown;
    let xml: string | undefined;
    if (shape) {
      for (const [name, ref] of Object.entries(shape.members ?? {})) {
        const v = out[name];
        if (v === undefined || v === null) continue;
        const member = shapeOf(model, ref);
        if (ref.location === "header") res.setHeader(ref.locationName ?? name, headerText(model, ref, member, v));
        else if (ref.location === "headers") {
          for (const [k, hv] of Object.entries(v as Record<string, unknown>))
            if (hv !== undefined && hv !== null) res.setHeader(`${ref.locationName ?? ""}${k}`, safeHeader(String(hv)));
        } else if (ref.location === "statusCode") status = Number(v);
      }
      if (shape.payload) {
        const ref = shape.members![shape.payload]!;
        const member = shapeOf(model, ref);
        const v = out[shape.payload];
        if (member.type === "structure" && v) xml = rootXml(model, ref.locationName ?? member.locationName ?? ref.shape, member, v as Shape, ref.xmlNamespace?.uri);
        else payload = v;
      } else if (Object.entries(shape.members ?? {}).some(([n, r]) => !r.location && out[n] !== undefined && out[n] !== null)) {
        const outRef = op.output!;
        xml = rootXml(model, shape.locationName ?? ROOT_NAMES[outRef.shape] ?? outRef.shape.replace(/Output$/, "Result"), shape, out, shape.xmlNamespace?.uri);
      }
    }
    const head = isHead(res);
    if (xml !== undefined) {
      const body = Buffer.from(XML_DECLARATION + xml, "utf8");
      res.setHeader("content-type", "application/xml");
      if (!res.hasHeader("content-length")) res.setHeader("content-length", String(body.length));
      res.writeHead(status);
      res.end(head ? undefined : body);
      return;
    }
    if (payload instanceof Readable) {
      res.writeHead(status);
      if (head) {
        payload.destroy();
        res.end();
        return;
      }
      // The client going away ends the pipeline with an error; the stream is already destroyed.
      await pipeline(payload, res).catch(() => res.destroy());
      return;
    }
    const bytes =
      payload === undefined || payload === null
        ? Buffer.alloc(0)
        : Buffer.isBuffer(payload)
          ? payload
          : payload instanceof Uint8Array
            ? Buffer.from(payload)
            : Buffer.from(String(payload), "utf8");
    if (!res.hasHeader("content-length") && !head) res.setHeader("content-length", String(bytes.length));
    res.writeHead(status);
    res.end(head || status === 204 || status === 304 ? undefined : bytes);
  },

  writeError(model, error, requestId, res) {
    const shape = model.shapes[error.code];
    const status = error.status ?? (shape?.exception ? shape.error?.httpStatusCode : undefined) ?? S3_STATUS[error.code] ?? 400;
    setRequestHeaders(res, requestId);
    if (isHead(res)) {
      res.writeHead(status).end();
      return;
    }
    let fields = "";
    for (const [k, v] of Object.entries(error.fields ?? {}))
      if (v !== undefined && v !== null && typeof v !== "object") fields += textElement(k, String(v));
    const xml =
      XML_DECLARATION +
      element(
        "Error",
        textElement("Code", error.code) + textElement("Message", error.message) + fields + textElement("RequestId", requestId) + textElement("HostId", hostId(requestId)),
      );
    const body = Buffer.from(xml, "utf8");
    res.writeHead(status, { "content-type": "application/xml", "content-length": String(body.length) });
    res.end(body);
  },
};

/**
 * A streamed upload arrives as `aws-chunked` (already de-chunked by the server): S3 does not keep
 * that content coding, and the object's length is the decoded one.
 */
function undoAwsChunked(shape: ShapeDef, input: Shape, req: RawRequest): void {
  if (typeof input.ContentEncoding === "string") {
    const codings = input.ContentEncoding.split(",").map((c) => c.trim()).filter((c) => c !== "" && c !== "aws-chunked");
    if (codings.length) input.ContentEncoding = codings.join(",");
    else delete input.ContentEncoding;
  }
  if (input.ContentLength === undefined && shape.members?.ContentLength && shape.payload && Buffer.isBuffer(input[shape.payload])) {
    const decoded = Number(headerValue(req, "x-amz-decoded-content-length"));
    input.ContentLength = Number.isInteger(decoded) && decoded >= 0 ? decoded : (input[shape.payload] as Buffer).length;
  }
}

function rootXml(model: ServiceModel, name: string, shape: ShapeDef, value: Shape, namespace: string | undefined): string {
  return element(name, structureXml(model, shape, value, STYLE), { xmlns: namespace ?? S3_NAMESPACE, ...structureAttributes(shape, value) });
}

const isHead = (res: ServerResponse): boolean => res.req?.method === "HEAD";

const hostId = (requestId: string): string => Buffer.from(`local/${requestId}`).toString("base64");

function setRequestHeaders(res: ServerResponse, requestId: string): void {
  res.setHeader("x-amz-request-id", requestId);
  res.setHeader("x-amz-id-2", hostId(requestId));
}

/** Header text; non-ASCII or control characters are sent RFC 2047-encoded, as S3 does for metadata. */
function safeHeader(s: string): string {
  return /^[\x20-\x7e]*$/.test(s) ? s : `=?UTF-8?B?${Buffer.from(s, "utf8").toString("base64")}?=`;
}

function headerText(model: ServiceModel, ref: ShapeRef, shape: ShapeDef, value: unknown): string {
  if (shape.type === "timestamp") return formatTimestamp(value, timestampFormatOf(ref, shape, "rfc822"));
  if (shape.type === "list") {
    const item = shapeOf(model, shape.member!);
    return (value as unknown[]).map((v) => headerText(model, shape.member!, item, v)).join(", ");
  }
  if (ref.jsonvalue) return Buffer.from(JSON.stringify(value)).toString("base64");
  return safeHeader(scalarText(shape, value));
}

function readQuery(model: ServiceModel, shape: ShapeDef, name: string, req: RawRequest): unknown {
  if (shape.type === "list") {
    const all = req.query.getAll(name);
    return all.length ? all.map((v) => coerceScalar(shapeOf(model, shape.member!), v)) : undefined;
  }
  const v = req.query.get(name);
  if (v === null) return undefined;
  return shape.type === "timestamp" ? (toDate(v) ?? v) : coerceScalar(shape, v);
}

function readHeader(model: ServiceModel, shape: ShapeDef, name: string, req: RawRequest): unknown {
  const v = headerValue(req, name);
  if (v === undefined) return undefined;
  if (shape.type === "list") {
    const item = shapeOf(model, shape.member!);
    return v.split(",").map((s) => coerceScalar(item, s.trim()));
  }
  return coerceScalar(shape, v);
}

function readPrefixedHeaders(prefix: string, req: RawRequest): Record<string, string> | undefined {
  const p = prefix.toLowerCase();
  const map: Record<string, string> = {};
  let any = false;
  for (const [k, v] of Object.entries(req.headers)) {
    if (!k.startsWith(p) || v === undefined) continue;
    map[k.slice(p.length)] = Array.isArray(v) ? v.join(",") : v;
    any = true;
  }
  return any ? map : undefined;
}

function readPayload(model: ServiceModel, ref: ShapeRef, shape: ShapeDef, req: RawRequest): unknown {
  if (shape.type === "blob") return req.stream ?? req.body;
  if (shape.type === "string") return req.body.length ? req.body.toString("utf8") : undefined;
  if (shape.type === "structure") {
    if (!req.body.length) return undefined;
    const doc = parseBody(req.body);
    const expected = ref.locationName ?? shape.locationName ?? ref.shape;
    if (doc.name !== expected) throw new AwsError("MalformedXML", MALFORMED_XML, 400);
    return readStructure(model, shape, doc.node);
  }
  return undefined;
}

function parseBody(body: Buffer): ReturnType<typeof parseXmlDocument> {
  try {
    return parseXmlDocument(body.toString("utf8"));
  } catch {
    throw new AwsError("MalformedXML", MALFORMED_XML, 400);
  }
}
