/**
 * The built-in identity provider: oidc-provider (an OpenID Certified implementation) configured as
 * a small OAuth2/OIDC authorization server at `<endpoint>/_local/idp` — discovery, JWKS,
 * authorization code with PKCE (S256, required for every client), client credentials, refresh
 * tokens, JWT access tokens for the calendar stand-in (resource indicators, RFC 8707), and the
 * on-behalf-of grants (token exchange and JWT bearer, exchange-grants.ts).
 */
import Provider, { errors, type Configuration } from "oidc-provider";
import type { Directory } from "./directory.js";
import { createAdapterFactory } from "./adapter.js";
import { CALENDAR_SCOPES, calendarResource, IDP_PATH, idpIssuer } from "./paths.js";
import { extraTokenClaims, registerExchangeGrants } from "./exchange-grants.js";

export interface IdpDeps {
  endpoint: string;
  directory: Directory;
  now: () => number;
}

export const ACCESS_TOKEN_TTL = 3600;

export function createIdpProvider(deps: IdpDeps): Provider {
  const { directory, endpoint } = deps;
  const resource = calendarResource(endpoint);
  const resourceInfo = { scope: CALENDAR_SCOPES.join(" "), audience: resource, accessTokenTTL: ACCESS_TOKEN_TTL, accessTokenFormat: "jwt" as const, jwt: { sign: { alg: "RS256" as const } } };
  const config: Configuration = {
    adapter: createAdapterFactory(directory, deps.now),
    jwks: { keys: directory.signingKeys() as never },
    cookies: { keys: directory.cookieKeys() },
    scopes: ["openid", "profile", "email", "offline_access", ...CALENDAR_SCOPES],
    claims: { openid: ["sub"], profile: ["name", "preferred_username"], email: ["email"] },
    async findAccount(_ctx, sub) {
      const user = directory.userBySub(sub);
      if (!user) return undefined;
      return {
        accountId: sub,
        async claims() {
          return { sub, preferred_username: user.username, ...(user.name ? { name: user.name } : {}), ...(user.email ? { email: user.email } : {}) };
        },
      };
    },
    interactions: { url: (_ctx, interaction) => `${IDP_PATH}/interaction/${interaction.uid}` },
    pkce: { required: () => true },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      introspection: { enabled: true },
      revocation: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => resource,
        useGrantedResource: () => true,
        async getResourceServerInfo(_ctx, indicator) {
          if (indicator !== resource) throw new errors.InvalidTarget(`the only resource this identity provider issues tokens for is ${resource}`);
          return resourceInfo;
        },
      },
    },
    extraTokenClaims,
    // Refresh tokens for authorization-code clients that asked for offline_access or registered refresh_token.
    issueRefreshToken: async (_ctx, client, code) => client.grantTypeAllowed("refresh_token") && (code.scopes.has("offline_access") || client.grantTypes!.includes("refresh_token")),
    ttl: {
      AccessToken: ACCESS_TOKEN_TTL,
      ClientCredentials: ACCESS_TOKEN_TTL,
      AuthorizationCode: 60,
      IdToken: 3600,
      Interaction: 600,
      Session: 86400,
      Grant: 14 * 86400,
      RefreshToken: 14 * 86400,
    },
    // No stack traces or internals in error pages; the text is escaped by oidc-provider.
    renderError: async (ctx, out) => {
      ctx.type = "application/json";
      ctx.body = JSON.stringify(out);
    },
  };
  const provider = new Provider(idpIssuer(endpoint), config);
  registerExchangeGrants(provider, { issuer: idpIssuer(endpoint), resource, resourceInfo, directory, now: deps.now });
  return provider;
}
