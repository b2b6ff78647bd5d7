/**
 * Workload access tokens: the signed JWTs (ES256, `jose`) that AgentCore Runtime hands an agent
 * with each invocation, bound to a workload identity, optionally to a user, to the account, and
 * with an expiry. `GetResourceApiKey` accepts nothing else.
 *
 * The signing key pair is created on first use; its private half is kept in the token vault.
 * Tokens are minted with `jose`; they are verified on every call with the synchronous ES256 check
 * of `es256-jwt.ts` (a cached public KeyObject), which costs far less per call than WebCrypto, and
 * whose signature arithmetic is done once per token (its claims, expiry included, on every call).
 */
import { KeyObject, randomUUID } from "node:crypto";
import { SignJWT, generateKeyPair, exportJWK, importJWK, type JWK, type CryptoKey } from "jose";
import { createEs256Verifier, type JwtCheck, type JwtExpectations } from "./es256-jwt.js";
import { AwsError } from "../errors.js";
import type { LocalServices } from "../service.js";

const KEY_ARN = "agentcore-local:workload-token-signing-key";
const ISSUER = "agentcore-local/identity";
const AUDIENCE = "bedrock-agentcore:workload-access";
export const DEFAULT_TOKEN_TTL_SECONDS = 3600;

export interface WorkloadTokenClaims {
  accountId: string;
  region: string;
  workloadName: string;
  workloadIdentityArn: string;
  userId?: string;
  /**
   * For a token minted from a user JWT: the SHA-256 (hex) of that JWT, so CompleteResourceTokenAuth
   * can require the very same JWT (AWS compares it byte for byte) without keeping it.
   */
  userTokenDigest?: string;
  /** How the token was obtained: for a user id, a user JWT, or the workload alone. */
  grant: "workload" | "user-id" | "jwt";
  /** Epoch seconds. */
  expiresAt: number;
}

interface KeyPair {
  kid: string;
  privateKey: CryptoKey | Uint8Array;
  /** The per-call check with the public half (a KeyObject imported once); tokens live as long as the key. */
  verify: (token: string, expect: JwtExpectations) => JwtCheck;
}

const keyCache = new WeakMap<LocalServices, Promise<KeyPair>>();

function signingKey(local: LocalServices): Promise<KeyPair> {
  let pending = keyCache.get(local);
  if (!pending) {
    pending = loadOrCreateKey(local);
    keyCache.set(local, pending);
    pending.catch(() => keyCache.delete(local));
  }
  return pending;
}

async function loadOrCreateKey(local: LocalServices): Promise<KeyPair> {
  const stored = local.vault.get(KEY_ARN);
  if (stored) {
    const jwk = JSON.parse(stored) as JWK & { kid: string };
    const { d: _d, ...pub } = jwk;
    return { kid: jwk.kid, privateKey: await importJWK(jwk, "ES256"), verify: createEs256Verifier(KeyObject.from((await importJWK(pub, "ES256")) as CryptoKey)) };
  }
  const { privateKey, publicKey } = await generateKeyPair("ES256", { extractable: true });
  const kid = randomUUID();
  const jwk = { ...(await exportJWK(privateKey)), kid };
  local.store.tx(() => {
    // Another request may have created it meanwhile: first writer wins.
    if (!local.vault.get(KEY_ARN)) local.vault.put(KEY_ARN, JSON.stringify(jwk));
  });
  if (JSON.parse(local.vault.get(KEY_ARN)!).kid !== kid) return loadOrCreateKey(local);
  return { kid, privateKey, verify: createEs256Verifier(KeyObject.from(publicKey)) };
}

export async function mintWorkloadAccessToken(
  local: LocalServices,
  claims: Omit<WorkloadTokenClaims, "expiresAt">,
  ttlSeconds = DEFAULT_TOKEN_TTL_SECONDS,
): Promise<string> {
  const key = await signingKey(local);
  return new SignJWT({
    account: claims.accountId,
    region: claims.region,
    workload_identity_arn: claims.workloadIdentityArn,
    grant: claims.grant,
    ...(claims.userId !== undefined ? { user_id: claims.userId } : {}),
    ...(claims.userTokenDigest !== undefined ? { user_token_sha256: claims.userTokenDigest } : {}),
  })
    .setProtectedHeader({ alg: "ES256", kid: key.kid, typ: "JWT" })
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setSubject(claims.workloadName)
    .setIssuedAt()
    .setExpirationTime(Math.floor(local.now().getTime() / 1000) + ttlSeconds)
    .setJti(randomUUID())
    .sign(key.privateKey);
}

/**
 * The claims of a token this Local AgentCore minted. A forged, malformed or expired token →
 * `UnauthorizedException` (as AWS answers `GetResourceApiKey` with a bad token).
 */
export async function verifyWorkloadAccessToken(local: LocalServices, token: string): Promise<WorkloadTokenClaims> {
  const key = await signingKey(local);
  const checked = key.verify(token, { issuer: ISSUER, audience: AUDIENCE, now: local.now() });
  if (!checked.ok) {
    if (checked.failure === "expired") {
      throw new AwsError("UnauthorizedException", "The workload access token has expired. Request a new one.", 401);
    }
    throw new AwsError("UnauthorizedException", "The workload access token is not valid.", 401);
  }
  const payload = checked.payload;
  return {
    accountId: String(payload.account),
    region: String(payload.region),
    workloadName: String(payload.sub),
    workloadIdentityArn: String(payload.workload_identity_arn),
    userId: typeof payload.user_id === "string" ? payload.user_id : undefined,
    ...(typeof payload.user_token_sha256 === "string" ? { userTokenDigest: payload.user_token_sha256 } : {}),
    grant: payload.grant === "user-id" || payload.grant === "jwt" ? payload.grant : "workload",
    expiresAt: Number(payload.exp),
  };
}
