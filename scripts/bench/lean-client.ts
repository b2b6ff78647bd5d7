/**
 * A lean load generator for the benches, as wrk or autocannon would sit next to a server: it sends
 * the exact wire request an AWS SDK v3 client sends (captured once from the SDK: method, path,
 * query, headers, body), signed afresh for every request with the SDK's own SignatureV4 (its
 * signing key cached, as the SDK's is), over a keep-alive http.Agent. So a bench measures Local
 * AgentCore's own cost rather than the SDK client's command pipeline, and the server still
 * verifies a real signature on every call.
 */
import { randomUUID } from "node:crypto";
import { Agent, request } from "node:http";
import type { BedrockAgentCoreClient } from "@aws-sdk/client-bedrock-agentcore";
import { Hash } from "@smithy/hash-node";
import { HttpRequest } from "@smithy/protocol-http";
import { SignatureV4 } from "@smithy/signature-v4";
import type { Credentials } from "./own-local.js";

/** A request as it goes on the wire. */
export interface WireRequest {
  method: string;
  hostname: string;
  port?: number;
  path: string;
  query: Record<string, string | string[] | null>;
  headers: Record<string, string>;
  body: Buffer;
}

/** Headers the signer (re)writes, and the SDK's per-request id: never part of a template. */
const PER_REQUEST = new Set(["authorization", "x-amz-date", "x-amz-security-token", "x-amz-content-sha256", "amz-sdk-invocation-id"]);

function toBuffer(body: unknown): Buffer {
  if (body === undefined || body === null) return Buffer.alloc(0);
  if (typeof body === "string") return Buffer.from(body);
  if (body instanceof Uint8Array) return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  throw new Error(`cannot capture a ${typeof body} request body (a stream?): the lean client replays fixed bodies only`);
}

function wire(r: HttpRequest): WireRequest {
  return {
    method: r.method,
    hostname: r.hostname,
    port: r.port,
    path: r.path,
    query: { ...(r.query as WireRequest["query"]) },
    headers: { ...r.headers },
    body: toBuffer(r.body),
  };
}

/**
 * Sends `command` through the SDK `client` once and returns the request as the SDK put it on the
 * wire (signed), with the SDK's response output.
 */
export async function captureSdkRequest<O>(client: BedrockAgentCoreClient, command: object): Promise<{ request: WireRequest; output: O }> {
  let captured: WireRequest | undefined;
  const name = `capture-${randomUUID()}`;
  // The deserialize step is the innermost: the request it sees is the signed one sent.
  client.middlewareStack.add(
    (next) => async (args) => {
      if (HttpRequest.isInstance(args.request)) captured = wire(args.request);
      return next(args);
    },
    { step: "deserialize", name, priority: "low" },
  );
  try {
    const output = (await client.send(command as never)) as O;
    if (!captured) throw new Error("the SDK sent no HTTP request to capture");
    return { request: captured, output };
  } finally {
    client.middlewareStack.remove(name);
  }
}

/** The captured request less what is made afresh per request (signature, date, SDK invocation id). */
export function template(captured: WireRequest): WireRequest {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(captured.headers)) if (!PER_REQUEST.has(k.toLowerCase())) headers[k] = v;
  return { ...captured, headers };
}

export interface LeanSigner {
  /** The template signed for one request: a fresh SDK invocation id, date and signature. */
  sign(t: WireRequest, o?: { signingDate?: Date; invocationId?: string }): Promise<WireRequest>;
}

export function leanSigner(o: { credentials: Credentials; region: string; service: string }): LeanSigner {
  const signer = new SignatureV4({ service: o.service, region: o.region, credentials: { ...o.credentials }, sha256: Hash.bind(null, "sha256"), applyChecksum: true });
  return {
    async sign(t, opts = {}) {
      const req = new HttpRequest({ ...t, query: { ...t.query }, headers: { ...t.headers, "amz-sdk-invocation-id": opts.invocationId ?? randomUUID() } });
      const signed = (await signer.sign(req, { signingDate: opts.signingDate })) as HttpRequest;
      return { ...t, headers: { ...signed.headers } };
    },
  };
}

function pathWithQuery(r: WireRequest): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(r.query)) {
    for (const one of Array.isArray(v) ? v : [v]) parts.push(one === null ? encodeURIComponent(k) : `${encodeURIComponent(k)}=${encodeURIComponent(one)}`);
  }
  return parts.length ? `${r.path}?${parts.join("&")}` : r.path;
}

/** Sends one wire request; resolves with the status and the whole body. */
export function send(agent: Agent, r: WireRequest): Promise<{ status: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: r.hostname, port: r.port, method: r.method, path: pathWithQuery(r), headers: { ...r.headers, "content-length": String(r.body.length) }, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.once("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
      res.once("error", reject);
    });
    req.once("error", reject);
    req.end(r.body);
  });
}

export const leanAgent = (maxSockets = 64) => new Agent({ keepAlive: true, maxSockets });
