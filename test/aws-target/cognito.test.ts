/**
 * Notebook 02's identity provider on `AGENTCORE_TARGET=aws`, up to the SDK call boundary: a
 * Cognito user pool (tagged with its ledger entry), two app clients without a secret, a user with a
 * permanent random password, the user's sign-in (InitiateAuth USER_PASSWORD_AUTH), each as the SDK
 * serializes it; a re-run creates nothing twice; someone else's pool of the same name is never
 * touched; cleanup deletes users, clients, then the pool. Cognito answers through fake-aws.ts.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { session, type Session } from "../../lib/session.js";
import { Ledger } from "../../lib/agentcore/ledger.js";
import { createCognitoUser, createUserPool, createUserPoolClient, signInCognito, type CreatedCognitoUser } from "../../lib/agentcore/cognito.js";
import { cleanup } from "../../lib/agentcore/cleanup.js";
import { LEDGER_TAG } from "../../lib/agentcore/ownership.js";
import { ForeignResourceError } from "../../lib/agentcore/ownership.js";
import { FakeAws, awsJson, awsJsonError, callerIdentity, type RecordedCall } from "./fake-aws.js";
import { cleanAwsEnv, type AwsEnv } from "./env.js";

const REGION = "us-west-2";
const POOL_NAME = "inbound_jwt_whoami-users";
const FOREIGN_POOL = "us-west-2_Someone1";

interface Pool {
  name: string;
  tags: Record<string, string>;
  clients: Map<string, string>;
  users: Map<string, { sub: string; created: number; password?: string; permanent?: boolean }>;
}

let env: AwsEnv;
let s: Session;
const fake = new FakeAws();
const lines: string[] = [];
const log = (l: string) => lines.push(l);
const pools = new Map<string, Pool>();
let seq = 0;
const ledger = () => new Ledger(env.dir);
const body = (c: RecordedCall) => JSON.parse(c.body) as Record<string, any>;
const notFound = (what: string) => awsJsonError("ResourceNotFoundException", `${what} does not exist.`);

/** An unsigned JWT shaped like a Cognito access token (the library only decodes it). */
function accessToken(sub: string, clientId: string): string {
  const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString("base64url");
  const iss = `https://cognito-idp.${REGION}.amazonaws.com/${[...pools.keys()].find((id) => pools.get(id)!.clients.has(clientId))}`;
  return `${b64({ alg: "RS256", kid: "k1" })}.${b64({ sub, iss, client_id: clientId, token_use: "access", scope: "aws.cognito.signin.user.admin", exp: 1893456000, username: sub })}.c2lnbmF0dXJlTm90Q2hlY2tlZEhlcmU`;
}

