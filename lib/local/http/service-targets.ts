/**
 * The services Local AgentCore answers, keyed by SigV4 signing name and derived from the service
 * models: models that sign with one name (bedrock-agentcore's control and data planes) form one
 * target. How a target finds an operation, what it answers when none matches and which error
 * vocabulary it speaks depend only on the model's protocol, so those rules live in one table keyed
 * by protocol, not by service.
 */
import { AwsError } from "../errors.js";
import type { ErrorFamily } from "../auth/sigv4.js";
import { signingNameOf, type ModelProtocol, type ServiceModel } from "../protocols/model.js";
import type { Protocol, RawRequest } from "../protocols/protocol.js";
import { compileRouteTable, matchRestJson } from "../protocols/restjson.js";

export interface OperationMatch {
  model: ServiceModel;
  operation: string;
}

/** One SigV4 signing name and what serves it. */
export interface ServiceTarget {
  signingName: string;
  family: ErrorFamily;
  /** At least one; the first answers errors that belong to no operation. */
  models: ServiceModel[];
  protocol: Protocol;
  /** Whether the body is needed to find the operation (awsQuery's `Action` may be a form field). */
  matchNeedsBody: boolean;
  match(req: RawRequest): OperationMatch | undefined;
  unknownOperation(req: RawRequest): AwsError;
}

interface ProtocolRules {
  family: ErrorFamily;
  matchNeedsBody: boolean;
  matcher(models: ServiceModel[], wire: Protocol): (req: RawRequest) => OperationMatch | undefined;
  unknownOperation(target: ServiceTarget, req: RawRequest): AwsError;
  /** Whether a request without usable SigV4 looks like this protocol's (to answer in its shape). */
  looksLike(req: RawRequest, target: ServiceTarget): boolean;
}

/** The first model whose protocol finds an operation for the request. */
const firstMatch = (models: ServiceModel[], wire: Protocol) => (req: RawRequest) => {
  for (const model of models) {
    const operation = wire.match(model, req);
    if (operation) return { model, operation };
  }
  return undefined;
};

const RULES: Record<ModelProtocol, ProtocolRules> = {
  "rest-json": {
    family: "json",
    matchNeedsBody: false,
    matcher: (models) => {
      const table = compileRouteTable(models);
      return (req) => matchRestJson(table, req);
    },
    unknownOperation: (t, req) => new AwsError("UnknownOperationException", `No ${t.signingName} operation matches ${req.method} ${req.path}`, 404),
    looksLike: (req, t) => t.match(req) !== undefined,
  },
  json: {
    family: "json",
    matchNeedsBody: false,
    matcher: firstMatch,
    unknownOperation: (_t, req) =>
      new AwsError("UnknownOperationException", `Unknown operation ${String(req.headers["x-amz-target"] ?? "(no X-Amz-Target header)")}`, 400),
    looksLike: (req) => req.headers["x-amz-target"] !== undefined,
  },
  query: {
    family: "query",
    matchNeedsBody: true,
    matcher: firstMatch,
    unknownOperation: (t, req) =>
      new AwsError("InvalidAction", `Could not find operation ${actionOf(req) ?? "(none)"} for version ${t.models[0]!.metadata.apiVersion}`, 400),
    looksLike: (req) => String(req.headers["content-type"] ?? "").startsWith("application/x-www-form-urlencoded"),
  },
  "rest-xml": {
    family: "s3",
    matchNeedsBody: false,
    matcher: firstMatch,
    unknownOperation: (t, req) =>
      new AwsError("NotImplemented", `Local AgentCore's ${t.models[0]!.metadata.serviceId} has no operation for ${req.method} ${req.path}`, 501),
    // Path-style REST on XML takes any method and path: the last resort.
    looksLike: () => true,
  },
};

/** Which protocol's shape a request without usable SigV4 most likely expects, most telling first. */
const GUESS_ORDER: ModelProtocol[] = ["json", "query", "rest-json", "rest-xml"];

function actionOf(req: RawRequest): string | undefined {
  const fromQuery = req.query.get("Action");
  if (fromQuery) return fromQuery;
  return new URLSearchParams(req.body.toString("utf8")).get("Action") ?? undefined;
}

export interface ServiceTargets {
  /** The served signing names, in model order. */
  readonly signingNames: string[];
  get(signingName: string): ServiceTarget | undefined;
  /** The target a request without usable SigV4 was most likely meant for (to answer in its shape). */
  guess(req: RawRequest): ServiceTarget;
  /** The `wrong-service` detail for a signing name that is not served. */
  notServed(signingName: string): string;
}

export function createServiceTargets(models: ServiceModel[], wires: Record<ModelProtocol, Protocol>): ServiceTargets {
  const grouped = new Map<string, ServiceModel[]>();
  for (const model of models) {
    const name = signingNameOf(model);
    const group = grouped.get(name);
    if (!group) grouped.set(name, [model]);
    else if (group[0]!.metadata.protocol !== model.metadata.protocol)
      throw new Error(`Models ${group[0]!.name} and ${model.name} share the signing name ${name} but not a protocol`);
    else group.push(model);
  }

  const targets = new Map<string, ServiceTarget>();
  for (const [signingName, group] of grouped) {
    const protocolName = group[0]!.metadata.protocol;
    const rules = RULES[protocolName];
    const wire = wires[protocolName];
    const match = rules.matcher(group, wire);
    const target: ServiceTarget = {
      signingName,
      family: rules.family,
      models: group,
      protocol: wire,
      matchNeedsBody: rules.matchNeedsBody,
      match,
      unknownOperation: (req) => rules.unknownOperation(target, req),
    };
    targets.set(signingName, target);
  }
  if (targets.size === 0) throw new Error("No service models to serve");

  const signingNames = [...targets.keys()];
  const served = signingNames.length === 1 ? signingNames[0]! : `${signingNames.slice(0, -1).join(", ")} and ${signingNames.at(-1)!}`;

  return {
    signingNames,
    get: (signingName) => targets.get(signingName),
    guess(req) {
      for (const protocolName of GUESS_ORDER) {
        for (const t of targets.values()) {
          if (t.models[0]!.metadata.protocol === protocolName && RULES[protocolName].looksLike(req, t)) return t;
        }
      }
      return targets.values().next().value!;
    },
    notServed: (signingName) => `Local AgentCore serves ${served}, not '${signingName}'.`,
  };
}
