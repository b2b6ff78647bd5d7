/**
 * The awsQuery protocol (IAM, STS): form-encoded `Action=…&Version=…` requests, XML responses
 * wrapped in `<OpResponse><OpResult>` with `ResponseMetadata`, and `<ErrorResponse>` errors.
 */
import type { ServerResponse } from "node:http";
import { AwsError } from "../errors.js";
import type { Shape } from "../service.js";
import type { ServiceModel, ShapeDef, ShapeRef } from "./model.js";
import type { Protocol, RawRequest } from "./protocol.js";
import { coerceScalar, inputShape, outputShape, shapeOf } from "./shapes.js";
import { element, structureXml, textElement, type XmlWriteStyle } from "./xml.js";

/** The form fields of a request: the urlencoded body of a POST, else the query string. */
const formCache = new WeakMap<RawRequest, URLSearchParams>();

export function formFields(req: RawRequest): URLSearchParams {
  let form = formCache.get(req);
  if (!form) {
    const type = String(req.headers["content-type"] ?? "").toLowerCase();
    form = new URLSearchParams(req.query);
    if (req.method === "POST" && (type.startsWith("application/x-www-form-urlencoded") || (type === "" && req.body.length))) {
      for (const [k, v] of new URLSearchParams(req.body.toString("utf8"))) form.append(k, v);
    }
    formCache.set(req, form);
  }
  return form;
}

/** IAM returns policy documents URL-encoded inside its XML, and the SDK hands them over as they are. */
const URL_ENCODED_SHAPES: Partial<Record<string, Set<string>>> = {
  iam: new Set(["policyDocumentType"]),
};

function writeStyle(model: ServiceModel): XmlWriteStyle {
  const encoded = URL_ENCODED_SHAPES[model.name];
  return {
    timestampMillis: false,
    encodeString: encoded ? (shapeName, v) => (encoded.has(shapeName) ? encodeURIComponent(v) : v) : undefined,
  };
}

const namespaceOf = (model: ServiceModel): string =>
  model.metadata.xmlNamespace ?? `https://${model.metadata.endpointPrefix}.amazonaws.com/doc/${model.metadata.apiVersion}/`;

/** Statuses of common unmodeled query errors. */
const UNMODELED_STATUS: Record<string, number> = {
  AccessDenied: 403,
  AccessDeniedException: 403,
  SignatureDoesNotMatch: 403,
  InvalidClientTokenId: 403,
  IncompleteSignature: 400,
  ExpiredToken: 400,
  MissingAuthenticationToken: 403,
  RequestExpired: 400,
  Throttling: 400,
  InternalFailure: 500,
  ServiceUnavailable: 503,
  NotImplemented: 501,
  InvalidAction: 400,
};

export const awsQuery: Protocol = {
  match(model, req) {
    if (model.metadata.protocol !== "query") return undefined;
    const action = formFields(req).get("Action");
    return action && Object.hasOwn(model.operations, action) ? action : undefined;
  },

  parseInput(model, operation, req) {
    const form = formFields(req);
    const version = form.get("Version");
    if (version !== null && version !== model.metadata.apiVersion)
      throw new AwsError("InvalidAction", `Could not find operation ${operation} for version ${version}`, 400);
    return readStructure(model, inputShape(model, operation), "", new FormIndex(form)) ?? {};
  },

  writeOutput(model, operation, output, requestId, res) {
    const op = model.operations[operation]!;
    const shape = outputShape(model, operation);
    const metadata = element("ResponseMetadata", textElement("RequestId", requestId));
    let inner = metadata;
    if (shape) {
      const wrapper = op.output?.resultWrapper ?? `${operation}Result`;
      inner = element(wrapper, structureXml(model, shape, output ?? {}, writeStyle(model))) + metadata;
    }
    send(res, 200, requestId, element(`${operation}Response`, inner, { xmlns: namespaceOf(model) }));
  },

  writeError(model, error, requestId, res) {
    const { code, status } = resolveError(model, error);
    let fields = "";
    for (const [k, v] of Object.entries(error.fields ?? {}))
      if (v !== undefined && v !== null && typeof v !== "object") fields += textElement(k, String(v));
    const body = element(
      "ErrorResponse",
      element(
        "Error",
        textElement("Type", status >= 500 ? "Receiver" : "Sender") + textElement("Code", code) + textElement("Message", error.message) + fields,
      ) + textElement("RequestId", requestId),
      { xmlns: namespaceOf(model) },
    );
    send(res, status, requestId, body);
  },
};

