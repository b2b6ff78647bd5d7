/**
 * Request routing: `/_local/…` routes (no SigV4), then SigV4 (credential scope → service), body
 * (limits), operation (by protocol), input parsing and validation, the handler, and the output —
 * every failure answered in the service's own error shape.
 *
 * Everything model-derived (service targets, route tables, handler maps) is built once in
 * `createRouter`; SigV4 itself is `auth/verify-request.ts`.
 */
import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { AwsError, isAwsError } from "../errors.js";
import { authError, type ErrorFamily } from "../auth/sigv4.js";
import { createRequestVerifier, requestHead, type RequestHead, type VerifyFailure } from "../auth/verify-request.js";
import { createRequestContext, type DeniedMessage } from "./context.js";
import { createServiceTargets, type ServiceTarget } from "./service-targets.js";
import { PayloadRejected, type VerifiedPayload } from "../auth/streaming-payload.js";
import { BodyTooLargeError, JSON_BODY_LIMIT, readBody, S3_OBJECT_LIMIT } from "../protocols/body.js";
import { loadAllModels, type ServiceModel } from "../protocols/model.js";
import type { Protocol, RawRequest } from "../protocols/protocol.js";
import { awsJson } from "../protocols/awsjson.js";
import { restJson } from "../protocols/restjson.js";
import type { LocalServices, ModelName, OperationHandler, Principal, ServiceImpl, Shape } from "../service.js";
import { authorizationCount, bearerPrincipal, bearerTokenOf, regionOfInvocationPath } from "../auth/bearer.js";

export type LocalRouteHandler = (
  req: IncomingMessage,
  res: ServerResponse,
  url: { path: string; /** The path below the route's prefix (for `…/*` routes). */ subpath: string; query: URLSearchParams },
) => void | Promise<void>;

export interface RouterOptions {
  local: LocalServices;
  services: ServiceImpl[];
  /** awsQuery (IAM, STS) and restXml (S3); restJson1 and awsJson1.1 are the router's own. */
  protocols: { query: Protocol; restXml: Protocol };
  validate(model: ServiceModel, operation: string, input: Shape): void;
  deniedMessage: DeniedMessage;
}

export interface Router {
  handle(req: IncomingMessage, res: ServerResponse): void;
  /** Adds a Local AgentCore route; a path ending in `/*` matches everything below it. */
  addLocalRoute(method: string, path: string, handler: LocalRouteHandler): void;
  /**
   * Adds a GET route on an AWS path that a user's browser visits without SigV4 (the OAuth2
   * authorize and callback URLs of the Identity data plane); a path ending in `/*` matches the
   * one segment below it. Only unsigned requests are routed there (a signed one goes to SigV4
   * routing as always), and a path a bedrock-agentcore operation could match with GET is refused,
   * so a browser route can never stand in front of an operation and skip its signature check.
   */
  addBrowserRoute(path: string, handler: LocalRouteHandler): void;
}

const MAX_DRAIN = 64 * 1024 * 1024;

/** The operations whose bodies may be as large as an S3 object (everything else: JSON_BODY_LIMIT). */
const OBJECT_UPLOADS = new Set(["PutObject", "UploadPart"]);

