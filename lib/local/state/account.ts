/**
 * The account Local AgentCore pretends to be, created on first start in a state folder:
 * a random 12-digit account id and the administrator's access key.
 *
 * The admin's secret key is not stored in the database: it is derived from the credential key file
 * (see `auth/credentials.ts`), so the database never holds a usable secret.
 */
import { randomInt } from "node:crypto";
import type { Store } from "./store.js";
import { deriveSecret, loadCredentialKey, randomKeyId } from "../auth/credentials.js";

export interface LocalAccount {
  accountId: string;
  admin: { accessKeyId: string; secretAccessKey: string; arn: string; userId: string };
}

export const ADMIN_USER_NAME = "agentcore-local-admin";

export function loadOrCreateAccount(store: Store): LocalAccount {
  const key = loadCredentialKey(store.dir);
  return store.tx(() => {
    let accountId = store.getMeta("account.id");
    if (!accountId) {
      // A leading non-zero digit keeps the id from looking truncated when someone prints it as a number.
      accountId = String(randomInt(1, 10)) + Array.from({ length: 11 }, () => randomInt(0, 10)).join("");
      store.setMeta("account.id", accountId);
    }
    let accessKeyId = store.getMeta("admin.accessKeyId");
    if (!accessKeyId) {
      accessKeyId = randomKeyId("AKIA");
      store.setMeta("admin.accessKeyId", accessKeyId);
      store.setMeta("admin.userId", randomKeyId("AIDA", 17));
      store.setMeta("admin.arn", `arn:aws:iam::${accountId}:user/${ADMIN_USER_NAME}`);
    }
    return {
      accountId,
      admin: {
        accessKeyId,
        secretAccessKey: deriveSecret(key, accessKeyId),
        arn: store.getMeta("admin.arn")!,
        userId: store.getMeta("admin.userId")!,
      },
    };
  });
}
