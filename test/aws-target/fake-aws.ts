/**
 * AWS, unreachable from here, played at the SDK's call boundary: a middleware placed just inside
 * each real client's deserializer records the request the SDK built (real serialization, real
 * `*.amazonaws.com` endpoint for the region, real SigV4 signature) and answers with a canned
 * response in that service's wire format, which the SDK's own deserializer then parses. Nothing in
 * the library is replaced; only the network hop to AWS is.
 */
import { Readable } from "node:stream";
import { HttpResponse, type HttpRequest } from "@smithy/protocol-http";
import type { Session, SessionClients } from "../../lib/session.js";

export interface RecordedCall {
  /** The session client that sent it (`control`, `data`, `iam`, `sts`, `ecr`, `s3`, `cognito`). */
  client: keyof SessionClients;
  /** `CreateAgentRuntime` (the command's name without `Command`). */
  operation: string;
  /** The command's input, as the library passed it. */
  input: Record<string, unknown>;
  method: string;
  host: string;
  path: string;
  query: Record<string, string | string[] | null>;
  headers: Record<string, string>;
  body: string;
  /** From the Authorization header: `<AKID>/<date>/<region>/<service>/aws4_request`. */
  credentialScope?: { accessKeyId: string; region: string; service: string };
}

export interface Canned {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export type Handler = (call: RecordedCall) => Canned;

interface LooseStack {
  addRelativeTo(middleware: unknown, options: Record<string, unknown>): void;
}

export const ACCOUNT = "123456789012";

/** restJson1 (AgentCore control and data plane). */
export const restJson = (status: number, value: unknown, headers: Record<string, string> = {}): Canned => ({
  status,
  headers: { "content-type": "application/json", ...headers },
  body: value === undefined ? "" : JSON.stringify(value),
});
export const restJsonError = (status: number, name: string, message: string): Canned => ({
  status,
  headers: { "content-type": "application/json", "x-amzn-errortype": `${name}:http://internal.amazon.com/coral/com.amazon.bedrockagentcore/` },
  body: JSON.stringify({ message }),
});

/** awsJson1_1 (ECR). */
export const awsJson = (value: unknown): Canned => ({ status: 200, headers: { "content-type": "application/x-amz-json-1.1" }, body: JSON.stringify(value) });
export const awsJsonError = (name: string, message: string): Canned => ({
  status: 400,
  headers: { "content-type": "application/x-amz-json-1.1" },
  body: JSON.stringify({ __type: name, message }),
});

/** awsQuery (IAM, STS): `<OpResponse><OpResult>…</OpResult>…</OpResponse>`. */
export function query(operation: string, resultXml = "", xmlns = "https://iam.amazonaws.com/doc/2010-05-08/"): Canned {
  const result = resultXml ? `<${operation}Result>${resultXml}</${operation}Result>` : "";
  return {
    status: 200,
    headers: { "content-type": "text/xml" },
    body: `<${operation}Response xmlns="${xmlns}">${result}<ResponseMetadata><RequestId>${requestId()}</RequestId></ResponseMetadata></${operation}Response>`,
  };
}
export const queryError = (status: number, code: string, message: string): Canned => ({
  status,
  headers: { "content-type": "text/xml" },
  body: `<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><Error><Type>Sender</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>${requestId()}</RequestId></ErrorResponse>`,
});

let requests = 0;
const requestId = () => `00000000-0000-4000-8000-${String(++requests).padStart(12, "0")}`;

function credentialScopeOf(headers: Record<string, string>): RecordedCall["credentialScope"] {
  const m = /Credential=([^/]+)\/\d{8}\/([^/]+)\/([^/]+)\/aws4_request/.exec(headers["authorization"] ?? "");
  return m ? { accessKeyId: m[1]!, region: m[2]!, service: m[3]! } : undefined;
}

function bodyText(body: unknown): string {
  if (body === undefined || body === null) return "";
  if (typeof body === "string") return body;
  if (body instanceof Uint8Array) return Buffer.from(body).toString("utf8");
  return String(body);
}

/**
 * The stand-in for AWS: `on(operation, handler)` answers an operation; an operation with no
 * handler fails the call with an error naming it (so an unexpected call is seen, not swallowed).
 */
export class FakeAws {
  readonly calls: RecordedCall[] = [];
  private readonly handlers = new Map<string, Handler>();

  on(operation: string, handler: Handler | Canned): this {
    this.handlers.set(operation, typeof handler === "function" ? handler : () => handler);
    return this;
  }

  /** The operations called so far, in order (`iam:CreateRole`). */
  sequence(filter?: (c: RecordedCall) => boolean): string[] {
    return this.calls.filter((c) => filter?.(c) ?? true).map((c) => `${c.client}:${c.operation}`);
  }

  find(operation: string): RecordedCall[] {
    return this.calls.filter((c) => c.operation === operation);
  }

  one(operation: string): RecordedCall {
    const found = this.find(operation);
    if (found.length !== 1) throw new Error(`expected one ${operation} call, got ${found.length}`);
    return found[0]!;
  }

  /** Adds the boundary middleware to every client of the session. */
  attach(s: Session): void {
    for (const [client, sdkClient] of Object.entries(s.clients) as [keyof SessionClients, SessionClients[keyof SessionClients]][]) {
      // One middleware for every client of different input/output types: typed loosely on purpose.
      (sdkClient.middlewareStack as unknown as LooseStack).addRelativeTo(
        (_next: unknown, context: { commandName?: string }) => async (args: { request: HttpRequest; input: Record<string, unknown> }) => {
          const r = args.request;
          const headers = Object.fromEntries(Object.entries(r.headers).map(([k, v]) => [k.toLowerCase(), v]));
          const call: RecordedCall = {
            client,
            operation: (context.commandName ?? "").replace(/Command$/, ""),
            input: args.input,
            method: r.method,
            host: r.hostname,
            path: r.path,
            query: r.query as RecordedCall["query"],
            headers,
            body: bodyText(r.body),
            credentialScope: credentialScopeOf(headers),
          };
          this.calls.push(call);
          const handler = this.handlers.get(call.operation);
          const canned = handler ? handler(call) : restJsonError(500, "UnexpectedCallInTest", `FakeAws has no answer for ${client}:${call.operation}`);
          const response = new HttpResponse({
            statusCode: canned.status,
            headers: { "x-amzn-requestid": requestId(), ...canned.headers },
            body: Readable.from([Buffer.from(canned.body)]),
          });
          return { response, output: undefined };
        },
        { relation: "after", toMiddleware: "deserializerMiddleware", name: "fakeAwsBoundary", override: true },
      );
    }
  }
}

/** STS GetCallerIdentity for the learner's IAM user. */
export function callerIdentity(account = ACCOUNT): Canned {
  return query(
    "GetCallerIdentity",
    `<Arn>arn:aws:iam::${account}:user/learner</Arn><UserId>AIDAEXAMPLEUSERID0001</UserId><Account>${account}</Account>`,
    "https://sts.amazonaws.com/doc/2011-06-15/",
  );
}
