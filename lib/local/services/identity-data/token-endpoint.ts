/**
 * Where an OAuth2 credential provider's tokens come from (and, for user consent, its authorization
 * endpoint): the endpoints in its authorization-server metadata, or the ones its discovery URL's
 * document names (OIDC discovery or RFC 8414), fetched and kept for a few minutes.
 */
import { AwsError } from "../../errors.js";

export interface TokenEndpoint {
  url: string;
  /** From the metadata (`token_endpoint_auth_methods_supported`), when it says. */
  authMethods?: string[];
  /** Where a user consents (authorization-code flows), when the metadata names it. */
  authorizationEndpoint?: string;
}

const DISCOVERY_TTL_MS = 5 * 60 * 1000;
const FETCH_TIMEOUT_MS = 10_000;
const MAX_DOCUMENT = 256 * 1024;

export function httpUrl(value: unknown, what: string): string {
  let url: URL;
  try {
    url = new URL(String(value));
  } catch {
    throw new AwsError("ValidationException", `The provider's ${what} (${String(value)}) is not a URL; update the OAuth2 credential provider.`, 400);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw new AwsError("ValidationException", `The provider's ${what} must be an http(s) URL; update the OAuth2 credential provider.`, 400);
  }
  return url.href;
}

export function createTokenEndpointResolver(deps: { now: () => number; fetch?: typeof fetch }) {
  const doFetch = deps.fetch ?? fetch;
  const discovered = new Map<string, { endpoint: TokenEndpoint; until: number }>();

  async function discover(discoveryUrl: string): Promise<TokenEndpoint> {
    const url = httpUrl(discoveryUrl, "discovery URL");
    const cached = discovered.get(url);
    if (cached && cached.until > deps.now()) return cached.endpoint;
    const fail = (why: string) =>
      new AwsError("ValidationException", `Could not read the provider's discovery document at ${url}: ${why}. Check the provider's discoveryUrl.`, 400);
    let doc: Record<string, unknown>;
    try {
      const res = await doFetch(url, { headers: { accept: "application/json" }, redirect: "error", signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) });
      if (!res.ok) throw fail(`it answered HTTP ${res.status}`);
      const text = await res.text();
      if (text.length > MAX_DOCUMENT) throw fail("it is larger than 256 KiB");
      doc = JSON.parse(text) as Record<string, unknown>;
    } catch (e) {
      if (e instanceof AwsError) throw e;
      throw fail(e instanceof SyntaxError ? "it is not JSON" : "it could not be reached");
    }
    if (typeof doc.token_endpoint !== "string") throw fail("it names no token_endpoint");
    const endpoint: TokenEndpoint = {
      url: httpUrl(doc.token_endpoint, "token_endpoint"),
      ...(Array.isArray(doc.token_endpoint_auth_methods_supported) ? { authMethods: doc.token_endpoint_auth_methods_supported.map(String) } : {}),
      ...(typeof doc.authorization_endpoint === "string" ? { authorizationEndpoint: httpUrl(doc.authorization_endpoint, "authorization_endpoint") } : {}),
    };
    discovered.set(url, { endpoint, until: deps.now() + DISCOVERY_TTL_MS });
    return endpoint;
  }

  /** The token endpoint of a provider's reported config (`oauthDiscovery`). */
  return async (config: Record<string, unknown>): Promise<TokenEndpoint> => {
    const discovery = (config.oauthDiscovery ?? {}) as { discoveryUrl?: string; authorizationServerMetadata?: Record<string, unknown> };
    if (discovery.authorizationServerMetadata?.tokenEndpoint) {
      const m = discovery.authorizationServerMetadata;
      const methods = Array.isArray(m.tokenEndpointAuthMethods) ? (m.tokenEndpointAuthMethods as string[]) : undefined;
      return {
        url: httpUrl(m.tokenEndpoint, "tokenEndpoint"),
        ...(methods ? { authMethods: methods } : {}),
        ...(m.authorizationEndpoint ? { authorizationEndpoint: httpUrl(m.authorizationEndpoint, "authorizationEndpoint") } : {}),
      };
    }
    if (discovery.discoveryUrl) return discover(discovery.discoveryUrl);
    throw new AwsError("ValidationException", "The OAuth2 credential provider has no token endpoint (neither a discoveryUrl nor authorizationServerMetadata); update it.", 400);
  };
}
