/**
 * A small protected resource API, a stand-in for a calendar API, so an agent has something real to
 * call with a token from the built-in identity provider: `GET|POST <CALENDAR_PATH>/v3/calendars/primary/events`.
 * Bearer tokens (RFC 6750) are checked for signature, issuer, audience and lifetime; reading needs
 * `calendar.read`, writing `calendar.write`. Events are kept per token subject.
 */
import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { LocalServices } from "../service.js";
import { InvalidTokenError, type AccessTokenClaims } from "./bearer.js";

export const KIND_CALENDAR_EVENT = "idp-calendar-event";
const EVENTS = "/v3/calendars/primary/events";
const BODY_LIMIT = 64 * 1024;

interface CalendarEvent {
  id: string;
  summary: string;
  start?: unknown;
  end?: unknown;
  created: string;
}

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "cache-control": "no-store", "content-length": String(Buffer.byteLength(text)), ...headers });
  res.end(text);
}

const quote = (s: string) => `"${s.replace(/["\\]/g, "")}"`;

function challenge(error?: string, description?: string, scope?: string): Record<string, string> {
  const params = [`realm=${quote("calendar")}`];
  if (error) params.push(`error=${quote(error)}`);
  if (description) params.push(`error_description=${quote(description)}`);
  if (scope) params.push(`scope=${quote(scope)}`);
  return { "www-authenticate": `Bearer ${params.join(", ")}` };
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown> | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req as AsyncIterable<Buffer>) {
    size += c.length;
    if (size > BODY_LIMIT) return undefined;
    chunks.push(c);
  }
  try {
    const v = JSON.parse(Buffer.concat(chunks).toString("utf8")) as unknown;
    return v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

export function createCalendarApi(deps: { local: LocalServices; verify: (token: string) => AccessTokenClaims }) {
  const { local } = deps;
  return async (req: IncomingMessage, res: ServerResponse, subpath: string) => {
    if (subpath !== EVENTS) return json(res, 404, { error: { code: 404, message: `No calendar API route ${subpath}; try ${EVENTS}.` } });
    const method = req.method ?? "GET";
    const needed = method === "GET" ? "calendar.read" : "calendar.write";

    const auth = req.headers.authorization ?? "";
    const match = /^Bearer ([A-Za-z0-9\-._~+/]+=*)$/.exec(auth);
    if (!match) return json(res, 401, { error: { code: 401, message: "Send an access token: Authorization: Bearer <token>." } }, challenge());
    let claims: AccessTokenClaims;
    try {
      claims = deps.verify(match[1]!);
    } catch (e) {
      if (!(e instanceof InvalidTokenError)) throw e;
      return json(res, 401, { error: { code: 401, message: e.message } }, challenge("invalid_token", e.message));
    }
    const granted = new Set((claims.scope ?? "").split(" "));
    if (!granted.has(needed)) {
      const message = `This call needs the ${needed} scope; the token has ${claims.scope ? claims.scope : "none"}.`;
      return json(res, 403, { error: { code: 403, message } }, challenge("insufficient_scope", message, needed));
    }
    const owner = String(claims.sub ?? claims.client_id);

    if (method === "GET") {
      const items = local.store.list<CalendarEvent>(KIND_CALENDAR_EVENT, `${owner}/`);
      return json(res, 200, { kind: "calendar#events", items });
    }
    const body = await readJson(req);
    if (!body || typeof body.summary !== "string" || body.summary.length === 0 || body.summary.length > 1024) {
      return json(res, 400, { error: { code: 400, message: "Send a JSON event with a summary (1-1024 characters), e.g. {\"summary\":\"Lunch\"}." } });
    }
    const event: CalendarEvent = { id: randomUUID(), summary: body.summary, start: body.start, end: body.end, created: local.now().toISOString() };
    local.store.tx(() => local.store.put(KIND_CALENDAR_EVENT, `${owner}/${event.id}`, event));
    return json(res, 200, { kind: "calendar#event", ...event });
  };
}
