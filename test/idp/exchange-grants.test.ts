/**
 * The built-in identity provider's on-behalf-of grants at its token endpoint: token exchange
 * (RFC 8693) and JWT bearer (RFC 7523 §2.1). What it issues (`sub` the user, `act` the client,
 * nested when a delegated token is exchanged again) and every subject or actor token it must
 * refuse: another client's token, a forged or expired one, another issuer's, an actor token that
 * is not the presenting client's, and clients that may not use the grants.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { startTestLocal, type TestLocal } from "../helpers/local.js";
import { localIdp, LocalIdpError, type LocalIdp } from "../../lib/local/client/idp.js";
import { claimsOf, userAccessToken } from "../identity-oauth2/user-access-token.js";

const TE = "urn:ietf:params:oauth:grant-type:token-exchange";
const JB = "urn:ietf:params:oauth:grant-type:jwt-bearer";
const AT = "urn:ietf:params:oauth:token-type:access_token";
const REDIRECT = "http://127.0.0.1:9/app/callback";
const ALICE = { username: "alice", password: "correct horse battery" };

let local: TestLocal;
let idp: LocalIdp;
let aliceSub = "";
const secret: Record<string, string> = {};
let userJwt = "";

const basic = (id: string) => `Basic ${Buffer.from(`${id}:${secret[id]}`).toString("base64")}`;

async function token(client: string, form: Record<string, string>) {
  const res = await fetch(`${idp.issuer}/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", authorization: basic(client) },
    body: new URLSearchParams(form),
  });
  return { status: res.status, body: (await res.json()) as Record<string, string | number> };
}

const exchangeAs = (client: string, subject: string, extra: Record<string, string> = {}) => token(client, { grant_type: TE, subject_token: subject, subject_token_type: AT, ...extra });

async function refused(p: Promise<{ status: number; body: Record<string, string | number> }>, error: string, description?: RegExp) {
  const { status, body } = await p;
  assert.equal(status, 400, JSON.stringify(body));
  assert.equal(body.error, error, JSON.stringify(body));
  if (description) assert.match(String(body.error_description), description);
}

before(async () => {
  local = await startTestLocal();
  idp = localIdp({ endpoint: local.endpoint, region: local.region, credentials: local.admin });
  aliceSub = (await idp.createUser(ALICE)).sub;
  const add = async (clientId: string, grantTypes: string[], scope = "calendar.read calendar.write", redirectUris?: string[]) => {
    secret[clientId] = (await idp.createClient({ clientId, grantTypes: grantTypes as never, scope, ...(redirectUris ? { redirectUris } : {}) })).clientSecret!;
  };
  await add("user-app", ["authorization_code"], "openid calendar.read", [REDIRECT]);
  await add("agent-a", [TE, "client_credentials"]);
  await add("agent-b", [TE, JB, "client_credentials"]);
  await add("m2m-only", ["client_credentials"]);
  userJwt = await userAccessToken({ issuer: idp.issuer, clientId: "user-app", clientSecret: secret["user-app"]!, redirectUri: REDIRECT, ...ALICE, scope: "openid calendar.read" });
});
after(() => local.stop());

describe("identity provider on-behalf-of grants", () => {
  it("token exchange issues the user's token with the client as actor; exchanged again, the actors nest", async () => {
    const first = await exchangeAs("agent-a", userJwt);
    assert.equal(first.status, 200, JSON.stringify(first.body));
    assert.equal(first.body.issued_token_type, AT);
    assert.equal(first.body.token_type, "Bearer");
    assert.equal(first.body.scope, "calendar.read");
    const a = claimsOf(String(first.body.access_token));
    assert.equal(a.sub, aliceSub);
    assert.deepEqual(a.act, { sub: "agent-a" });
    assert.equal(a.client_id, "agent-a");

    const second = await exchangeAs("agent-b", String(first.body.access_token));
    assert.equal(second.status, 200, JSON.stringify(second.body));
    const b = claimsOf(String(second.body.access_token));
    assert.equal(b.sub, aliceSub);
    assert.deepEqual(b.act, { sub: "agent-b", act: { sub: "agent-a" } });
  });

  it("accepts the client's own token as actor_token and refuses another client's", async () => {
    const own = await token("agent-a", { grant_type: "client_credentials", scope: "calendar.read" });
    const other = await token("agent-b", { grant_type: "client_credentials", scope: "calendar.read" });
    const ok = await exchangeAs("agent-a", userJwt, { actor_token: String(own.body.access_token), actor_token_type: AT });
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    await refused(exchangeAs("agent-a", userJwt, { actor_token: String(other.body.access_token), actor_token_type: AT }), "invalid_grant", /actor_token was not issued to the client/);
    await refused(exchangeAs("agent-a", userJwt, { actor_token: String(own.body.access_token) }), "invalid_request");
  });

  it("the JWT bearer grant issues the user's token with the client as actor", async () => {
    const res = await token("agent-b", { grant_type: JB, assertion: userJwt });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.issued_token_type, undefined);
    const c = claimsOf(String(res.body.access_token));
    assert.equal(c.sub, aliceSub);
    assert.deepEqual(c.act, { sub: "agent-b" });
    await refused(token("agent-b", { grant_type: JB }), "invalid_request");
  });

  it("refuses subject tokens that are not a user's valid token from this issuer", async () => {
    // A client's own token: no user behind it.
    const m2m = await token("m2m-only", { grant_type: "client_credentials", scope: "calendar.read" });
    await refused(exchangeAs("agent-a", String(m2m.body.access_token)), "invalid_grant", /does not represent a user/);
    // A forged one: Alice's claims, the signature of another token.
    const [h, p] = userJwt.split(".");
    const forged = `${h}.${Buffer.from(JSON.stringify({ ...claimsOf(userJwt), scope: "calendar.read calendar.write" })).toString("base64url")}.${String(m2m.body.access_token).split(".")[2]}`;
    await refused(exchangeAs("agent-a", forged), "invalid_grant", /signature/);
    await refused(exchangeAs("agent-a", `${h}.${p}.`), "invalid_grant");
    await refused(exchangeAs("agent-a", "not-a-jwt"), "invalid_grant");
    await refused(token("agent-b", { grant_type: JB, assertion: forged }), "invalid_grant");
    // Missing or unknown token types.
    await refused(token("agent-a", { grant_type: TE, subject_token: userJwt }), "invalid_request");
    await refused(token("agent-a", { grant_type: TE, subject_token: userJwt, subject_token_type: "urn:ietf:params:oauth:token-type:saml2" }), "invalid_request");
  });

  it("refuses an expired subject token", async () => {
    const realNow = local.server.services.now;
    const later = new Date(realNow().getTime() + 2 * 3600_000);
    local.server.services.now = () => later;
    try {
      await refused(exchangeAs("agent-a", userJwt), "invalid_grant", /expired/);
      await refused(token("agent-b", { grant_type: JB, assertion: userJwt }), "invalid_grant", /expired/);
    } finally {
      local.server.services.now = realNow;
    }
  });

  it("never grants more than the user's token holds, and issues for its own resource only", async () => {
    await refused(exchangeAs("agent-a", userJwt, { scope: "calendar.write" }), "invalid_scope");
    const narrowed = await exchangeAs("agent-a", userJwt, { scope: "calendar.read calendar.write" });
    assert.equal(narrowed.body.scope, "calendar.read");
    await refused(exchangeAs("agent-a", userJwt, { resource: "https://elsewhere.example/api" }), "invalid_target");
  });

  it("allows the grants only to confidential clients registered for them", async () => {
    await refused(token("m2m-only", { grant_type: TE, subject_token: userJwt, subject_token_type: AT }), "invalid_request", /grant type is not allowed for this client/);
    await refused(token("agent-a", { grant_type: JB, assertion: userJwt }), "invalid_request", /grant type is not allowed for this client/);
    await assert.rejects(() => idp.createClient({ clientId: "public-agent", grantTypes: [TE] as never, confidential: false }), (e: unknown) => e instanceof LocalIdpError && /public client/.test(e.message));
  });
});
