/**
 * Requests authenticated with `Authorization: Bearer <jwt>` instead of SigV4. AgentCore accepts
 * them on one operation only, InvokeAgentRuntime, where the runtime's JWT authorizer decides; every
 * other request still needs SigV4 (and gets the usual signature errors).
 */
import type { BearerPrincipal } from "../service.js";

type Headers = Record<string, string | string[] | undefined>;

/** The token of an `Authorization: Bearer …` header (the scheme is case-insensitive, RFC 7235); undefined for any other. */
export function bearerTokenOf(authorization: unknown): string | undefined {
  if (typeof authorization !== "string") return undefined;
  const m = /^bearer[ \t]+(\S+)[ \t]*$/i.exec(authorization);
  if (m) return m[1];
  // `Bearer` with no token, or with something that is not one token: still a bearer attempt, never SigV4.
  return /^bearer(\s|$)/i.test(authorization) ? "" : undefined;
}

/** How many Authorization headers the request carries (a second one is never silently dropped). */
export const authorizationCount = (headersDistinct: Headers): number => {
  const v = headersDistinct.authorization;
  return v === undefined ? 0 : Array.isArray(v) ? v.length : 1;
};

/** The region of the runtime ARN in an invocation path (`/runtimes/<url-encoded ARN>/invocations`). */
export function regionOfInvocationPath(rawPath: string): string | undefined {
  const segment = rawPath.split("/")[2] ?? "";
  let arn: string;
  try {
    arn = decodeURIComponent(segment);
  } catch {
    return undefined;
  }
  return /^arn:aws[a-z-]*:bedrock-agentcore:([a-z0-9-]+):\d{12}:runtime\//.exec(arn)?.[1];
}

export const bearerPrincipal = (accountId: string, token: string): BearerPrincipal => ({
  kind: "bearer",
  accountId,
  arn: "anonymous (JWT bearer token)",
  token,
});
