/**
 * The built-in identity provider: discovery, JWKS, client credentials, authorization code with PKCE
 * and refresh, login and consent pages, the calendar stand-in's bearer and scope checks, the admin
 * routes, and no client secret or token in the log or the state folder.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { startTestLocal, type TestLocal } from "../helpers/local.js";
import { localIdp, LocalIdpError, type LocalIdp } from "../../lib/local/client/idp.js";
import { escapeHtml } from "../../lib/local/idp/html.js";
import { createBrowser } from "./browser.js";

let local: TestLocal;
let idp: LocalIdp;
const logLines: string[] = [];
const secrets: string[] = [];

before(async () => {
  local = await startTestLocal({ log: (l) => logLines.push(l) });
  idp = localIdp({ endpoint: local.endpoint, region: local.region, credentials: local.admin });
});
after(() => local.stop());

const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString("base64")}`;

async function token(form: Record<string, string>, auth?: string) {
  const res = await fetch(`${idp.issuer}/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", ...(auth ? { authorization: auth } : {}) },
    body: new URLSearchParams(form),
  });
  return { status: res.status, body: (await res.json()) as Record<string, string> };
}

const calendarUrl = () => `${local.endpoint}/_local/calendar/v3/calendars/primary/events`;

describe("built-in identity provider", () => {
  it("publishes discovery and a JWKS without private key members", async () => {
    const meta = (await (await fetch(`${idp.issuer}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
    assert.equal(meta.issuer, idp.issuer);
    assert.equal(meta.token_endpoint, `${idp.issuer}/token`);
    assert.ok((meta.grant_types_supported as string[]).includes("client_credentials"));
    assert.deepEqual(meta.code_challenge_methods_supported, ["S256"]);
    const jwks = (await (await fetch(meta.jwks_uri as string)).json()) as { keys: Record<string, unknown>[] };
    assert.ok(jwks.keys.length > 0);
    for (const k of jwks.keys) for (const priv of ["d", "p", "q", "dp", "dq", "qi"]) assert.equal(k[priv], undefined, `JWKS leaks ${priv}`);
  });

  it("refuses admin routes without the admin's SigV4 signature", async () => {
    const res = await fetch(`${local.endpoint}/_local/admin/idp/clients`);
    assert.equal(res.status, 403);
    const post = await fetch(`${local.endpoint}/_local/admin/idp/clients`, { method: "POST", body: JSON.stringify({ clientId: "sneaky" }) });
    assert.equal(post.status, 403);
    assert.equal((await idp.listClients()).clients.some((c) => c.clientId === "sneaky"), false);
  });

  it("issues client-credentials JWTs the calendar API accepts, and enforces scopes (RFC 6750)", async () => {
    const { client, clientSecret, tokenEndpoint } = await idp.createClient({ clientId: "m2m-agent", grantTypes: ["client_credentials"] });
    assert.equal(client.confidential, true);
    assert.ok(clientSecret && clientSecret.length >= 32);
    secrets.push(clientSecret);
    assert.equal(tokenEndpoint, `${idp.issuer}/token`);

    const wrong = await token({ grant_type: "client_credentials", scope: "calendar.read" }, basic("m2m-agent", "not-the-secret"));
    assert.equal(wrong.status, 401);
    assert.equal(wrong.body.error, "invalid_client");

    const ok = await token({ grant_type: "client_credentials", scope: "calendar.read" }, basic("m2m-agent", clientSecret));
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.equal(ok.body.token_type, "Bearer");
    assert.equal(ok.body.access_token!.split(".").length, 3, "a JWT access token");
    secrets.push(ok.body.access_token!);

    const read = await fetch(calendarUrl(), { headers: { authorization: `Bearer ${ok.body.access_token}` } });
    assert.equal(read.status, 200);
    assert.equal(((await read.json()) as { kind: string }).kind, "calendar#events");

    const write = await fetch(calendarUrl(), { method: "POST", headers: { authorization: `Bearer ${ok.body.access_token}` }, body: JSON.stringify({ summary: "x" }) });
    assert.equal(write.status, 403);
    assert.match(write.headers.get("www-authenticate") ?? "", /^Bearer .*error="insufficient_scope".*scope="calendar.write"/);
  });

  it("rejects missing, tampered and foreign tokens at the calendar API", async () => {
    const none = await fetch(calendarUrl());
    assert.equal(none.status, 401);
    assert.match(none.headers.get("www-authenticate") ?? "", /^Bearer realm="calendar"$/);

    const { clientSecret } = await idp.createClient({ clientId: "tamper-agent", scope: "calendar.read calendar.write" });
    secrets.push(clientSecret!);
    const ok = await token({ grant_type: "client_credentials", scope: "calendar.read" }, basic("tamper-agent", clientSecret!));
    const [h, p, s] = ok.body.access_token!.split(".");
    const claims = JSON.parse(Buffer.from(p!, "base64url").toString());
    claims.scope = "calendar.read calendar.write";
    const forged = `${h}.${Buffer.from(JSON.stringify(claims)).toString("base64url")}.${s}`;
    const res = await fetch(calendarUrl(), { method: "POST", headers: { authorization: `Bearer ${forged}` }, body: JSON.stringify({ summary: "x" }) });
    assert.equal(res.status, 401);
    assert.match(res.headers.get("www-authenticate") ?? "", /error="invalid_token"/);

    const unsigned = `${Buffer.from(JSON.stringify({ alg: "none", typ: "at+jwt" })).toString("base64url")}.${Buffer.from(JSON.stringify(claims)).toString("base64url")}.`;
    assert.equal((await fetch(calendarUrl(), { headers: { authorization: `Bearer ${unsigned}` } })).status, 401);
  });

  it("refuses a client-credentials scope the client is not registered for", async () => {
    const { clientSecret } = await idp.createClient({ clientId: "narrow-agent", scope: "calendar.read" });
    secrets.push(clientSecret!);
    const res = await token({ grant_type: "client_credentials", scope: "calendar.write" }, basic("narrow-agent", clientSecret!));
    assert.equal(res.status, 400);
    assert.equal(res.body.error, "invalid_scope");
  });

  it("runs authorization code with PKCE through login and consent pages, then refresh", async () => {
    const redirectUri = "http://127.0.0.1:9/callback";
    const { clientSecret } = await idp.createClient({ clientId: "web-app", grantTypes: ["authorization_code", "refresh_token"], redirectUris: [redirectUri] });
    secrets.push(clientSecret!);
    await idp.createUser({ username: "alice", password: "correct horse battery", name: "Alice" });
    assert.equal((await idp.listUsers()).some((u) => u.username === "alice" && !("passwordHash" in u)), true);

    const verifier = randomBytes(32).toString("base64url");
    const challenge = createHash("sha256").update(verifier).digest("base64url");
    const auth = new URL(`${idp.issuer}/auth`);
    for (const [k, v] of Object.entries({ client_id: "web-app", response_type: "code", redirect_uri: redirectUri, scope: "openid offline_access calendar.read", code_challenge: challenge, code_challenge_method: "S256", state: "st-1", prompt: "consent" })) auth.searchParams.set(k, v);

    // Without PKCE the request is refused.
    const noPkce = new URL(auth);
    noPkce.searchParams.delete("code_challenge");
    noPkce.searchParams.delete("code_challenge_method");
    const refused = await createBrowser().go(noPkce.href, {}, (u) => u.startsWith(redirectUri));
    assert.match(refused.url, /error=invalid_request/);

    const browser = createBrowser();
    const login = await browser.go(auth.href);
    assert.equal(login.status, 200);
    assert.match(login.body, /<form method="post" action="\/_local\/idp\/interaction\/[^"]+\/login">/);
    assert.equal(login.headers.get("x-frame-options"), "DENY");
    // Never framed, no script; but no form-action: a browser applies it to the redirects after the
    // submit, which end at the application's return URL (test/notebook-browser/ follows them).
    assert.match(login.headers.get("content-security-policy") ?? "", /default-src 'none'.*frame-ancestors 'none'/);
    assert.doesNotMatch(login.headers.get("content-security-policy") ?? "", /form-action/);
    const loginAction = new URL(/action="([^"]+\/login)"/.exec(login.body)![1]!, local.endpoint).href;

    const wrong = await browser.go(loginAction, { method: "POST", form: { username: "alice", password: "wrong password" } });
    assert.equal(wrong.status, 401);
    assert.match(wrong.body, /Wrong username or password/);

    const huge = await browser.go(loginAction, { method: "POST", form: { username: "alice", password: "x".repeat(20_000) } });
    assert.equal(huge.status, 413);

    // A form posted from a browser without the interaction cookie finds no sign-in.
    const stranger = await createBrowser().go(loginAction, { method: "POST", form: { username: "alice", password: "correct horse battery" } });
    assert.equal(stranger.status, 400);

    const consent = await browser.go(loginAction, { method: "POST", form: { username: "alice", password: "correct horse battery" } });
    assert.equal(consent.status, 200, consent.body);
    assert.match(consent.body, /calendar\.read/);
    const confirm = new URL(/action="([^"]+\/confirm)"/.exec(consent.body)![1]!, local.endpoint).href;
    const back = await browser.go(confirm, { method: "POST", form: { decision: "allow" } }, (u) => u.startsWith(redirectUri));
    const cb = new URL(back.url);
    assert.equal(cb.searchParams.get("state"), "st-1");
    const code = cb.searchParams.get("code");
    assert.ok(code, back.url);

    const badVerifier = await token({ grant_type: "authorization_code", code: code!, redirect_uri: redirectUri, code_verifier: randomBytes(32).toString("base64url") }, basic("web-app", clientSecret!));
    assert.equal(badVerifier.body.error, "invalid_grant");
    const tokens = await token({ grant_type: "authorization_code", code: code!, redirect_uri: redirectUri, code_verifier: verifier }, basic("web-app", clientSecret!));
    assert.equal(tokens.status, 200, JSON.stringify(tokens.body));
    assert.ok(tokens.body.id_token && tokens.body.refresh_token && tokens.body.access_token);
    secrets.push(tokens.body.access_token!, tokens.body.refresh_token!);
    const read = await fetch(calendarUrl(), { headers: { authorization: `Bearer ${tokens.body.access_token}` } });
    assert.equal(read.status, 200);

    const refreshed = await token({ grant_type: "refresh_token", refresh_token: tokens.body.refresh_token! }, basic("web-app", clientSecret!));
    assert.equal(refreshed.status, 200, JSON.stringify(refreshed.body));
    assert.ok(refreshed.body.access_token);
    secrets.push(refreshed.body.access_token!);
  });

  it("deletes a user: gone from the list, a second delete is ResourceNotFoundException, the name can be used again", async () => {
    await idp.createUser({ username: "dora", password: "correct horse battery" });
    await idp.deleteUser("dora");
    assert.equal((await idp.listUsers()).some((u) => u.username === "dora"), false);
    await assert.rejects(idp.deleteUser("dora"), (e: LocalIdpError) => e.code === "ResourceNotFoundException" && e.status === 404);
    await idp.createUser({ username: "dora", password: "another good password" });
    await idp.deleteUser("dora");
  });

  it("answers bad admin input with AWS-shaped errors", async () => {
    await assert.rejects(idp.createClient({ clientId: "<script>" }), (e: LocalIdpError) => e.code === "ValidationException");
    await assert.rejects(idp.createUser({ username: "bob", password: "short" }), (e: LocalIdpError) => e.code === "ValidationException");
    await assert.rejects(idp.createClient({ clientId: "m2m-agent" }), (e: LocalIdpError) => e.code === "ConflictException");
  });

  it("escapes what it puts in pages", () => {
    assert.equal(escapeHtml(`<img src=x onerror="a('b')">&`), "&lt;img src=x onerror=&quot;a(&#39;b&#39;)&quot;&gt;&amp;");
  });

  it("keeps client secrets and tokens out of the log and the state folder", () => {
    assert.ok(secrets.length >= 5);
    const files = readdirSync(local.stateDir, { recursive: true, withFileTypes: true }).filter((f) => f.isFile());
    const blobs = files.map((f) => readFileSync(join(f.parentPath, f.name)).toString("latin1"));
    blobs.push(logLines.join("\n"));
    for (const secret of secrets) for (const blob of blobs) assert.equal(blob.includes(secret), false, "a secret or token was written out");
  });
});
