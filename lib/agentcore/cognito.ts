/**
 * On AWS, the identity provider of notebook 02: an Amazon Cognito user pool, its app clients (no
 * secret, USER_PASSWORD_AUTH) and a user with a permanent random password, each recorded in the
 * ledger so that cleanup deletes them. Offline, Local AgentCore's built-in identity provider plays
 * this part (idp-client.ts, idp-user.ts). Pool names are not unique at Cognito, so a pool is never
 * found by its name alone: by the id this ledger recorded, or by its name and this ledger's tag.
 */
import { randomBytes } from "node:crypto";
import {
  AdminCreateUserCommand,
  AdminDeleteUserCommand,
  AdminGetUserCommand,
  AdminSetUserPasswordCommand,
  CreateUserPoolClientCommand,
  CreateUserPoolCommand,
  DeleteUserPoolClientCommand,
  DeleteUserPoolCommand,
  DescribeUserPoolClientCommand,
  DescribeUserPoolCommand,
  InitiateAuthCommand,
  ListUserPoolClientsCommand,
  ListUserPoolsCommand,
} from "@aws-sdk/client-cognito-identity-provider";
import { decodeJwt } from "jose";
import { registerSecret } from "../notebook/redact.js";
import { session as defaultSession, type Session } from "../session.js";
import { errorName, isNotFound } from "./aws-errors.js";
import type { LibOptions } from "./identity.js";
import { Ledger, scopeOf, type LedgerEntry } from "./ledger.js";
import type { UserToken } from "./offline-sign-in.js";
import { ForeignResourceError, LEDGER_TAG, ledgerTags } from "./ownership.js";

export interface CreatedUserPool {
  userPoolId: string;
  poolName: string;
  /** What a runtime's customJWTAuthorizer reads the pool's keys and issuer from. */
  discoveryUrl: string;
}

export interface CreatedUserPoolClient {
  clientId: string;
  clientName: string;
  userPoolId: string;
  discoveryUrl: string;
}

export interface CreatedCognitoUser {
  username: string;
  /** The user's stable id in the pool: the `sub` claim of their tokens. */
  sub: string;
  /** Not enumerable, so that printing the object never shows it. */
  readonly password: string;
}

export function discoveryUrlOf(region: string, userPoolId: string): string {
  return `https://cognito-idp.${region}.amazonaws.com/${userPoolId}/.well-known/openid-configuration`;
}

function awsSession(s: Session, what: string): void {
  if (s.target !== "aws") {
    throw new Error(`${what} creates it at Amazon Cognito (AGENTCORE_TARGET=aws); offline, use createIdpClient and createIdpUser (Local AgentCore's identity provider).`);
  }
}

/**
 * Creates a user pool (admin-created users only, tagged with this ledger entry). A re-run reuses
 * the pool this ledger recorded; anyone else's pool of the same name is never looked at.
 */
export async function createUserPool(input: { poolName: string }, opts: LibOptions = {}): Promise<CreatedUserPool> {
  const s = opts.session ?? (await defaultSession());
  awsSession(s, "createUserPool");
  const ledger = opts.ledger ?? new Ledger();
  const log = opts.log ?? console.log;
  const scope = await scopeOf(s);
  const resource = { kind: "cognito-user-pool" as const, poolName: input.poolName };
  const out = (userPoolId: string): CreatedUserPool => ({ userPoolId, poolName: input.poolName, discoveryUrl: discoveryUrlOf(s.region, userPoolId) });
  const prior = ledger.find(scope, resource) as Extract<LedgerEntry, { kind: "cognito-user-pool" }> | undefined;
  const earlier = await earlierRunsId(ledger, prior, "userPoolId", {
    find: () => findOurPool(s, prior!),
    exists: (id) => poolExists(s, id),
  });
  if (earlier) {
    log(`User pool ${input.poolName} (${earlier}) exists from an earlier run: reused it.`);
    return out(earlier);
  }
  const created = await ledger.record(
    scope,
    resource,
    (entry) =>
      s.clients.cognito.send(
        new CreateUserPoolCommand({
          PoolName: input.poolName,
          UserPoolTags: ledgerTags(entry),
          // Only this notebook makes users: nobody can sign themselves up to it.
          AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
          DeletionProtection: "INACTIVE",
        }),
      ),
    { extra: (r) => ({ userPoolId: r.UserPool?.Id }) },
  );
  const id = created.UserPool!.Id!;
  log(`Created Cognito user pool ${input.poolName} (${id}).`);
  return out(id);
}

