/**
 * Types and loading of the botocore-format service models in `lib/local/models/`.
 */
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { ModelName } from "../service.js";

export interface ShapeRef {
  shape: string;
  location?: "uri" | "querystring" | "header" | "headers" | "statusCode";
  locationName?: string;
  queryName?: string;
  flattened?: boolean;
  xmlNamespace?: { uri: string; prefix?: string };
  xmlAttribute?: boolean;
  timestampFormat?: "iso8601" | "rfc822" | "unixTimestamp";
  jsonvalue?: boolean;
  idempotencyToken?: boolean;
  hostLabel?: boolean;
  streaming?: boolean;
  eventpayload?: boolean;
  deprecated?: boolean;
}

export interface ShapeDef {
  type: "structure" | "list" | "map" | "string" | "integer" | "long" | "boolean" | "timestamp" | "blob" | "double" | "float";
  members?: Record<string, ShapeRef>;
  required?: string[];
  payload?: string;
  member?: ShapeRef;
  key?: ShapeRef;
  value?: ShapeRef;
  flattened?: boolean;
  enum?: string[];
  pattern?: string;
  min?: number;
  max?: number;
  sensitive?: boolean;
  streaming?: boolean;
  eventstream?: boolean;
  event?: boolean;
  union?: boolean;
  document?: boolean;
  timestampFormat?: "iso8601" | "rfc822" | "unixTimestamp";
  locationName?: string;
  xmlNamespace?: { uri: string };
  error?: { code?: string; httpStatusCode?: number; senderFault?: boolean };
  exception?: boolean;
  fault?: boolean;
}

export interface OperationDef {
  name: string;
  http: { method: string; requestUri: string; responseCode?: number };
  input?: ShapeRef;
  output?: ShapeRef & { resultWrapper?: string };
  errors?: ShapeRef[];
  endpoint?: { hostPrefix: string };
  idempotent?: boolean;
  httpChecksum?: unknown;
}

/** The wire protocol a model speaks, in botocore's names. */
export type ModelProtocol = "rest-json" | "json" | "query" | "rest-xml";

export interface ServiceModel {
  name: ModelName;
  metadata: {
    apiVersion: string;
    protocol: ModelProtocol;
    signingName?: string;
    endpointPrefix: string;
    targetPrefix?: string;
    jsonVersion?: string;
    xmlNamespace?: string;
    serviceId: string;
  };
  operations: Record<string, OperationDef>;
  shapes: Record<string, ShapeDef>;
}

const MODELS_DIR = fileURLToPath(new URL("../models/", import.meta.url));
const cache = new Map<ModelName, ServiceModel>();

export function loadModel(name: ModelName): ServiceModel {
  let m = cache.get(name);
  if (!m) {
    m = { ...(JSON.parse(readFileSync(`${MODELS_DIR}${name}.json`, "utf8")) as Omit<ServiceModel, "name">), name };
    cache.set(name, m);
  }
  return m;
}

/** Every model in `lib/local/models/`, ordered by name. */
export function loadAllModels(): ServiceModel[] {
  return readdirSync(MODELS_DIR)
    .filter((f) => f.endsWith(".json"))
    .sort()
    .map((f) => loadModel(f.slice(0, -".json".length) as ModelName));
}

/** The SigV4 signing name of a model's service (botocore's rule: `signingName`, else `endpointPrefix`). */
export const signingNameOf = (model: ServiceModel): string => model.metadata.signingName ?? model.metadata.endpointPrefix;