export function createRouter(opts: RouterOptions): Router {
  const { local } = opts;
  const targets = createServiceTargets(loadAllModels(), {
    "rest-json": restJson,
    json: awsJson,
    query: opts.protocols.query,
    "rest-xml": opts.protocols.restXml,
  });
  const verifier = createRequestVerifier({
    credentials: local.credentials,
    now: () => local.now(),
    serves: (signingName) => targets.get(signingName) !== undefined,
    wrongServiceDetail: targets.notServed,
  });

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
  const browserRoutes: { exact: boolean; path: string; handler: LocalRouteHandler }[] = [];
  const browserRoute = (method: string, path: string) =>
    method !== "GET"
      ? undefined
      : browserRoutes.find((r) => (r.exact ? path === r.path : path.startsWith(r.path + "/") && path.length > r.path.length + 1 && !path.slice(r.path.length + 1).includes("/")));
  const localPrefixes: { method: string; prefix: string; handler: LocalRouteHandler }[] = [];

  function sendError(res: ServerResponse, target: ServiceTarget, m: ServiceModel, err: AwsError, requestId: string) {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    target.protocol.writeError(m, err, requestId, res);
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

  async function handleAws(req: IncomingMessage, res: ServerResponse, request: RequestHead, raw: RawRequest, requestId: string, started: number) {
    const refuse = (failure: VerifyFailure, known?: ServiceTarget) => {
      const t = known ?? (failure.service === undefined ? undefined : targets.get(failure.service)) ?? targets.guess(raw);
      sendError(res, t, t.models[0]!, authError(t.family, failure.kind, failure.detail), requestId);
    };
    if (authorizationCount(request.headersDistinct) > 1) {
      return refuse({ ok: false, kind: "incomplete", detail: "Send one Authorization header: a SigV4 signature, or Bearer <jwt> for a runtime with a JWT authorizer." });
    }
    const bearer = bearerTokenOf(request.headers.authorization);
    if (bearer !== undefined) {
      const agentcore = targets.get("bedrock-agentcore");
      const matched = agentcore?.match(raw);
      if (agentcore && matched?.operation === "InvokeAgentRuntime") return handleBearer(req, res, raw, requestId, started, agentcore, matched, bearer);
      // Anywhere else a bearer token is no signature: SigV4's own answer follows.
    }
    const head = verifier.checkHead(request);
    if (!head.ok) return refuse(head);
    const target = targets.get(head.service)!;
    const family = target.family;
    const fail = (err: AwsError, m: ServiceModel = target.models[0]!) => sendError(res, target, m, err, requestId);

    // S3 finds its operation without the body, and only object uploads may be large. Those stream
    // (verified while written to disk) so the server never holds an object in memory.
    let matched = target.matchNeedsBody ? undefined : target.match(raw);
    const isUpload = family === "s3" && !!matched && OBJECT_UPLOADS.has(matched.operation);
    const limit = isUpload ? S3_OBJECT_LIMIT : JSON_BODY_LIMIT;
    const declared = Number(req.headers["content-length"]);
    if (Number.isFinite(declared) && declared > limit) {
      res.setHeader("connection", "close");
      fail(tooLarge(family, limit));
      drain(req);
      return;
    }
    const streamed = isUpload ? head.checkStream(req, limit) : undefined;
    let payload: VerifiedPayload | undefined;
    if (streamed) {
      const verified = await streamed;
      if (!verified.ok) {
        res.setHeader("connection", "close");
        refuse(verified, target);
        drain(req);
        return;
      }
      payload = raw.stream = verified.body;
      raw.headers = verified.headers;
    } else {
      let body: Buffer;
      try {
        body = await readBody(req, limit);
      } catch (e) {
        if (e instanceof BodyTooLargeError) {
          res.setHeader("connection", "close");
          fail(tooLarge(family, limit));
          drain(req);
          return;
        }
        // The client went away mid-body: nobody is left to answer, and it is not a server fault.
        if (req.destroyed || (e as NodeJS.ErrnoException).code === "ECONNRESET") {
          local.log(`${raw.method} ${head.service} client closed the connection before sending the whole body ${requestId}`);
          return;
        }
        throw e;
      }
      const verified = await head.checkBody(body);
      if (!verified.ok) return refuse(verified, target);
      raw.body = verified.body;
      raw.headers = verified.headers;
    }

    matched ??= target.match(raw);
    if (!matched) return fail(target.unknownOperation(raw));
    return serve(req, res, raw, requestId, started, { target, matched, principal: head.principal, region: head.region, service: head.service, payload, limit });
  }

  /**
   * InvokeAgentRuntime with `Authorization: Bearer <jwt>`: no SigV4 to check, so the body is only
   * read (within the usual limit); the operation asks the runtime's JWT authorizer. The region is
   * the runtime ARN's (a bearer request names no credential scope).
   */
  async function handleBearer(
    req: IncomingMessage,
    res: ServerResponse,
    raw: RawRequest,
    requestId: string,
    started: number,
    target: ServiceTarget,
    matched: NonNullable<ReturnType<ServiceTarget["match"]>>,
    token: string,
  ) {
    const fail = (err: AwsError) => sendError(res, target, matched.model, err, requestId);
    const declared = Number(req.headers["content-length"]);
    if (Number.isFinite(declared) && declared > JSON_BODY_LIMIT) {
      res.setHeader("connection", "close");
      fail(tooLarge(target.family, JSON_BODY_LIMIT));
      drain(req);
      return;
    }
    try {
      raw.body = await readBody(req, JSON_BODY_LIMIT);
    } catch (e) {
      if (e instanceof BodyTooLargeError) {
        res.setHeader("connection", "close");
        fail(tooLarge(target.family, JSON_BODY_LIMIT));
        drain(req);
        return;
      }
      if (req.destroyed || (e as NodeJS.ErrnoException).code === "ECONNRESET") return;
      throw e;
    }
    const region = regionOfInvocationPath(raw.path) ?? local.region;
    return serve(req, res, raw, requestId, started, { target, matched, principal: bearerPrincipal(local.accountId, token), region, service: "bedrock-agentcore", limit: JSON_BODY_LIMIT });
  }

  /** The operation, once the caller is known: parse, validate, run the handler, write its answer. */
  async function serve(
    req: IncomingMessage,
    res: ServerResponse,
    raw: RawRequest,
    requestId: string,
    started: number,
    call: {
      target: ServiceTarget;
      matched: NonNullable<ReturnType<ServiceTarget["match"]>>;
      principal: Principal;
      region: string;
      service: string;
      payload?: VerifiedPayload;
      limit: number;
    },
  ) {
    const { target, matched, payload } = call;
    const head = { service: call.service, region: call.region, principal: call.principal };
    const family = target.family;
    const limit = call.limit;
    const refuse = (failure: VerifyFailure, known: ServiceTarget) =>
      sendError(res, known, known.models[0]!, authError(known.family, failure.kind, failure.detail), requestId);
    const fail = (err: AwsError, m: ServiceModel = target.models[0]!) => sendError(res, target, m, err, requestId);
    const { model: m, operation } = matched;
    const handler = handlers.get(m.name)?.get(operation);
    if (!handler)
      return fail(new AwsError("NotImplemented", `Local AgentCore does not implement ${m.metadata.serviceId} ${operation} yet.`, 501), m);

    // The caller going away aborts the operation's signal, made only if the handler asks for it.
    let abort: AbortController | undefined;
    let callerGone = false;
    res.once("close", () => {
      if (res.writableFinished) return;
      callerGone = true;
      abort?.abort();
    });
    const signal = () => {
      if (!abort) {
        abort = new AbortController();
        if (callerGone) abort.abort();
      }
      return abort.signal;
    };
    const ctx = createRequestContext({
      requestId,
      region: head.region,
      principal: head.principal,
      model: m.name,
      operation,
      local,
      headers: raw.headers,
      signal,
      family,
      deniedMessage: opts.deniedMessage,
    });
    try {
      const input = target.protocol.parseInput(m, operation, raw);
      opts.validate(m, operation, input);
      const output = (await handler(input, ctx)) ?? {};
      await target.protocol.writeOutput(m, operation, output, requestId, res);
      local.log(`${raw.method} ${head.service} ${operation} ${res.statusCode} ${Date.now() - started}ms ${requestId}`);
    } catch (e) {
      // A streamed body the handler did not read to its end: answer, then discard the rest.
      if (payload && !payload.readableEnded) {
        req.unpipe(payload);
        payload.destroy();
        res.setHeader("connection", "close");
        drain(req);
      }
      if (e instanceof PayloadRejected) {
        local.log(`${raw.method} ${head.service} ${operation} ${e.kind} ${Date.now() - started}ms ${requestId}`);
        return refuse({ ok: false, kind: e.kind, ...(e.detail !== undefined ? { detail: e.detail } : {}) }, target);
      }
      if (e instanceof BodyTooLargeError) return fail(tooLarge(family, limit));
      if (isAwsError(e)) {
        local.log(`${raw.method} ${head.service} ${operation} ${e.code} ${Date.now() - started}ms ${requestId}`);
        return fail(e, m);
      }
      if (payload && (req.destroyed || (e as NodeJS.ErrnoException).code === "ECONNRESET")) {
        local.log(`${raw.method} ${head.service} ${operation} client closed the connection before sending the whole body ${requestId}`);
        res.destroy();
        return;
      }
      if (callerGone) {
        // The client went away (e.g. mid-stream): nothing to answer, nothing broken.
        local.log(`${raw.method} ${head.service} ${operation} client closed the connection ${requestId}`);
        res.destroy();
        return;
      }
      throw Object.assign(e as Error, { operation: `${head.service} ${operation}`, target, model: m });
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

    addBrowserRoute(path, handler) {
      if (path.startsWith("/_local/")) throw new Error(`Browser routes are AWS paths (got ${path}); use addLocalRoute`);
      const exact = !path.endsWith("/*");
      const base = exact ? path : path.slice(0, -2);
      const probe = exact ? base : `${base}/probe-segment`;
      // The Identity data plane's own operations (other services are told apart by their signing name).
      const clash = [targets.get("bedrock-agentcore")].find((t) => t?.match({ method: "GET", path: probe, query: new URLSearchParams(), headers: {}, body: Buffer.alloc(0) }));
      if (clash) throw new Error(`GET ${path} is an API operation's path; it cannot be a browser route`);
      browserRoutes.push({ exact, path: base, handler });
    },

    handle(req, res) {
      const started = Date.now();
      const requestId = randomUUID();
      res.setHeader("x-amzn-requestid", requestId);
      const head = requestHead(req);
      const path = head.rawPath;
      const query = new URLSearchParams(head.rawQuery);
      const raw: RawRequest = { method: head.method, path, query, headers: req.headers, body: Buffer.alloc(0) };

      const signed = req.headers.authorization !== undefined || query.has("X-Amz-Signature") || query.has("X-Amz-Credential");
      const browser = signed ? undefined : browserRoute(head.method, path);
      const work = path.startsWith("/_local/")
        ? handleLocal(req, res, path, query, requestId)
        : browser
          ? Promise.resolve(browser.handler(req, res, { path, subpath: path.slice(browser.path.length), query }))
          : handleAws(req, res, head, raw, requestId, started);
      work.catch((e: Error & { operation?: string; target?: ServiceTarget; model?: ServiceModel }) => {
        // Stack to the log (never a secret: handlers' errors carry names and ids, not key material).
        local.log(`error ${raw.method} ${path} ${e.operation ?? ""} ${requestId}: ${e.stack ?? e.message}`);
        if (res.headersSent) {
          res.destroy();
          return;
        }
        const t = e.target ?? (path.startsWith("/_local/") ? undefined : targets.guess(raw));
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