function installCognito(): void {
  pools.set(FOREIGN_POOL, { name: POOL_NAME, tags: {}, clients: new Map(), users: new Map() });
  const pool = (c: RecordedCall) => pools.get(body(c).UserPoolId);
  fake
    .on("GetCallerIdentity", callerIdentity())
    .on("CreateUserPool", (c) => {
      const id = `${REGION}_Pool${++seq}`;
      pools.set(id, { name: body(c).PoolName, tags: body(c).UserPoolTags ?? {}, clients: new Map(), users: new Map() });
      return awsJson({ UserPool: { Id: id, Name: body(c).PoolName, Arn: `arn:aws:cognito-idp:${REGION}:123456789012:userpool/${id}` } });
    })
    .on("ListUserPools", () => awsJson({ UserPools: [...pools].map(([Id, p]) => ({ Id, Name: p.name })) }))
    .on("DescribeUserPool", (c) => {
      const p = pool(c);
      return p ? awsJson({ UserPool: { Id: body(c).UserPoolId, Name: p.name, UserPoolTags: p.tags } }) : notFound("User pool");
    })
    .on("DeleteUserPool", (c) => (pools.delete(body(c).UserPoolId) ? awsJson({}) : notFound("User pool")))
    .on("CreateUserPoolClient", (c) => {
      const p = pool(c);
      if (!p) return notFound("User pool");
      const id = `client${++seq}abcdefghijklmnopq`;
      p.clients.set(id, body(c).ClientName);
      return awsJson({ UserPoolClient: { UserPoolId: body(c).UserPoolId, ClientId: id, ClientName: body(c).ClientName } });
    })
    .on("DescribeUserPoolClient", (c) => {
      const name = pool(c)?.clients.get(body(c).ClientId);
      return name ? awsJson({ UserPoolClient: { UserPoolId: body(c).UserPoolId, ClientId: body(c).ClientId, ClientName: name } }) : notFound("User pool client");
    })
    .on("DeleteUserPoolClient", (c) => (pool(c)?.clients.delete(body(c).ClientId) ? awsJson({}) : notFound("User pool client")))
    .on("AdminCreateUser", (c) => {
      const p = pool(c);
      if (!p) return notFound("User pool");
      if (p.users.has(body(c).Username)) return awsJsonError("UsernameExistsException", "User account already exists");
      const sub = `0000000${++seq}-aaaa-4bbb-8ccc-dddddddddddd`;
      p.users.set(body(c).Username, { sub, created: Date.now() });
      return awsJson({ User: { Username: body(c).Username, Attributes: [{ Name: "sub", Value: sub }], UserStatus: "FORCE_CHANGE_PASSWORD", Enabled: true } });
    })
    .on("AdminGetUser", (c) => {
      const u = pool(c)?.users.get(body(c).Username);
      return u ? awsJson({ Username: body(c).Username, UserAttributes: [{ Name: "sub", Value: u.sub }], UserCreateDate: u.created / 1000, UserStatus: "CONFIRMED" }) : awsJsonError("UserNotFoundException", "User does not exist.");
    })
    .on("AdminSetUserPassword", (c) => {
      const u = pool(c)?.users.get(body(c).Username);
      if (!u) return awsJsonError("UserNotFoundException", "User does not exist.");
      Object.assign(u, { password: body(c).Password, permanent: body(c).Permanent });
      return awsJson({});
    })
    .on("AdminDeleteUser", (c) => (pool(c)?.users.delete(body(c).Username) ? awsJson({}) : awsJsonError("UserNotFoundException", "User does not exist.")))
    .on("InitiateAuth", (c) => {
      const { ClientId, AuthParameters } = body(c);
      const p = [...pools.values()].find((x) => x.clients.has(ClientId));
      const u = p?.users.get(AuthParameters.USERNAME);
      if (!u || !u.permanent || u.password !== AuthParameters.PASSWORD) return awsJsonError("NotAuthorizedException", "Incorrect username or password.");
      return awsJson({ AuthenticationResult: { AccessToken: accessToken(u.sub, ClientId), IdToken: "id.token.value", RefreshToken: "refresh-token-value", ExpiresIn: 3600, TokenType: "Bearer" } });
    });
}

before(async () => {
  env = cleanAwsEnv({ AGENTCORE_TARGET: "aws", AWS_REGION: REGION, AWS_ACCESS_KEY_ID: "AKIA_ENV_EXAMPLE_005", AWS_SECRET_ACCESS_KEY: "envSecretAccessKeyExample0000000000000005" });
  s = await session();
  fake.attach(s);
  installCognito();
});

after(() => {
  s?.close();
  env?.restore();
});

const opts = () => ({ session: s, ledger: ledger(), log });
let poolId: string;
let clientId: string;
let otherClientId: string;
let user: CreatedCognitoUser;

test("createUserPool: CreateUserPool as the SDK sends it, tagged with its ledger entry; someone else's pool of that name is not looked at", async () => {
  const pool = await createUserPool({ poolName: POOL_NAME }, opts());
  poolId = pool.userPoolId;
  assert.notEqual(poolId, FOREIGN_POOL);
  assert.equal(pool.discoveryUrl, `https://cognito-idp.${REGION}.amazonaws.com/${poolId}/.well-known/openid-configuration`);
  const call = fake.one("CreateUserPool");
  assert.equal(call.host, `cognito-idp.${REGION}.amazonaws.com`);
  assert.equal(call.headers["x-amz-target"], "AWSCognitoIdentityProviderService.CreateUserPool");
  assert.equal(call.credentialScope?.service, "cognito-idp");
  const sent = body(call);
  const [entry] = ledger().entries();
  assert.deepEqual({ kind: entry!.kind, state: entry!.state }, { kind: "cognito-user-pool", state: "created" });
  assert.equal((entry as { userPoolId?: string }).userPoolId, poolId);
  assert.deepEqual(sent.UserPoolTags, { [LEDGER_TAG]: entry!.id });
  assert.equal(sent.PoolName, POOL_NAME);
  assert.deepEqual(sent.AdminCreateUserConfig, { AllowAdminCreateUserOnly: true });
  assert.equal(fake.find("DescribeUserPool").length + fake.find("ListUserPools").length, 0, "a first run looks nothing up by name");
});

