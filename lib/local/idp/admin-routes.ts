/**
 * `/_local/admin/idp/{users,clients}`: create and list the identity provider's users and clients.
 * Admin identity only, SigV4-signed as every admin route (a client secret is answered once, to the
 * admin who created the client, and never logged).
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { isAwsError } from "../errors.js";
import { requestHead, type RequestVerifier } from "../auth/verify-request.js";
import { WHY } from "../http/admin-routes.js";
import { BodyTooLargeError, readBody } from "../protocols/body.js";
import type { LocalRouteHandler } from "../http/router.js";
import type { CreateClientInput, CreateUserInput, Directory } from "./directory.js";
import { idpEndpoints } from "./paths.js";

const BODY_LIMIT = 64 * 1024;

function answer(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": String(Buffer.byteLength(text)), "cache-control": "no-store" });
  res.end(text);
}

async function adminBody(req: IncomingMessage, res: ServerResponse, verify: RequestVerifier): Promise<Buffer | undefined> {
  const refuse = (why: string) => answer(res, 403, { __type: "AccessDeniedException", message: `The identity provider's admin routes are for the admin identity: ${why}.` });
  const head = verify.checkHead(requestHead(req));
  if (!head.ok) return void refuse(WHY[head.kind]);
  let body: Buffer;
  try {
    body = req.method === "GET" ? Buffer.alloc(0) : await readBody(req, BODY_LIMIT);
  } catch (e) {
    if (e instanceof BodyTooLargeError) return void answer(res, 413, { __type: "ValidationException", message: "The request body is larger than 64 KiB." });
    throw e;
  }
  const verified = await head.checkBody(body);
  if (!verified.ok) return void refuse(WHY[verified.kind]);
  if (head.principal.kind !== "admin") return void refuse("only Local AgentCore's admin identity may manage the identity provider");
  return verified.body;
}

function parse(body: Buffer): Record<string, unknown> {
  try {
    const v = JSON.parse(body.toString("utf8") || "{}") as unknown;
    if (v && typeof v === "object" && !Array.isArray(v)) return v as Record<string, unknown>;
  } catch {
    // answered below
  }
  throw Object.assign(new Error("bad json"), { badJson: true });
}

export function idpAdminRoute(deps: { verify: RequestVerifier; directory: () => Directory; endpoint: () => string; log: (line: string) => void }): LocalRouteHandler {
  return async (req, res, url) => {
    const body = await adminBody(req, res, deps.verify);
    if (!body) return;
    const directory = deps.directory();
    const method = req.method ?? "GET";
    try {
      if (url.subpath === "/users" && method === "GET") return answer(res, 200, { users: directory.listUsers() });
      if (url.subpath === "/clients" && method === "GET") {
        return answer(res, 200, { clients: directory.listClients(), ...idpEndpoints(deps.endpoint()) });
      }
      if (url.subpath === "/users" && method === "POST") {
        const user = directory.createUser(parse(body) as unknown as CreateUserInput);
        deps.log(`identity provider: user ${user.username} created`);
        return answer(res, 200, { user });
      }
      if (url.subpath === "/clients" && method === "POST") {
        const created = directory.createClient(parse(body) as unknown as CreateClientInput);
        deps.log(`identity provider: client ${created.client.clientId} created`);
        return answer(res, 200, { ...created, ...idpEndpoints(deps.endpoint()) });
      }
      const userPath = /^\/users\/([^/]+)$/.exec(url.subpath);
      if (userPath && method === "DELETE") {
        const name = decodeURIComponent(userPath[1]!);
        if (!directory.deleteUser(name)) return answer(res, 404, { __type: "ResourceNotFoundException", message: `No identity provider user ${name}.` });
        deps.log(`identity provider: user ${name} deleted`);
        return answer(res, 200, {});
      }
      const clientPath = /^\/clients\/([^/]+)$/.exec(url.subpath);
      if (clientPath && method === "DELETE") {
        const id = decodeURIComponent(clientPath[1]!);
        if (!directory.deleteClient(id)) return answer(res, 404, { __type: "ResourceNotFoundException", message: `No identity provider client ${id}.` });
        deps.log(`identity provider: client ${id} deleted`);
        return answer(res, 200, {});
      }
      return answer(res, 404, { __type: "UnknownOperationException", message: `No identity provider admin route ${method} ${url.path}.` });
    } catch (e) {
      if ((e as { badJson?: boolean }).badJson) return answer(res, 400, { __type: "SerializationException", message: "The body is not a JSON object." });
      if (isAwsError(e)) return answer(res, e.status ?? 400, { __type: e.code, message: e.message });
      throw e;
    }
  };
}
