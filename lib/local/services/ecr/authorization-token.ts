/**
 * GetAuthorizationToken: a registry login (`AWS:<password>`, base64) valid for 12 hours. The
 * password is random; only its SHA-256 is kept (kind `ecr-auth-token`), so a local registry can
 * check a `docker login` later without the database ever holding the password.
 */
import { createHash, randomBytes } from "node:crypto";
import type { LocalServices, OperationHandler } from "../../service.js";
import { registryHost } from "./naming.js";

export const AUTH_TOKEN_KIND = "ecr-auth-token";
const VALIDITY_MS = 12 * 60 * 60 * 1000;

interface AuthTokenRecord {
  passwordSha256: string;
  principalArn: string;
  expiresAt: string;
}

const hashPassword = (password: string): string => createHash("sha256").update(password, "utf8").digest("hex");

export const getAuthorizationToken: OperationHandler = (_input, ctx) => {
  ctx.authorize("ecr:GetAuthorizationToken", "*");
  const now = ctx.local.now();
  const expiresAt = new Date(now.getTime() + VALIDITY_MS);
  const password = randomBytes(32).toString("base64url");
  const record: AuthTokenRecord = { passwordSha256: hashPassword(password), principalArn: ctx.principal.arn, expiresAt: expiresAt.toISOString() };
  const store = ctx.local.store;
  store.tx(() => {
    for (const old of store.list<AuthTokenRecord>(AUTH_TOKEN_KIND)) {
      if (Date.parse(old.expiresAt) <= now.getTime()) store.delete(AUTH_TOKEN_KIND, old.passwordSha256);
    }
    store.put(AUTH_TOKEN_KIND, record.passwordSha256, record);
  });
  return {
    authorizationData: [
      {
        authorizationToken: Buffer.from(`AWS:${password}`, "utf8").toString("base64"),
        expiresAt,
        proxyEndpoint: `https://${registryHost(ctx.accountId, ctx.region)}`,
      },
    ],
  };
};

/** Whether a registry password (the part after `AWS:`) was issued here and has not expired. */
export function isValidRegistryPassword(local: LocalServices, password: string): boolean {
  const record = local.store.get<AuthTokenRecord>(AUTH_TOKEN_KIND, hashPassword(password));
  return record !== undefined && Date.parse(record.expiresAt) > local.now().getTime();
}