/** The wire code and status of an error: from the modeled error shape when there is one. */
function resolveError(model: ServiceModel, error: AwsError): { code: string; status: number } {
  const byName = model.shapes[error.code];
  const shape: ShapeDef | undefined = byName?.exception
    ? byName
    : Object.values(model.shapes).find((s) => s.exception && s.error?.code === error.code);
  const code = shape?.error?.code ?? error.code;
  const status = error.status ?? shape?.error?.httpStatusCode ?? UNMODELED_STATUS[code] ?? 400;
  return { code, status };
}

function send(res: ServerResponse, status: number, requestId: string, xml: string): void {
  const body = Buffer.from(xml, "utf8");
  res.writeHead(status, {
    "content-type": "text/xml",
    "content-length": String(body.length),
    "x-amzn-requestid": requestId,
  });
  res.end(body);
}

// ---- form fields → input shape ----

/** The form's keys and every dotted prefix of them, so nested lookups are O(1). */
class FormIndex {
  readonly prefixes = new Set<string>();
  constructor(readonly form: URLSearchParams) {
    for (const key of form.keys()) {
      let i = key.indexOf(".");
      while (i !== -1) {
        this.prefixes.add(key.slice(0, i));
        i = key.indexOf(".", i + 1);
      }
      this.prefixes.add(key);
    }
  }
  has(prefix: string): boolean {
    return this.prefixes.has(prefix);
  }
  get(key: string): string | undefined {
    return this.form.get(key) ?? undefined;
  }
}

function readStructure(model: ServiceModel, shape: ShapeDef, prefix: string, form: FormIndex): Shape | undefined {
  const out: Shape = {};
  let any = false;
  for (const [memberName, ref] of Object.entries(shape.members ?? {})) {
    const key = prefix + (ref.locationName ?? memberName);
    const v = readValue(model, ref, key, form);
    if (v !== undefined) {
      out[memberName] = v;
      any = true;
    }
  }
  return any || prefix === "" ? out : undefined;
}

function readValue(model: ServiceModel, ref: ShapeRef, key: string, form: FormIndex): unknown {
  const shape = shapeOf(model, ref);
  switch (shape.type) {
    case "structure":
      return form.has(key) ? readStructure(model, shape, `${key}.`, form) : undefined;
    case "list":
      return readList(model, ref, shape, key, form);
    case "map":
      return readMap(model, ref, shape, key, form);
    default: {
      const raw = form.get(key);
      return raw === undefined ? undefined : coerceScalar(shape, raw);
    }
  }
}

/** `Name.member.N` (or `Name.N` when flattened); `Name=` alone is an empty list. */
function readList(model: ServiceModel, ref: ShapeRef, shape: ShapeDef, key: string, form: FormIndex): unknown[] | undefined {
  if (!form.has(key)) return undefined;
  const itemRef = shape.member!;
  const base = ref.flattened || shape.flattened ? key : `${key}.${itemRef.locationName ?? "member"}`;
  const items: unknown[] = [];
  for (let n = 1; form.has(`${base}.${n}`); n++) items.push(readValue(model, itemRef, `${base}.${n}`, form));
  return items;
}

/** `Name.entry.N.key` / `Name.entry.N.value` (without `entry` when flattened). */
function readMap(model: ServiceModel, ref: ShapeRef, shape: ShapeDef, key: string, form: FormIndex): Record<string, unknown> | undefined {
  if (!form.has(key)) return undefined;
  const base = ref.flattened || shape.flattened ? key : `${key}.entry`;
  const keyName = shape.key!.locationName ?? "key";
  const valueName = shape.value!.locationName ?? "value";
  const map: Record<string, unknown> = {};
  for (let n = 1; form.has(`${base}.${n}`); n++) {
    const k = form.get(`${base}.${n}.${keyName}`);
    if (k !== undefined) map[k] = readValue(model, shape.value!, `${base}.${n}.${valueName}`, form);
  }
  return map;
}
