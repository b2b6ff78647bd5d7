/**
 * On-behalf-of grants for the built-in identity provider, registered on oidc-provider with
 * `registerGrantType`: OAuth 2.0 Token Exchange (RFC 8693) and the JWT bearer grant (RFC 7523
 * §2.1). An authenticated client presents a user's access token (`subject_token`, or `assertion`)
 * and gets a new access token whose `sub` is that user and whose `act` claim (RFC 8693 §4.1)
 * names the client acting for them, nesting any `act` the user's token already carried.
 *
 * The user's token must be one this identity provider issued: an RS256 access token (typ at+jwt)
 * signed with its keys, its issuer, unexpired, for a resource it serves (the calendar), and for a
 * user of its directory (a client-credentials token has no user). An `actor_token` must pass the
 * same checks and belong to the client presenting it. The scopes granted never exceed what the
 * user's token carries and the client is registered for: a delegated token cannot do more than the
 * user's.
 */
import type Provider from "oidc-provider";
import { errors, type KoaContextWithOIDC } from "oidc-provider";
import type { Directory } from "./directory.js";
import { createAccessTokenVerifier, InvalidTokenError, type AccessTokenClaims } from "./bearer.js";

export const TOKEN_EXCHANGE_GRANT = "urn:ietf:params:oauth:grant-type:token-exchange";
export const JWT_BEARER_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer";
const ACCESS_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:access_token";
const JWT_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:jwt";
const SUBJECT_TOKEN_TYPES = new Set([ACCESS_TOKEN_TYPE, JWT_TOKEN_TYPE]);

export interface ExchangeDeps {
  issuer: string;
  /** The one resource server (its indicator is also its tokens' audience) and what it allows. */
  resource: string;
  resourceInfo: { scope: string; audience: string; accessTokenTTL: number; accessTokenFormat: "jwt"; jwt: { sign: { alg: "RS256" } } };
  directory: Directory;
  now: () => number;
}

/** `act` claims to put in the tokens these grants issue, picked up by the `extraTokenClaims` hook. */
const actOf = new WeakMap<object, Record<string, unknown>>();

export const extraTokenClaims = async (_ctx: unknown, token: object) => {
  const act = actOf.get(token);
  return act ? { act } : undefined;
};

type Params = Record<string, string | undefined>;

/** invalid_grant that says which check failed (oidc-provider's own says only "grant request is invalid"); never the token. */
const refuse = (message: string) => Object.assign(new errors.InvalidGrant(message), { error_description: message });

export function registerExchangeGrants(provider: Provider, deps: ExchangeDeps): void {
  const verify = createAccessTokenVerifier({ issuer: deps.issuer, audience: deps.resource, keys: () => deps.directory.signingKeys(), now: deps.now });

  // The refusal says which check failed, never echoing the token.
  const userToken = (token: string | undefined, what: string): AccessTokenClaims & { sub: string } => {
    if (!token) throw new errors.InvalidRequest(`missing required parameter '${what}'`);
    let claims: AccessTokenClaims;
    try {
      claims = verify(token);
    } catch (e) {
      if (e instanceof InvalidTokenError) throw refuse(`${what} is not valid: ${e.message}`);
      throw e;
    }
    if (!claims.sub || !deps.directory.userBySub(claims.sub)) throw refuse(`${what} does not represent a user of this identity provider`);
    return claims as AccessTokenClaims & { sub: string };
  };

  async function issue(ctx: KoaContextWithOIDC, subject: AccessTokenClaims & { sub: string }, exchange: boolean) {
    const params = ctx.oidc.params as Params;
    const client = ctx.oidc.client!;
    const resource = params.resource ?? deps.resource;
    if (resource !== deps.resource) throw new errors.InvalidTarget(`the only resource this identity provider issues tokens for is ${deps.resource}`);

    // Never more than the user's token carries, the client is registered for, and the resource has.
    const held = new Set((subject.scope ?? "").split(" ").filter(Boolean));
    const registered = new Set((client.scope ?? "").split(" ").filter(Boolean));
    const served = new Set(deps.resourceInfo.scope.split(" "));
    const requested = params.scope ? params.scope.split(" ").filter(Boolean) : [...held];
    const granted = requested.filter((s) => held.has(s) && registered.has(s) && served.has(s));
    if (requested.length && !granted.length) throw new errors.InvalidScope("none of the requested scopes is held by the subject token and allowed for this client", params.scope ?? "");

    const act: Record<string, unknown> = { sub: client.clientId, ...(subject.act && typeof subject.act === "object" ? { act: subject.act } : {}) };
    const token = new provider.AccessToken({
      accountId: subject.sub,
      client,
      gty: exchange ? "token-exchange" : "jwt-bearer",
      scope: granted.join(" ") || undefined,
    } as never);
    token.resourceServer = new provider.ResourceServer(resource, deps.resourceInfo);
    actOf.set(token, act);
    ctx.oidc.entity("AccessToken", token);
    const value = await token.save();
    ctx.body = {
      access_token: value,
      ...(exchange ? { issued_token_type: ACCESS_TOKEN_TYPE } : {}),
      token_type: "Bearer",
      expires_in: token.expiration,
      ...(token.scope ? { scope: token.scope } : {}),
    };
  }

  provider.registerGrantType(
    TOKEN_EXCHANGE_GRANT,
    async (ctx: KoaContextWithOIDC) => {
      const params = ctx.oidc.params as Params;
      if (!params.subject_token_type || !SUBJECT_TOKEN_TYPES.has(params.subject_token_type)) {
        throw new errors.InvalidRequest(`subject_token_type must be ${ACCESS_TOKEN_TYPE} or ${JWT_TOKEN_TYPE}`);
      }
      const subject = userToken(params.subject_token, "subject_token");
      if (params.actor_token !== undefined) {
        if (!params.actor_token_type || !SUBJECT_TOKEN_TYPES.has(params.actor_token_type)) {
          throw new errors.InvalidRequest(`actor_token_type must be ${ACCESS_TOKEN_TYPE} or ${JWT_TOKEN_TYPE}`);
        }
        let actor: AccessTokenClaims;
        try {
          actor = verify(params.actor_token);
        } catch (e) {
          if (e instanceof InvalidTokenError) throw refuse(`actor_token is not valid: ${e.message}`);
          throw e;
        }
        if (actor.client_id !== ctx.oidc.client!.clientId) throw refuse("actor_token was not issued to the client presenting it");
      } else if (params.actor_token_type !== undefined) {
        throw new errors.InvalidRequest("actor_token_type without actor_token");
      }
      await issue(ctx, subject, true);
    },
    ["subject_token", "subject_token_type", "actor_token", "actor_token_type", "requested_token_type", "scope", "resource", "audience"],
  );

  provider.registerGrantType(
    JWT_BEARER_GRANT,
    async (ctx: KoaContextWithOIDC) => {
      const params = ctx.oidc.params as Params;
      await issue(ctx, userToken(params.assertion, "assertion"), false);
    },
    ["assertion", "scope", "resource"],
  );
}
