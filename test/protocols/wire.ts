/**
 * A tiny HTTP server for protocol tests: the real AWS SDK clients talk to it, it records each raw
 * request exactly as the SDK sent it and answers with whatever the test's responder writes (our
 * protocol serializers). No service logic: only the wire.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { RawRequest } from "../../lib/local/protocols/protocol.js";

export type Responder = (req: RawRequest, res: ServerResponse) => void | Promise<void>;

export interface WireServer {
  endpoint: string;
  /** Requests received so far, in order. */
  requests: RawRequest[];
  /** What the next requests are answered with. */
  respond: Responder;
  close(): Promise<void>;
}

export async function startWireServer(): Promise<WireServer> {
  const wire: WireServer = {
    endpoint: "",
    requests: [],
    respond: (_req, res) => {
      res.writeHead(500).end();
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const url = req.url ?? "/";
      const q = url.indexOf("?");
      const raw: RawRequest = {
        method: req.method ?? "GET",
        path: q === -1 ? url : url.slice(0, q),
        query: new URLSearchParams(q === -1 ? "" : url.slice(q + 1)),
        headers: req.headers,
        body: Buffer.concat(chunks),
      };
      wire.requests.push(raw);
      Promise.resolve(wire.respond(raw, res)).catch((err: unknown) => {
        res.writeHead(599, { "content-type": "text/plain" }).end(String(err));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  wire.endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return wire;
}

/** Client settings that point an SDK client at the wire server: nothing else changed. */
export function clientConfig(endpoint: string) {
  return {
    endpoint,
    region: "us-east-1",
    credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret" },
    maxAttempts: 1,
  };
}