/**
 * Creates an app client without a secret that allows USER_PASSWORD_AUTH (the user signs in with
 * their username and password through InitiateAuth). A re-run reuses this ledger's client.
 */
export async function createUserPoolClient(input: { userPoolId: string; clientName: string }, opts: LibOptions = {}): Promise<CreatedUserPoolClient> {
  const s = opts.session ?? (await defaultSession());
  awsSession(s, "createUserPoolClient");
  const ledger = opts.ledger ?? new Ledger();
  const log = opts.log ?? console.log;
  const scope = await scopeOf(s);
  const resource = { kind: "cognito-user-pool-client" as const, userPoolId: input.userPoolId, clientName: input.clientName };
  const out = (clientId: string): CreatedUserPoolClient => ({ clientId, clientName: input.clientName, userPoolId: input.userPoolId, discoveryUrl: discoveryUrlOf(s.region, input.userPoolId) });
  const prior = ledger.find(scope, resource) as Extract<LedgerEntry, { kind: "cognito-user-pool-client" }> | undefined;
  const earlier = await earlierRunsId(ledger, prior, "clientId", {
    // The pool is this ledger's, so a client of that name in it is this ledger's too.
    find: () => findClient(s, input.userPoolId, input.clientName),
    exists: (id) => clientExists(s, input.userPoolId, id),
  });
  if (earlier) {
    log(`App client ${input.clientName} (${earlier}) exists from an earlier run: reused it.`);
    return out(earlier);
  }
  const created = await ledger.record(
    scope,
    resource,
    () =>
      s.clients.cognito.send(
        new CreateUserPoolClientCommand({
          UserPoolId: input.userPoolId,
          ClientName: input.clientName,
          GenerateSecret: false,
          ExplicitAuthFlows: ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
          PreventUserExistenceErrors: "ENABLED",
        }),
      ),
    { extra: (r) => ({ clientId: r.UserPoolClient?.ClientId }) },
  );
  const id = created.UserPoolClient!.ClientId!;
  log(`Created app client ${input.clientName} (${id}; no secret; user password sign-in).`);
  return out(id);
}

/**
 * A re-run: the id of what this ledger's entry stands for (the one it recorded, or, for a create
 * whose answer was lost, the one `find` finds), when that still exists; the entry then records the
 * id. An entry whose recorded resource is gone is dropped, so that the caller creates it anew.
 */
async function earlierRunsId<F extends "userPoolId" | "clientId">(
  ledger: Ledger,
  prior: ({ id: string } & { [K in F]?: string }) | undefined,
  idField: F,
  look: { find: () => Promise<string | undefined>; exists: (id: string) => Promise<boolean> },
): Promise<string | undefined> {
  if (!prior) return undefined;
  const recorded = prior[idField];
  const id = recorded ?? (await look.find());
  if (id && (await look.exists(id))) {
    if (!recorded) ledger.confirm(prior.id, { [idField]: id });
    return id;
  }
  if (recorded) ledger.remove(prior.id);
  return undefined;
}

/** A password Cognito's default policy takes (upper, lower, digit, symbol), new each time. */
function newPassword(): string {
  return `${randomBytes(18).toString("base64url")}-Aa1`;
}

/**
 * Creates a user (no invitation sent) and sets a new random permanent password, so they can sign
 * in at once. A re-run gives this ledger's user a new password (it is not kept anywhere); a user
 * of that name that this ledger did not create is refused.
 */
