/**
 * A user at Local AgentCore's built-in identity provider (the offline stand-in for a Cognito user
 * pool's user), recorded in the ledger so that cleanup deletes it. Offline only (on AWS: cognito.ts). The password is
 * generated here, kept out of printed objects and registered as a secret for the output guard.
 */
import { randomBytes } from "node:crypto";
import { localIdp, type LocalIdp } from "../local/client/idp.js";
import { registerSecret } from "../notebook/redact.js";
import { session as defaultSession } from "../session.js";
import { isNotFound } from "./aws-errors.js";
import type { IdpClientOptions } from "./idp-client.js";
import { Ledger, scopeOf, type LedgerEntry } from "./ledger.js";
import { ForeignResourceError } from "./ownership.js";

export interface CreatedIdpUser {
  username: string;
  /** The user's stable id at the provider: the `sub` claim of their tokens. */
  sub: string;
  /** Not enumerable, so that printing the object never shows it. */
  readonly password: string;
}

/**
 * Creates a user with a new random password. A re-run replaces this ledger's user of that name
 * (the password is not kept anywhere); anyone else's user of that name is refused.
 */
export async function createIdpUser(input: { username: string; name?: string }, opts: IdpClientOptions = {}): Promise<CreatedIdpUser> {
  const s = opts.session ?? (await defaultSession());
  if (s.target !== "local") {
    throw new Error("createIdpUser makes a user at Local AgentCore's identity provider; on AWS, create the user in a Cognito user pool: createUserPool and createCognitoUser (then signInCognito), or your own pool's user.");
  }
  const ledger = opts.ledger ?? new Ledger();
  const log = opts.log ?? console.log;
  const idp = opts.idp ?? localIdp();
  const scope = await scopeOf(s);
  const resource = { kind: "idp-user" as const, username: input.username };
  const prior = ledger.find(scope, resource);
  if (prior?.state === "created" && (await userExists(idp, input.username))) {
    await idp.deleteUser(input.username);
    log(`Identity provider user ${input.username} existed from an earlier run: replaced it (with a new password).`);
  }
  const password = randomBytes(18).toString("base64url");
  registerSecret(password);
  let user;
  try {
    user = await ledger.record(scope, resource, () => idp.createUser({ username: input.username, password, ...(input.name ? { name: input.name } : {}) }));
  } catch (e) {
    if ((e as Error).name !== "ConflictException") throw e;
    throw new ForeignResourceError(
      `A user ${input.username} already exists in the identity provider and was not created by this notebook (${ledger.file} does not list it); it was left unchanged. Choose another username.`,
    );
  }
  const out = { username: user.username, sub: user.sub } as CreatedIdpUser;
  Object.defineProperty(out, "password", { value: password, enumerable: false });
  log(`Created identity provider user ${out.username} (sub ${out.sub}; their password is not shown).`);
  return out;
}

async function userExists(idp: LocalIdp, username: string): Promise<boolean> {
  return (await idp.listUsers()).some((u) => u.username === username);
}

/**
 * Cleanup's step for an `idp-user` entry. An intent (the create may or may not have happened) is
 * only acted on when the user was created after the intent was recorded.
 */
export async function deleteIdpUserEntry(idp: LocalIdp, e: Extract<LedgerEntry, { kind: "idp-user" }>): Promise<"deleted" | "already gone" | "kept"> {
  if (e.state === "intent") {
    const found = (await idp.listUsers()).find((u) => u.username === e.username);
    if (!found) return "already gone";
    if (Date.parse(found.createdTime) < Date.parse(e.recordedAt) - 60_000) return "kept";
  }
  try {
    await idp.deleteUser(e.username);
    return "deleted";
  } catch (err) {
    if (isNotFound(err)) return "already gone";
    throw err;
  }
}
