/**
 * Request routing: `/_local/…` routes (no SigV4), then SigV4 (credential scope → service), body
 * (limits, aws-chunked), operation (by protocol), input parsing and validation, the handler, and
 * the output — every failure answered in the service's own error shape.
 *
 * Everything model-derived (route tables, handler maps) is built once in `createRouter`.
 */
import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { AwsError, isAwsError } from "../errors.js";
import {
  authError,
  MAX_SKEW_MS,
  parseAmzDate,
  parseAuthorization,
  payloadHashMatches,
  scopeServiceOf,
  signatureMatches,
  skewMessage,
  type ErrorFamily,
} from "../auth/sigv4.js";
import { createRequestContext, type DeniedMessage } from "./context.js";
import { BodyTooLargeError, decodeAwsChunked, isAwsChunked, JSON_BODY_LIMIT, MalformedChunkedBodyError, readBody, S3_OBJECT_LIMIT } from "../protocols/body.js";
import { loadModel, type ServiceModel } from "../protocols/model.js";
import type { Protocol, RawRequest } from "../protocols/protocol.js";
import { awsJson } from "../protocols/awsjson.js";
import { compileRouteTable, matchRestJson, restJson } from "../protocols/restjson.js";
import type { LocalServices, ModelName, OperationHandler, Principal, ServiceImpl, Shape } from "../service.js";

export type LocalRouteHandler = (
  req: IncomingMessage,
  res: ServerResponse,
  url: { path: string; /** The path below the route's prefix (for `…/*` routes). */ subpath: string; query: URLSearchParams },
) => void | Promise<void>;

export interface RouterOptions {
  local: LocalServices;
  services: ServiceImpl[];
  /** awsQuery (IAM, STS) and restXml (S3). */
  protocols: { query: Protocol; restXml: Protocol };
  validate(model: ServiceModel, operation: string, input: Shape): void;
  deniedMessage: DeniedMessage;
}

export interface Router {
  handle(req: IncomingMessage, res: ServerResponse): void;
  /** Adds a Local AgentCore route; a path ending in `/*` matches everything below it. */
  addLocalRoute(method: string, path: string, handler: LocalRouteHandler): void;
}

/** One SigV4 signing name and what serves it. */
interface Target {
  family: ErrorFamily;
  models: ServiceModel[];
  protocol: Protocol;
  /** Whether the body is needed to find the operation (awsQuery's `Action`). */
  matchNeedsBody: boolean;
  match(req: RawRequest): { model: ServiceModel; operation: string } | undefined;
  unknownOperation(req: RawRequest): AwsError;
}

const MAX_DRAIN = 64 * 1024 * 1024;