export async function createCognitoUser(input: { userPoolId: string; username: string }, opts: LibOptions = {}): Promise<CreatedCognitoUser> {
  const s = opts.session ?? (await defaultSession());
  awsSession(s, "createCognitoUser");
  const ledger = opts.ledger ?? new Ledger();
  const log = opts.log ?? console.log;
  const scope = await scopeOf(s);
  const resource = { kind: "cognito-user" as const, userPoolId: input.userPoolId, username: input.username };
  const prior = ledger.find(scope, resource);
  const existing = prior ? await getUser(s, input.userPoolId, input.username) : undefined;
  // An intent's user is this ledger's only when it was made after the intent (its answer was lost).
  const ours = existing && (prior!.state === "created" || existing.created >= Date.parse(prior!.recordedAt) - 60_000);
  if (ours && prior!.state === "intent") ledger.confirm(prior!.id);
  let sub = ours ? existing.sub : undefined;
  if (sub === undefined) {
    try {
      const created = await ledger.record(scope, resource, () =>
        s.clients.cognito.send(new AdminCreateUserCommand({ UserPoolId: input.userPoolId, Username: input.username, MessageAction: "SUPPRESS" })),
      );
      sub = created.User?.Attributes?.find((a) => a.Name === "sub")?.Value ?? "";
    } catch (e) {
      if (errorName(e) !== "UsernameExistsException") throw e;
      throw new ForeignResourceError(
        `A user ${input.username} already exists in user pool ${input.userPoolId} and was not created by this notebook (${ledger.file} does not list it); it was left unchanged. Choose another username.`,
      );
    }
  }
  const password = newPassword();
  registerSecret(password);
  await s.clients.cognito.send(new AdminSetUserPasswordCommand({ UserPoolId: input.userPoolId, Username: input.username, Password: password, Permanent: true }));
  const out = { username: input.username, sub } as CreatedCognitoUser;
  Object.defineProperty(out, "password", { value: password, enumerable: false });
  log(ours ? `Cognito user ${input.username} existed from an earlier run: gave them a new password (not shown).` : `Created Cognito user ${input.username} (sub ${sub}; their password is not shown).`);
  return out;
}

export class CognitoSignInError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CognitoSignInError";
  }
}

/**
 * The user signs in through an app client (InitiateAuth, USER_PASSWORD_AUTH). Cognito's access
 * token carries the app client in `client_id` (it has no `aud`), which is what a runtime's
 * `allowedClients` checks. The token is returned non-enumerable and registered as a secret.
 */
export async function signInCognito(input: { clientId: string; username: string; password: string }, opts: Pick<LibOptions, "session"> = {}): Promise<UserToken> {
  const s = opts.session ?? (await defaultSession());
  awsSession(s, "signInCognito");
  const answer = await s.clients.cognito.send(
    new InitiateAuthCommand({ AuthFlow: "USER_PASSWORD_AUTH", ClientId: input.clientId, AuthParameters: { USERNAME: input.username, PASSWORD: input.password } }),
  );
  const accessToken = answer.AuthenticationResult?.AccessToken;
  if (!accessToken) {
    throw new CognitoSignInError(`Cognito answered the sign-in with the challenge ${answer.ChallengeName ?? "(none)"} instead of tokens: the user's password must be permanent and MFA off (as createCognitoUser and createUserPool set them).`);
  }
  registerSecret(accessToken);
  registerSecret(answer.AuthenticationResult?.IdToken);
  registerSecret(answer.AuthenticationResult?.RefreshToken);
  const c = decodeJwt(accessToken);
  const claims = { iss: c.iss, sub: c.sub, aud: c.aud, client_id: c.client_id as string | undefined, scope: c.scope as string | undefined, exp: c.exp };
  const out = { claims } as UserToken;
  Object.defineProperty(out, "accessToken", { value: accessToken, enumerable: false });
  return out;
}

async function poolExists(s: Session, userPoolId: string): Promise<boolean> {
  try {
    await s.clients.cognito.send(new DescribeUserPoolCommand({ UserPoolId: userPoolId }));
    return true;
  } catch (e) {
    if (isNotFound(e)) return false;
    throw e;
  }
}

/** The pool of this entry's name that carries this entry's tag (a create whose answer was lost). */
async function findOurPool(s: Session, e: Extract<LedgerEntry, { kind: "cognito-user-pool" }>): Promise<string | undefined> {
  for (const id of await poolsNamed(s, e.poolName)) {
    const pool = (await s.clients.cognito.send(new DescribeUserPoolCommand({ UserPoolId: id }))).UserPool;
    if (pool?.UserPoolTags?.[LEDGER_TAG] === e.id) return id;
  }
  return undefined;
}

async function poolsNamed(s: Session, name: string): Promise<string[]> {
  const ids: string[] = [];
  let NextToken: string | undefined;
  do {
    const page = await s.clients.cognito.send(new ListUserPoolsCommand({ MaxResults: 60, NextToken }));
    for (const p of page.UserPools ?? []) if (p.Name === name && p.Id) ids.push(p.Id);
    NextToken = page.NextToken;
  } while (NextToken);
  return ids;
}

