/**
 * Which request headers a runtime's `requestHeaderConfiguration.requestHeaderAllowlist` may pass to
 * its agent, by AWS's rules (devguide "Pass custom headers to Amazon Bedrock AgentCore Runtime"):
 * - never `x-amz-*` (SigV4's own: the signature date, the session token, the payload hash);
 * - never `x-amzn-*`, except the `X-Amzn-Bedrock-AgentCore-Runtime-Custom-` prefix;
 * - never the restricted list (content negotiation, caching, connection, request context,
 *   range/transfer, server information, proxy authentication);
 * - `Authorization` only for a runtime with a `customJWTAuthorizer` (it then carries the caller's
 *   JWT; with SigV4 it would carry the caller's signature);
 * - names compare case-insensitively and may not repeat; values are at most 4 KB.
 * Local AgentCore also refuses the headers through which the runtime itself hands the agent its
 * workload access token and callback URL: those come from AgentCore, never from the caller.
 *
 * Create/UpdateAgentRuntime refuse a list that breaks these rules (ValidationException); the
 * invocation path applies them again, for records written before the rules.
 */

const RESTRICTED = new Set(
  [
    "proxy-authorization", "www-authenticate", "proxy-authenticate",
    "accept", "accept-charset", "accept-encoding", "accept-language",
    "content-type", "content-length", "content-encoding", "content-language", "content-location", "content-range",
    "cache-control", "etag", "expires", "if-match", "if-modified-since", "if-none-match", "if-range", "if-unmodified-since",
    "last-modified", "pragma", "vary",
    "connection", "keep-alive", "proxy-connection", "upgrade",
    "host", "referer", "user-agent", "from",
    "range", "accept-ranges", "transfer-encoding", "te", "trailer",
    "server", "date", "expect", "via",
    // What AgentCore sets for the agent itself.
    "workloadaccesstoken", "oauth2callbackurl",
  ],
);

export const CUSTOM_HEADER_PREFIX = "x-amzn-bedrock-agentcore-runtime-custom-";
/** AWS's cap on a forwarded header value. */
export const MAX_FORWARDED_VALUE = 4 * 1024;

/** Why `name` can never be on a runtime's allowlist, or undefined when it can. */
export function refusedHeaderName(name: string, hasJwtAuthorizer: boolean): string | undefined {
  const n = name.toLowerCase();
  if (n.startsWith(CUSTOM_HEADER_PREFIX)) return undefined;
  if (n.startsWith("x-amz-")) return `${name} is reserved for SigV4 signing (x-amz-*) and is never passed to the agent`;
  if (n.startsWith("x-amzn-")) return `${name} is reserved (x-amzn-*); only X-Amzn-Bedrock-AgentCore-Runtime-Custom-* headers of that prefix may be passed`;
  if (RESTRICTED.has(n)) return `${name} is a restricted header and cannot be passed to the agent`;
  if (n === "authorization" && !hasJwtAuthorizer) {
    return "Authorization can be passed only by a runtime with authorizerConfiguration.customJWTAuthorizer (it then carries the caller's JWT)";
  }
  return undefined;
}

/** Why an allowlist is refused (the first problem), or undefined. */
export function refusedAllowlist(names: string[], hasJwtAuthorizer: boolean): string | undefined {
  const seen = new Set<string>();
  for (const name of names) {
    const why = refusedHeaderName(name, hasJwtAuthorizer);
    if (why) return why;
    if (seen.has(name.toLowerCase())) return `${name} is listed twice (header names compare case-insensitively)`;
    seen.add(name.toLowerCase());
  }
  return undefined;
}