export function createRouter(opts: RouterOptions): Router {
  const { local } = opts;
  const model = (n: ModelName) => loadModel(n);
  const control = model("bedrock-agentcore-control");
  const data = model("bedrock-agentcore");
  const agentcoreRoutes = compileRouteTable([control, data]);

  const single = (m: ServiceModel, protocol: Protocol) => (req: RawRequest) => {
    const operation = protocol.match(m, req);
    return operation ? { model: m, operation } : undefined;
  };

  const targets: Record<string, Target> = {
    "bedrock-agentcore": {
      family: "json",
      models: [control, data],
      protocol: restJson,
      matchNeedsBody: false,
      match: (req) => matchRestJson(agentcoreRoutes, req),
      unknownOperation: (req) => new AwsError("UnknownOperationException", `No bedrock-agentcore operation matches ${req.method} ${req.path}`, 404),
    },
    iam: {
      family: "query",
      models: [model("iam")],
      protocol: opts.protocols.query,
      matchNeedsBody: true,
      match: single(model("iam"), opts.protocols.query),
      unknownOperation: (req) => new AwsError("InvalidAction", `Could not find operation ${actionOf(req) ?? "(none)"} for version 2010-05-08`, 400),
    },
    sts: {
      family: "query",
      models: [model("sts")],
      protocol: opts.protocols.query,
      matchNeedsBody: true,
      match: single(model("sts"), opts.protocols.query),
      unknownOperation: (req) => new AwsError("InvalidAction", `Could not find operation ${actionOf(req) ?? "(none)"} for version 2011-06-15`, 400),
    },
    ecr: {
      family: "json",
      models: [model("ecr")],
      protocol: awsJson,
      matchNeedsBody: false,
      match: single(model("ecr"), awsJson),
      unknownOperation: (req) =>
        new AwsError("UnknownOperationException", `Unknown operation ${String(req.headers["x-amz-target"] ?? "(no X-Amz-Target header)")}`, 400),
    },
    s3: {
      family: "s3",
      models: [model("s3")],
      protocol: opts.protocols.restXml,
      matchNeedsBody: false,
      match: single(model("s3"), opts.protocols.restXml),
      unknownOperation: (req) => new AwsError("NotImplemented", `Local AgentCore's S3 has no operation for ${req.method} ${req.path}`, 501),
    },
  };

  // Handlers per model; several ServiceImpls may serve one model.
  const handlers = new Map<ModelName, Map<string, OperationHandler>>();
  for (const svc of opts.services) {
    let ops = handlers.get(svc.model);
    if (!ops) handlers.set(svc.model, (ops = new Map()));
    for (const [name, h] of Object.entries(svc.operations)) {
      if (ops.has(name)) local.log(`warning: two services handle ${svc.model}:${name}; the later one wins`);
      ops.set(name, h);
    }
  }

  const localRoutes = new Map<string, LocalRouteHandler>();
  const localPrefixes: { method: string; prefix: string; handler: LocalRouteHandler }[] = [];

  function sendError(res: ServerResponse, target: Target, m: ServiceModel, err: AwsError, requestId: string) {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    target.protocol.writeError(m, err, requestId, res);
  }

  /** The service a request without usable SigV4 was most likely meant for (to answer in its shape). */
  function guessTarget(req: RawRequest): Target {
    if (req.headers["x-amz-target"]) return targets.ecr!;
    const ct = req.headers["content-type"];
    if (typeof ct === "string" && ct.startsWith("application/x-www-form-urlencoded")) return targets.iam!;
    if (agentcoreRoutes.match(req.method, req.path, req.query)) return targets["bedrock-agentcore"]!;
    return targets.s3!;
  }

  async function handleLocal(req: IncomingMessage, res: ServerResponse, path: string, query: URLSearchParams, requestId: string) {
    const method = req.method ?? "GET";
    const exact = localRoutes.get(`${method} ${path}`);
    const handler = exact
      ? { handler: exact, subpath: "" }
      : (() => {
          const p = localPrefixes.find((r) => r.method === method && (path === r.prefix || path.startsWith(r.prefix + "/")));
          return p ? { handler: p.handler, subpath: path.slice(p.prefix.length) } : undefined;
        })();
    if (!handler) {
      const allowed = [...localRoutes.keys()].some((k) => k.endsWith(` ${path}`));
      const status = allowed ? 405 : 404;
      const text = JSON.stringify({ message: allowed ? `${method} is not allowed on ${path}` : `Local AgentCore has no route ${path}` });
      res.writeHead(status, { "content-type": "application/json", "x-amzn-requestid": requestId });
      res.end(text);
      return;
    }
    await handler.handler(req, res, { path, subpath: handler.subpath, query });
  }

  async function handleAws(req: IncomingMessage, res: ServerResponse, raw: RawRequest, rawQuery: string, requestId: string, started: number) {
    const authorization = req.headers.authorization;
    if (!authorization) {
      const t = guessTarget(raw);
      return sendError(res, t, t.models[0]!, authError(t.family, "missing"), requestId);
    }
    const auth = parseAuthorization(authorization);
    const target = targets[auth?.service ?? scopeServiceOf(authorization) ?? ""];
    if (!auth) {
      const t = target ?? guessTarget(raw);
      return sendError(res, t, t.models[0]!, authError(t.family, "incomplete"), requestId);
    }
    if (!target) {
      const t = guessTarget(raw);
      return sendError(
        res,
        t,
        t.models[0]!,
        authError(t.family, "wrong-service", `Local AgentCore serves bedrock-agentcore, iam, sts, ecr and s3, not '${auth.service}'.`),
        requestId,
      );
    }
    const family = target.family;
    const fail = (err: AwsError, m: ServiceModel = target.models[0]!) => sendError(res, target, m, err, requestId);

    const amzDate = req.headers["x-amz-date"];
    const signingDate = parseAmzDate(typeof amzDate === "string" ? amzDate : undefined);
    if (!signingDate) return fail(authError(family, "incomplete", "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header."));
    if ((amzDate as string).slice(0, 8) !== auth.shortDate)
      return fail(authError(family, "incomplete", `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${auth.shortDate}' != '${(amzDate as string).slice(0, 8)}'`));
    const now = local.now();
    if (Math.abs(now.getTime() - signingDate.getTime()) > MAX_SKEW_MS) return fail(authError(family, "skew", skewMessage(signingDate, now)));

    const token = req.headers["x-amz-security-token"];
    const resolved = local.credentials.resolve(auth.accessKeyId, typeof token === "string" ? token : undefined);
    if ("error" in resolved) {
      return fail(authError(family, resolved.error === "unknown" ? "unknown-key" : resolved.error === "expired" ? "expired-token" : "bad-token"));
    }

    // S3 finds its operation without the body, and only object uploads may be large.
    let matched = target.matchNeedsBody ? undefined : target.match(raw);
    const limit = family === "s3" && (matched?.operation === "PutObject" || matched?.operation === "UploadPart") ? S3_OBJECT_LIMIT : JSON_BODY_LIMIT;
    try {
      raw.body = await readBody(req, limit);
    } catch (e) {
      if (e instanceof BodyTooLargeError) {
        res.setHeader("connection", "close");
        fail(tooLarge(family, limit));
        drain(req);
        return;
      }
      // The client went away mid-body: nobody is left to answer, and it is not a server fault.
      if (req.destroyed || (e as NodeJS.ErrnoException).code === "ECONNRESET") {
        local.log(`${raw.method} ${auth.service} client closed the connection before sending the whole body ${requestId}`);
        return;
      }
      throw e;
    }

    if (!payloadHashMatches(req.headers, raw.body)) return fail(authError(family, "payload-hash"));
    const signed = await signatureMatches(
      { method: raw.method, rawPath: raw.path, rawQuery, headers: req.headersDistinct, body: raw.body },
      auth,
      resolved.secretAccessKey,
      signingDate,
    );
    if (!signed) return fail(authError(family, "bad-signature"));

    if (isAwsChunked(req.headers)) {
      let trailers: Record<string, string>;
      try {
        ({ payload: raw.body, trailers } = decodeAwsChunked(raw.body));
      } catch (e) {
        if (e instanceof MalformedChunkedBodyError) return fail(new AwsError("IncompleteBody", e.message, 400));
        throw e;
      }
      const decodedLength = req.headers["x-amz-decoded-content-length"];
      if (typeof decodedLength === "string" && Number(decodedLength) !== raw.body.length)
        return fail(new AwsError("IncompleteBody", "You did not provide the number of bytes specified by the x-amz-decoded-content-length HTTP header.", 400));
      // Trailing headers (x-amz-checksum-*) reach the service as if they had been headers.
      raw.headers = { ...raw.headers, ...trailers };
      const enc = (typeof raw.headers["content-encoding"] === "string" ? raw.headers["content-encoding"] : "")
        .split(",")
        .map((s) => s.trim())
        .filter((s) => s && s !== "aws-chunked");
      if (enc.length) raw.headers["content-encoding"] = enc.join(", ");
      else delete raw.headers["content-encoding"];
      raw.headers["content-length"] = String(raw.body.length);
    }

    matched ??= target.match(raw);
    if (!matched) return fail(target.unknownOperation(raw));
    const { model: m, operation } = matched;
    const handler = handlers.get(m.name)?.get(operation);
    if (!handler)
      return fail(new AwsError("NotImplemented", `Local AgentCore does not implement ${m.metadata.serviceId} ${operation} yet.`, 501), m);

    const abort = new AbortController();
    res.once("close", () => {
      if (!res.writableFinished) abort.abort();
    });
    const ctx = createRequestContext({
      requestId,
      region: auth.region,
      principal: resolved.principal as Principal,
      model: m.name,
      operation,
      local,
      headers: raw.headers,
      signal: abort.signal,
      family,
      deniedMessage: opts.deniedMessage,
    });
    try {
      const input = target.protocol.parseInput(m, operation, raw);
      opts.validate(m, operation, input);
      const output = (await handler(input, ctx)) ?? {};
      await target.protocol.writeOutput(m, operation, output, requestId, res);
      local.log(`${raw.method} ${auth.service} ${operation} ${res.statusCode} ${Date.now() - started}ms ${requestId}`);
    } catch (e) {
      if (isAwsError(e)) {
        local.log(`${raw.method} ${auth.service} ${operation} ${e.code} ${Date.now() - started}ms ${requestId}`);
        return fail(e, m);
      }
      if (abort.signal.aborted) {
        // The client went away (e.g. mid-stream): nothing to answer, nothing broken.
        local.log(`${raw.method} ${auth.service} ${operation} client closed the connection ${requestId}`);
        res.destroy();
        return;
      }
      throw Object.assign(e as Error, { operation: `${auth.service} ${operation}`, target, model: m });
    }
  }

  return {
    addLocalRoute(method, path, handler) {
      if (!path.startsWith("/_local/")) throw new Error(`Local routes live under /_local/ (got ${path})`);
      if (path.endsWith("/*")) {
        // Adding a route again replaces it (as for exact routes).
        const route = { method: method.toUpperCase(), prefix: path.slice(0, -2), handler };
        const i = localPrefixes.findIndex((r) => r.method === route.method && r.prefix === route.prefix);
        if (i >= 0) localPrefixes[i] = route;
        else localPrefixes.push(route);
      }
      else localRoutes.set(`${method.toUpperCase()} ${path}`, handler);
    },

    handle(req, res) {
      const started = Date.now();
      const requestId = randomUUID();
      res.setHeader("x-amzn-requestid", requestId);
      const url = req.url ?? "/";
      const qi = url.indexOf("?");
      const path = qi < 0 ? url : url.slice(0, qi);
      const rawQuery = qi < 0 ? "" : url.slice(qi + 1);
      const query = new URLSearchParams(rawQuery);
      const raw: RawRequest = { method: req.method ?? "GET", path, query, headers: req.headers, body: Buffer.alloc(0) };

      const work = path.startsWith("/_local/") ? handleLocal(req, res, path, query, requestId) : handleAws(req, res, raw, rawQuery, requestId, started);
      work.catch((e: Error & { operation?: string; target?: Target; model?: ServiceModel }) => {
        // Stack to the log (never a secret: handlers' errors carry names and ids, not key material).
        local.log(`error ${raw.method} ${path} ${e.operation ?? ""} ${requestId}: ${e.stack ?? e.message}`);
        if (res.headersSent) {
          res.destroy();
          return;
        }
        const t = e.target ?? (path.startsWith("/_local/") ? undefined : guessTarget(raw));
        const err = new AwsError("InternalFailure", `Local AgentCore failed while handling this request (request id ${requestId}); see .agentcore-local/server.log.`, 500);
        if (t) t.protocol.writeError(e.model ?? t.models[0]!, err, requestId, res);
        else {
          res.writeHead(500, { "content-type": "application/json" });
          res.end(JSON.stringify({ message: err.message }));
        }
      });
    },
  };
}

function actionOf(req: RawRequest): string | undefined {
  const fromQuery = req.query.get("Action");
  if (fromQuery) return fromQuery;
  return new URLSearchParams(req.body.toString("utf8")).get("Action") ?? undefined;
}

function tooLarge(family: ErrorFamily, limit: number): AwsError {
  const mib = Math.round(limit / (1024 * 1024));
  if (family === "s3") return new AwsError("EntityTooLarge", `Your proposed upload exceeds the maximum allowed size (${mib} MiB in Local AgentCore).`, 400);
  if (family === "query") return new AwsError("RequestEntityTooLarge", `Request body exceeds the ${mib} MiB limit.`, 413);
  return new AwsError("RequestEntityTooLargeException", `Request body exceeds the ${mib} MiB limit.`, 413);
}

/** Reads and discards the rest of an oversized body so the client sees the error response. */
function drain(req: IncomingMessage) {
  let seen = 0;
  req.on("data", (c: Buffer) => {
    seen += c.length;
    if (seen > MAX_DRAIN) req.destroy();
  });
  req.resume();
}
