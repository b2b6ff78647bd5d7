/**
 * A runtime's `customJWTAuthorizer`, checked as AgentCore Identity checks it: the token's keys and
 * issuer come from the configured OpenID discovery document (its `jwks_uri` and `issuer`), then the
 * signature, expiry, `aud` against `allowedAudience`, `client_id` against `allowedClients`, the
 * `scope` against `allowedScopes` and the `customClaims` rules. Used by InvokeAgentRuntime with a
 * bearer token and by GetWorkloadAccessTokenForJWT.
 *
 * Only asymmetric signatures count: never `none`, never HS* (a key set that publishes a symmetric
 * key would otherwise let anyone who read it mint tokens). Nothing in the token decides what is
 * fetched (`iss`, `jku`, `x5u` are never followed): only the discovery URL that someone allowed to
 * create the runtime configured, and the key set it names. A token that cannot pass (malformed, a
 * refused algorithm, another issuer) is turned away before any fetch.
 */
import { createRemoteJWKSet, decodeJwt, decodeProtectedHeader, errors, jwtVerify, type JWTPayload } from "jose";

export interface CustomClaimRule {
  inboundTokenClaimName: string;
  inboundTokenClaimValueType: "STRING" | "STRING_ARRAY";
  authorizingClaimMatchValue: {
    claimMatchValue: { matchValueString?: string; matchValueStringList?: string[] };
    claimMatchOperator: "EQUALS" | "CONTAINS" | "CONTAINS_ANY";
  };
}

export interface CustomJwtAuthorizer {
  discoveryUrl: string;
  allowedAudience?: string[];
  allowedClients?: string[];
  allowedScopes?: string[];
  customClaims?: CustomClaimRule[];
}

/** Who called: the verified token's issuer, subject and client. */
export interface JwtCaller {
  issuer: string;
  subject: string;
  clientId?: string;
  claims: JWTPayload;
}

/** The token does not pass; `reason` is safe to show (it never contains the token or the configuration). */
export class JwtRejected extends Error {
  constructor(readonly reason: string) {
    super(reason);
  }
}

/** The issuer's discovery document or key set could not be read (the configuration's fault, not the caller's). */
export class JwtDiscoveryFailed extends Error {}

/** Signature algorithms a user JWT may use: asymmetric ones only. */
export const USER_JWT_ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA", "Ed25519"];

/** How long a discovery document is trusted before it is read again (a failed read: a few seconds). */
export const DISCOVERY_TTL_MS = 5 * 60 * 1000;
const DISCOVERY_FAILURE_TTL_MS = 5 * 1000;
/** An unknown `kid` refetches the key set (key rotation), at most once per this interval. */
const JWKS_COOLDOWN_MS = 1000;
const JWKS_MAX_AGE_MS = 10 * 60 * 1000;
const FETCH_TIMEOUT_MS = 5000;
const MAX_DOCUMENT = 256 * 1024;

interface Discovered {
  issuer: string;
  keys: ReturnType<typeof createRemoteJWKSet>;
}

export interface JwtAuthorizerDeps {
  now(): Date;
}

export interface JwtAuthorizerVerifier {
  verify(config: CustomJwtAuthorizer, token: string): Promise<JwtCaller>;
}

function httpUrl(value: unknown, what: string): URL {
  let url: URL;
  try {
    url = new URL(String(value));
  } catch {
    throw new JwtDiscoveryFailed(`its ${what} is not a URL`);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") throw new JwtDiscoveryFailed(`its ${what} is not an http(s) URL`);
  return url;
}

async function readDiscovery(discoveryUrl: string): Promise<{ issuer: string; jwksUri: URL }> {
  const url = httpUrl(discoveryUrl, "discovery URL");
  let doc: { issuer?: unknown; jwks_uri?: unknown };
  try {
    const res = await fetch(url, { headers: { accept: "application/json" }, redirect: "error", signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) });
    if (!res.ok) throw new JwtDiscoveryFailed(`it answered HTTP ${res.status}`);
    const text = await res.text();
    if (text.length > MAX_DOCUMENT) throw new JwtDiscoveryFailed("it is larger than 256 KiB");
    doc = JSON.parse(text) as typeof doc;
  } catch (e) {
    if (e instanceof JwtDiscoveryFailed) throw e;
    throw new JwtDiscoveryFailed(e instanceof SyntaxError ? "it is not JSON" : "it could not be reached");
  }
  if (typeof doc.issuer !== "string" || !doc.issuer) throw new JwtDiscoveryFailed("it names no issuer");
  if (typeof doc.jwks_uri !== "string" || !doc.jwks_uri) throw new JwtDiscoveryFailed("it names no jwks_uri");
  return { issuer: doc.issuer, jwksUri: httpUrl(doc.jwks_uri, "jwks_uri") };
}

const asList = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : typeof v === "string" ? [v] : []);

/** The token's scopes: `scope` (space-separated, RFC 9068) or `scp` (a list, as some providers send). */
const scopesOf = (claims: JWTPayload): string[] =>
  typeof claims.scope === "string" ? claims.scope.split(" ").filter(Boolean) : asList(claims.scp);