test("createUserPoolClient: no secret, user password sign-in; recorded with the client id", async () => {
  clientId = (await createUserPoolClient({ userPoolId: poolId, clientName: "whoami-web-app" }, opts())).clientId;
  otherClientId = (await createUserPoolClient({ userPoolId: poolId, clientName: "whoami-other-app" }, opts())).clientId;
  const sent = body(fake.find("CreateUserPoolClient")[0]!);
  assert.equal(sent.UserPoolId, poolId);
  assert.equal(sent.ClientName, "whoami-web-app");
  assert.equal(sent.GenerateSecret, false);
  assert.ok(sent.ExplicitAuthFlows.includes("ALLOW_USER_PASSWORD_AUTH"));
  const recorded = ledger().entries().filter((e) => e.kind === "cognito-user-pool-client") as { clientId?: string; state: string }[];
  assert.deepEqual(recorded.map((e) => [e.clientId, e.state]), [[clientId, "created"], [otherClientId, "created"]]);
});

test("createCognitoUser: no invitation, a permanent random password that is never shown", async () => {
  user = await createCognitoUser({ userPoolId: poolId, username: "whoami-alice" }, opts());
  const created = body(fake.one("AdminCreateUser"));
  assert.deepEqual(created, { UserPoolId: poolId, Username: "whoami-alice", MessageAction: "SUPPRESS" });
  const set = body(fake.one("AdminSetUserPassword"));
  assert.equal(set.Permanent, true);
  assert.equal(set.Password, user.password);
  assert.match(user.password, /[a-z]/);
  assert.match(user.password, /[A-Z]/);
  assert.match(user.password, /[0-9]/);
  assert.match(user.password, /[-^$*.!@#%&]/);
  assert.ok(user.password.length >= 20);
  assert.ok(!JSON.stringify(user).includes(user.password), "not enumerable");
  assert.ok(!lines.join("\n").includes(user.password), "not logged");
  assert.equal(user.sub, pools.get(poolId)!.users.get("whoami-alice")!.sub);
});

test("signInCognito: InitiateAuth USER_PASSWORD_AUTH; the access token names the app client (client_id) and is never shown", async () => {
  const token = await signInCognito({ clientId: clientId, username: user.username, password: user.password }, { session: s });
  const call = fake.one("InitiateAuth");
  assert.equal(call.headers["x-amz-target"], "AWSCognitoIdentityProviderService.InitiateAuth");
  assert.equal(call.headers["authorization"], undefined, "an app's sign-in: not signed with the learner's AWS credentials");
  assert.deepEqual(body(call), { AuthFlow: "USER_PASSWORD_AUTH", ClientId: clientId, AuthParameters: { USERNAME: "whoami-alice", PASSWORD: user.password } });
  assert.equal(token.claims.client_id, clientId);
  assert.equal(token.claims.sub, user.sub);
  assert.equal(token.claims.iss, `https://cognito-idp.${REGION}.amazonaws.com/${poolId}`);
  assert.ok(!JSON.stringify(token).includes(token.accessToken), "the token is not enumerable");
  const other = await signInCognito({ clientId: otherClientId, username: user.username, password: user.password }, { session: s });
  assert.equal(other.claims.client_id, otherClientId);
  await assert.rejects(signInCognito({ clientId: clientId, username: user.username, password: "wrong-Password-1" }, { session: s }), { name: "NotAuthorizedException" });
});

test("a re-run reuses the pool and clients, gives the user a new password, and records nothing twice", async () => {
  const before = ledger().entries().length;
  const pool = await createUserPool({ poolName: POOL_NAME }, opts());
  const client = await createUserPoolClient({ userPoolId: pool.userPoolId, clientName: "whoami-web-app" }, opts());
  const again = await createCognitoUser({ userPoolId: pool.userPoolId, username: "whoami-alice" }, opts());
  assert.equal(pool.userPoolId, poolId);
  assert.equal(client.clientId, clientId);
  assert.equal(again.sub, user.sub);
  assert.notEqual(again.password, user.password);
  assert.equal(fake.find("CreateUserPool").length, 1);
  assert.equal(fake.find("CreateUserPoolClient").length, 2);
  assert.equal(fake.find("AdminCreateUser").length, 1);
  assert.equal(fake.find("AdminSetUserPassword").length, 2);
  assert.equal(ledger().entries().length, before);
  assert.ok(!fake.find("DescribeUserPool").some((c) => body(c).UserPoolId === FOREIGN_POOL), "someone else's pool was never read");
  user = again;
});

test("a user of that name this ledger did not create is refused and left alone", async () => {
  pools.get(poolId)!.users.set("someone-else", { sub: "foreign-sub", created: Date.now() - 3_600_000, password: "Theirs-1", permanent: true });
  await assert.rejects(createCognitoUser({ userPoolId: poolId, username: "someone-else" }, opts()), (e: unknown) => e instanceof ForeignResourceError && /was not created by this notebook/.test((e as Error).message));
  assert.equal(pools.get(poolId)!.users.get("someone-else")!.password, "Theirs-1");
  assert.ok(!ledger().entries().some((e) => e.kind === "cognito-user" && e.username === "someone-else"));
  pools.get(poolId)!.users.delete("someone-else");
});

test("a user create whose answer was lost: adopted when the user is younger than its intent, else refused", async () => {
  const scope = { target: "aws" as const, region: REGION, accountId: "123456789012" };
  ledger().intend(scope, { kind: "cognito-user", userPoolId: poolId, username: "lost-bob" });
  pools.get(poolId)!.users.set("lost-bob", { sub: "bob-sub", created: Date.now() });
  const bob = await createCognitoUser({ userPoolId: poolId, username: "lost-bob" }, opts());
  assert.equal(bob.sub, "bob-sub");
  assert.equal(pools.get(poolId)!.users.get("lost-bob")!.password, bob.password);
  assert.equal(ledger().find(scope, { kind: "cognito-user", userPoolId: poolId, username: "lost-bob" })?.state, "created");
  ledger().intend(scope, { kind: "cognito-user", userPoolId: poolId, username: "old-carol" });
  pools.get(poolId)!.users.set("old-carol", { sub: "carol-sub", created: Date.now() - 3_600_000, password: "Hers-1", permanent: true });
  await assert.rejects(createCognitoUser({ userPoolId: poolId, username: "old-carol" }, opts()), ForeignResourceError);
  assert.equal(pools.get(poolId)!.users.get("old-carol")!.password, "Hers-1");
});

test("a pool create whose answer was lost: the next run adopts the pool carrying its entry's tag, never another of that name", async () => {
  const scope = { target: "aws" as const, region: REGION, accountId: "123456789012" };
  const entry = ledger().intend(scope, { kind: "cognito-user-pool", poolName: "lost-answer" });
  pools.set(`${REGION}_Foreign2`, { name: "lost-answer", tags: { [LEDGER_TAG]: "someone-elses-entry" }, clients: new Map(), users: new Map() });
  pools.set(`${REGION}_Lost`, { name: "lost-answer", tags: { [LEDGER_TAG]: entry.id }, clients: new Map(), users: new Map() });
  const creates = fake.find("CreateUserPool").length;
  const pool = await createUserPool({ poolName: "lost-answer" }, opts());
  assert.equal(pool.userPoolId, `${REGION}_Lost`);
  assert.equal(fake.find("CreateUserPool").length, creates);
  assert.equal((ledger().find(scope, { kind: "cognito-user-pool", poolName: "lost-answer" }) as { userPoolId?: string; state: string }).userPoolId, `${REGION}_Lost`);
  // An intent whose pool never came: only someone else's pool of that name exists, and it is kept.
  ledger().intend(scope, { kind: "cognito-user-pool", poolName: POOL_NAME + "-never" });
  pools.set(`${REGION}_Foreign3`, { name: POOL_NAME + "-never", tags: {}, clients: new Map(), users: new Map() });
});

test("cleanup: users, then app clients, then pools; someone else's pools of the same names stay; the ledger ends empty", async () => {
  const report = await cleanup({ session: s, ledger: ledger(), log });
  assert.equal(report.ok, true, JSON.stringify(report.steps));
  const deletes = fake.sequence((c) => c.operation.startsWith("Delete") || c.operation === "AdminDeleteUser");
  assert.deepEqual(deletes, ["cognito:AdminDeleteUser", "cognito:AdminDeleteUser", "cognito:DeleteUserPoolClient", "cognito:DeleteUserPoolClient", "cognito:DeleteUserPool", "cognito:DeleteUserPool"]);
  const deletedPools = fake.find("DeleteUserPool").map((c) => body(c).UserPoolId).sort();
  assert.deepEqual(deletedPools, [poolId, `${REGION}_Lost`].sort());
  for (const id of [FOREIGN_POOL, `${REGION}_Foreign2`, `${REGION}_Foreign3`]) assert.ok(pools.has(id), `${id} is someone else's and stays`);
  const kept = report.steps.filter((x) => x.outcome === "kept");
  assert.deepEqual(kept.map((x) => x.kind), ["cognito-user", "cognito-user-pool"]);
  for (const k of kept) assert.match(k.detail ?? "", /someone else's/);
  assert.deepEqual(fake.find("AdminDeleteUser").map((c) => body(c).Username).sort(), ["lost-bob", "whoami-alice"]);
  assert.deepEqual(ledger().entries(), []);
  const again = await cleanup({ session: s, ledger: ledger(), log });
  assert.deepEqual(again.steps, []);
});

test("offline there is no Cognito: the functions say what to use instead", async () => {
  const local = { ...s, target: "local" as const };
  await assert.rejects(createUserPool({ poolName: "x" }, { session: local, ledger: ledger(), log }), /offline, use createIdpClient and createIdpUser/);
});