async function clientExists(s: Session, userPoolId: string, clientId: string): Promise<boolean> {
  try {
    await s.clients.cognito.send(new DescribeUserPoolClientCommand({ UserPoolId: userPoolId, ClientId: clientId }));
    return true;
  } catch (e) {
    if (isNotFound(e)) return false;
    throw e;
  }
}

async function findClient(s: Session, userPoolId: string, clientName: string): Promise<string | undefined> {
  let NextToken: string | undefined;
  try {
    do {
      const page = await s.clients.cognito.send(new ListUserPoolClientsCommand({ UserPoolId: userPoolId, MaxResults: 60, NextToken }));
      const hit = page.UserPoolClients?.find((c) => c.ClientName === clientName);
      if (hit?.ClientId) return hit.ClientId;
      NextToken = page.NextToken;
    } while (NextToken);
  } catch (e) {
    if (isNotFound(e)) return undefined;
    throw e;
  }
  return undefined;
}

async function getUser(s: Session, userPoolId: string, username: string): Promise<{ sub: string; created: number } | undefined> {
  try {
    const u = await s.clients.cognito.send(new AdminGetUserCommand({ UserPoolId: userPoolId, Username: username }));
    return { sub: u.UserAttributes?.find((a) => a.Name === "sub")?.Value ?? "", created: u.UserCreateDate?.getTime() ?? 0 };
  } catch (e) {
    if (isNotFound(e)) return undefined;
    throw e;
  }
}

type Outcome = { outcome: "deleted" | "already gone" | "kept"; detail?: string };

/** Cleanup's step for a `cognito-user` entry; an intent's user is only deleted when younger than it. */
export async function deleteCognitoUserEntry(s: Session, e: Extract<LedgerEntry, { kind: "cognito-user" }>): Promise<Outcome> {
  try {
    if (e.state === "intent") {
      const u = await s.clients.cognito.send(new AdminGetUserCommand({ UserPoolId: e.userPoolId, Username: e.username }));
      if (u.UserCreateDate && u.UserCreateDate.getTime() < Date.parse(e.recordedAt) - 60_000) {
        return { outcome: "kept", detail: "the create was never confirmed and the user of that name is older than it: someone else's" };
      }
    }
    await s.clients.cognito.send(new AdminDeleteUserCommand({ UserPoolId: e.userPoolId, Username: e.username }));
    return { outcome: "deleted" };
  } catch (err) {
    if (isNotFound(err)) return { outcome: "already gone" };
    throw err;
  }
}

/** Cleanup's step for a `cognito-user-pool-client` entry (its pool is this ledger's). */
export async function deleteUserPoolClientEntry(s: Session, e: Extract<LedgerEntry, { kind: "cognito-user-pool-client" }>): Promise<Outcome> {
  const id = e.clientId ?? (await findClient(s, e.userPoolId, e.clientName));
  if (!id) return { outcome: "already gone" };
  try {
    await s.clients.cognito.send(new DeleteUserPoolClientCommand({ UserPoolId: e.userPoolId, ClientId: id }));
    return { outcome: "deleted" };
  } catch (err) {
    if (isNotFound(err)) return { outcome: "already gone" };
    throw err;
  }
}

/**
 * Cleanup's step for a `cognito-user-pool` entry: by its recorded id, or (an intent) the pool of
 * that name carrying this entry's tag. Deleting a pool deletes its clients and users too.
 */
export async function deleteUserPoolEntry(s: Session, e: Extract<LedgerEntry, { kind: "cognito-user-pool" }>): Promise<Outcome> {
  const id = e.userPoolId ?? (await findOurPool(s, e));
  if (!id) {
    if ((await poolsNamed(s, e.poolName)).length > 0) {
      return { outcome: "kept", detail: `the create was never confirmed and no pool of that name carries this ledger entry's tag ${LEDGER_TAG}: someone else's` };
    }
    return { outcome: "already gone" };
  }
  try {
    await s.clients.cognito.send(new DeleteUserPoolCommand({ UserPoolId: id }));
    return { outcome: "deleted" };
  } catch (err) {
    if (isNotFound(err)) return { outcome: "already gone" };
    throw err;
  }
}