function claimRulePasses(rule: CustomClaimRule, claims: JWTPayload): boolean {
  const value = claims[rule.inboundTokenClaimName];
  const { claimMatchValue: want, claimMatchOperator: op } = rule.authorizingClaimMatchValue;
  if (rule.inboundTokenClaimValueType === "STRING") {
    return typeof value === "string" && op === "EQUALS" && value === want.matchValueString;
  }
  if (!Array.isArray(value)) return false;
  const have = value.map(String);
  if (op === "CONTAINS") return want.matchValueString !== undefined && have.includes(want.matchValueString);
  if (op === "CONTAINS_ANY") return (want.matchValueStringList ?? []).some((v) => have.includes(v));
  return false;
}

export function createJwtAuthorizer(deps: JwtAuthorizerDeps): JwtAuthorizerVerifier {
  const discoveries = new Map<string, { found: Promise<Discovered>; until: number }>();

  function discover(discoveryUrl: string): Promise<Discovered> {
    const now = deps.now().getTime();
    const cached = discoveries.get(discoveryUrl);
    if (cached && cached.until > now) return cached.found;
    const entry = { until: now + DISCOVERY_TTL_MS, found: Promise.resolve(undefined as unknown as Discovered) };
    entry.found = readDiscovery(discoveryUrl).then(
      ({ issuer, jwksUri }) => ({
        issuer,
        keys: createRemoteJWKSet(jwksUri, { timeoutDuration: FETCH_TIMEOUT_MS, cooldownDuration: JWKS_COOLDOWN_MS, cacheMaxAge: JWKS_MAX_AGE_MS }),
      }),
      (e: unknown) => {
        entry.until = deps.now().getTime() + DISCOVERY_FAILURE_TTL_MS;
        throw e;
      },
    );
    discoveries.set(discoveryUrl, entry);
    return entry.found;
  }

  return {
    async verify(config, token) {
      // Cheap checks first: a token that cannot pass causes no fetch.
      let alg: unknown;
      let unverified: JWTPayload;
      try {
        alg = decodeProtectedHeader(token).alg;
        unverified = decodeJwt(token);
      } catch {
        throw new JwtRejected("it is not a JWT");
      }
      if (typeof alg !== "string" || !USER_JWT_ALGORITHMS.includes(alg)) {
        throw new JwtRejected(`its algorithm ${String(alg)} is not accepted (asymmetric signatures only)`);
      }
      const discovered = await discover(config.discoveryUrl);
      if (unverified.iss !== discovered.issuer) throw new JwtRejected("it comes from another issuer than the authorizer's discovery document names");

      let claims: JWTPayload;
      try {
        ({ payload: claims } = await jwtVerify(token, discovered.keys, {
          issuer: discovered.issuer,
          algorithms: USER_JWT_ALGORITHMS,
          ...(config.allowedAudience?.length ? { audience: config.allowedAudience } : {}),
          currentDate: deps.now(),
        }));
      } catch (e) {
        if (e instanceof errors.JWTExpired) throw new JwtRejected("it has expired");
        if (e instanceof errors.JWTClaimValidationFailed) {
          throw new JwtRejected(e.claim === "aud" ? "its audience is not allowed" : `its ${e.claim} claim is not valid`);
        }
        if (e instanceof errors.JWKSNoMatchingKey) throw new JwtRejected("no key of the issuer's key set matches it");
        if (e instanceof errors.JWSSignatureVerificationFailed) throw new JwtRejected("its signature does not verify");
        if (e instanceof errors.JWKSTimeout || e instanceof errors.JWKSInvalid || e instanceof TypeError) {
          throw new JwtDiscoveryFailed("its key set (jwks_uri) could not be read");
        }
        throw new JwtRejected("it is not valid");
      }
      const clientId = typeof claims.client_id === "string" ? claims.client_id : undefined;
      if (config.allowedClients?.length && (clientId === undefined || !config.allowedClients.includes(clientId))) {
        throw new JwtRejected("its client (client_id) is not allowed");
      }
      if (config.allowedScopes?.length && !scopesOf(claims).some((s) => config.allowedScopes!.includes(s))) {
        throw new JwtRejected("it has none of the allowed scopes");
      }
      for (const rule of config.customClaims ?? []) {
        if (!claimRulePasses(rule, claims)) throw new JwtRejected(`its ${rule.inboundTokenClaimName} claim does not match the authorizer's rule`);
      }
      if (typeof claims.sub !== "string" || !claims.sub) throw new JwtRejected("it has no subject (sub)");
      return { issuer: discovered.issuer, subject: claims.sub, ...(clientId !== undefined ? { clientId } : {}), claims };
    },
  };
}

const perServer = new WeakMap<object, JwtAuthorizerVerifier>();

/** One verifier (and discovery cache) per Local AgentCore server. */
export function jwtAuthorizerFor(local: { now(): Date }): JwtAuthorizerVerifier {
  let v = perServer.get(local);
  if (!v) perServer.set(local, (v = createJwtAuthorizer({ now: () => local.now() })));
  return v;
}

/**
 * The user id a verified caller's workload access token is bound to: the token's subject, the same
 * for InvokeAgentRuntime with a bearer token and GetWorkloadAccessTokenForJWT, so a user's vaulted
 * OAuth2 tokens are found by either path.
 */
export const userIdOf = (caller: JwtCaller): string => caller.subject;
