/**
 * Inbound JWT on the runtime: a runtime with `customJWTAuthorizer` takes InvokeAgentRuntime with
 * `Authorization: Bearer <jwt>` (raw HTTP POST as AWS's samples send it, and the AWS SDK with the
 * library's bearer plugin) and refuses SigV4; a runtime without one refuses bearer tokens. Tokens
 * come from an issuer written here (jose keys, a counting discovery/JWKS server, key rotation) and
 * from the built-in identity provider. Each attack is tried: unsigned and HS256 tokens, another
 * issuer, expired, another audience or client, two Authorization headers, the scheme in another
 * casing, a `jku` pointing elsewhere, unlisted and SigV4 headers reaching the agent.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { decodeJwt, exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from "jose";
import { CreateRoleCommand } from "@aws-sdk/client-iam";
import { AssumeRoleCommand } from "@aws-sdk/client-sts";
import { CreateAgentRuntimeCommand, type CreateAgentRuntimeCommandInput } from "@aws-sdk/client-bedrock-agentcore-control";
import { BedrockAgentCoreClient, InvokeAgentRuntimeCommand } from "@aws-sdk/client-bedrock-agentcore";
import { startTestLocal, type TestLocal } from "../helpers/local.js";
import { localIdp } from "../../lib/local/client/idp.js";
import { useBearerToken } from "../../lib/agentcore/bearer.js";
import { invokeRuntime, InvokeError } from "../../lib/agentcore/invoke.js";
import { session as librarySession } from "../../lib/session.js";
import { Hash } from "@smithy/hash-node";
import { SignatureV4 } from "@smithy/signature-v4";
import { rejects } from "../identity/expect.js";
import { createRole, echoBundle, invokeJson, sessionId, settledRuntime, uploadBundle } from "./setup.js";

const MISMATCH = /^Authorization method mismatch\. The agent is configured for a different authorization method than what was used in your request\. \(OAuth or SigV4\)$/;

/** A JWT issuer on loopback: discovery and key set, request counts, and a key set that can rotate. */
class TestIssuer {
  server!: Server;
  url = "";
  /** Where the discovery document says the key set is: `/jwks` (published) or `/jwks-moved` (moved). */
  jwksPath = "/jwks";
  moved: JWK[] = [];
  hits = { discovery: 0, jwks: 0, other: 0 };
  keys: { kid: string; privateKey: CryptoKey; jwk: JWK }[] = [];
  published: JWK[] = [];

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const body =
        req.url === "/.well-known/openid-configuration"
          ? (this.hits.discovery++, { issuer: this.url, jwks_uri: `${this.url}${this.jwksPath}` })
          : req.url === "/jwks" || req.url === "/jwks-moved"
            ? (this.hits.jwks++, { keys: req.url === "/jwks" ? this.published : this.moved })
            : (this.hits.other++, undefined);
      res.writeHead(body ? 200 : 404, { "content-type": "application/json" });
      res.end(JSON.stringify(body ?? {}));
    });
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    await this.addKey("k1");
    return this;
  }

  get discoveryUrl() {
    return `${this.url}/.well-known/openid-configuration`;
  }

  total = () => this.hits.discovery + this.hits.jwks + this.hits.other;

  async addKey(kid: string, publish = true) {
    const pair = await generateKeyPair("RS256", { extractable: true });
    const jwk = { ...(await exportJWK(pair.publicKey)), kid, alg: "RS256", use: "sig" };
    this.keys.push({ kid, privateKey: pair.privateKey, jwk });
    if (publish) this.published = [...this.published, jwk];
  }

  token(opts: { kid?: string; iss?: string; aud?: string; clientId?: string | null; sub?: string; exp?: number | string; header?: Record<string, unknown> } = {}) {
    const key = this.keys.find((k) => k.kid === (opts.kid ?? "k1"))!;
    const claims: Record<string, unknown> = {};
    if (opts.clientId !== null) claims.client_id = opts.clientId ?? "web-client";
    return new SignJWT(claims)
      .setProtectedHeader({ alg: "RS256", kid: key.kid, ...opts.header })
      .setIssuer(opts.iss ?? this.url)
      .setAudience(opts.aud ?? "inbound-app")
      .setSubject(opts.sub ?? "alice")
      .setIssuedAt()
      .setExpirationTime(opts.exp ?? "10m")
      .sign(key.privateKey);
  }

  close() {
    this.server?.close();
  }
}

const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString("base64url");

describe("inbound JWT on the runtime", () => {
  let t: TestLocal;
  let issuer: TestIssuer;
  let elsewhere: TestIssuer; // an address a token might try to make Local AgentCore fetch
  let roleArn: string;
  let bundle: { bucket: string; prefix: string };
  const arns: Record<string, string> = {};

  async function deploy(name: string, extra: Partial<CreateAgentRuntimeCommandInput>): Promise<string> {
    const created = await t.clients.control.send(
      new CreateAgentRuntimeCommand({
        agentRuntimeName: name,
        agentRuntimeArtifact: { codeConfiguration: { code: { s3: bundle }, runtime: "NODE_22", entryPoint: ["agent.mjs"] } },
        roleArn,
        networkConfiguration: { networkMode: "PUBLIC" },
        ...extra,
      }),
    );
    const settled = await settledRuntime(t.clients.control, created.agentRuntimeId!);
    assert.equal(settled.status, "READY", settled.failureReason);
    return created.agentRuntimeArn!;
  }

  /** A raw HTTP POST to the invocation URL, as AWS's samples call an OAuth runtime. */
  async function post(arn: string, headers: Record<string, string | string[]>, payload: unknown = { hello: "bearer" }) {
    const url = new URL(`/runtimes/${encodeURIComponent(arn)}/invocations?qualifier=DEFAULT`, t.endpoint);
    const body = JSON.stringify(payload);
    return new Promise<{ status: number; type: string; body: any }>((resolve, reject) => {
      const req = request(
        url,
        {
          method: "POST",
          headers: { "content-type": "application/json", "x-amzn-bedrock-agentcore-runtime-session-id": sessionId(`raw-${Math.random()}`), ...headers },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () => {
            const text = Buffer.concat(chunks).toString("utf8");
            let parsed: any = text;
            try {
              parsed = JSON.parse(text);
            } catch {
              // not JSON
            }
            resolve({ status: res.statusCode ?? 0, type: String(res.headers["x-amzn-errortype"] ?? "").split(":")[0]!, body: parsed });
          });
        },
      );
      req.on("error", reject);
      req.end(body);
    });
  }

  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

  /** SigV4 headers (admin key) for a raw POST of `{}` to the runtime's invocation URL, `extra` signed along. */
  async function signedHeaders(arn: string, session: string, extra: Record<string, string> = {}): Promise<Record<string, string>> {
    const url = new URL(`/runtimes/${encodeURIComponent(arn)}/invocations?qualifier=DEFAULT`, t.endpoint);
    const signer = new SignatureV4({ service: "bedrock-agentcore", region: t.region, credentials: t.admin, sha256: Hash.bind(null, "sha256") });
    const signed = await signer.sign({
      method: "POST",
      protocol: url.protocol,
      hostname: url.hostname,
      port: Number(url.port),
      path: url.pathname,
      query: { qualifier: "DEFAULT" },
      headers: { host: url.host, "content-type": "application/json", "x-amzn-bedrock-agentcore-runtime-session-id": session, ...extra },
      body: "{}",
    });
    return signed.headers;
  }

  async function refused(arn: string, token: string, expected = "UnauthorizedException", status = 401) {
    const res = await post(arn, bearer(token));
    assert.equal(res.status, status, JSON.stringify(res.body));
    assert.equal(res.type, expected);
    return res.body as { message?: string; Message?: string };
  }

  before(async () => {
    issuer = await new TestIssuer().start();
    elsewhere = await new TestIssuer().start();
    t = await startTestLocal();
    roleArn = await createRole(t, "inbound-jwt-role");
    bundle = await uploadBundle(t, "inbound/echo.zip", echoBundle());
    const authorizer = { customJWTAuthorizer: { discoveryUrl: issuer.discoveryUrl, allowedAudience: ["inbound-app"], allowedClients: ["web-client"] } };
    arns.jwt = await deploy("jwt_echo", {
      authorizerConfiguration: authorizer,
      requestHeaderConfiguration: { requestHeaderAllowlist: ["Authorization", "X-Amzn-Bedrock-AgentCore-Runtime-Custom-Team", "X-Tenant"] },
    });
    arns.other = await deploy("other_jwt_echo", {
      authorizerConfiguration: { customJWTAuthorizer: { discoveryUrl: issuer.discoveryUrl, allowedAudience: ["other-app"] } },
    });
    arns.sigv4 = await deploy("sigv4_echo", { requestHeaderConfiguration: { requestHeaderAllowlist: ["X-Amzn-Bedrock-AgentCore-Runtime-Custom-Team"] } });
  });

  after(async () => {
    await t?.stop();
    issuer?.close();
    elsewhere?.close();
  });

  it("a valid bearer token is accepted (raw POST): the agent gets a workload access token for the token's user and the allowlisted headers only", async () => {
    const jwt = await issuer.token();
    const res = await post(arns.jwt!, {
      ...bearer(jwt),
      "x-amzn-bedrock-agentcore-runtime-custom-team": "blue",
      "x-amzn-bedrock-agentcore-runtime-custom-unlisted": "nope",
      "x-tenant": "acme",
      "x-unlisted": "nope",
      "x-amz-date": "20260101T000000Z",
      "x-amz-security-token": "a-session-token",
      workloadaccesstoken: "forged-by-the-caller",
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const seen = res.body.headers as Record<string, string>;
    assert.equal(seen.authorization, `Bearer ${jwt}`, "Authorization is allowlisted: the agent sees who called");
    assert.equal(seen["x-amzn-bedrock-agentcore-runtime-custom-team"], "blue");
    assert.equal(seen["x-tenant"], "acme");
    for (const h of ["x-amzn-bedrock-agentcore-runtime-custom-unlisted", "x-unlisted", "x-amz-date", "x-amz-security-token"]) {
      assert.equal(seen[h], undefined, `${h} is not on the allowlist and must not reach the agent`);
    }
    assert.notEqual(seen.workloadaccesstoken, "forged-by-the-caller");
    const wat = decodeJwt(seen.workloadaccesstoken!);
    assert.equal(wat.user_id, "alice");
    assert.equal(wat.grant, "jwt");
    // The caller's JWT is held for an on-behalf-of exchange, as GetWorkloadAccessTokenForJWT holds it.
    assert.equal(wat.user_token_sha256, createHash("sha256").update(jwt).digest("hex"));
    assert.equal(seen["x-amz-bedrock-agentcore-identity-wat"], seen.workloadaccesstoken);
  });

  it("the caller's JWT never shows in the agent's log, even when the agent prints it and it is not shaped like one", async () => {
    // A header serialized with a leading space: valid JSON, but its base64url does not start with `eyJ`,
    // so only redaction by value can hide it.
    const key = issuer.keys.find((k) => issuer.published.some((j) => j.kid === k.kid))!;
    const header = Buffer.from(` {"alg":"RS256","kid":"${key.kid}"}`).toString("base64url");
    const payload = b64({ iss: issuer.url, aud: "inbound-app", sub: "alice", client_id: "web-client", exp: Math.floor(Date.now() / 1000) + 600 });
    const signature = Buffer.from(await crypto.subtle.sign("RSASSA-PKCS1-v1_5", key.privateKey, Buffer.from(`${header}.${payload}`))).toString("base64url");
    const jwt = `${header}.${payload}.${signature}`;
    assert.ok(!jwt.startsWith("eyJ"));
    const session = sessionId("print-jwt");
    const res = await post(arns.jwt!, { ...bearer(jwt), "x-amzn-bedrock-agentcore-runtime-session-id": session }, { printHeader: "authorization" });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const runtimeId = arns.jwt!.slice(arns.jwt!.lastIndexOf("/") + 1);
    const log = t.server.runtimeHost.sessionInstance(runtimeId, session)!.log;
    let lines: string[] = [];
    for (let i = 0; i < 100 && !(lines = log.tail(20)).some((l) => l.includes("header authorization")); i++) await new Promise((r) => setTimeout(r, 20));
    const text = lines.join("\n");
    assert.match(text, /header authorization: Bearer /);
    assert.ok(!text.includes(jwt), "the caller's JWT reached the agent's log");
    assert.ok(!text.includes(jwt.split(".")[2]!), "the JWT's signature reached the agent's log");
  });

  it("the AWS SDK works with the library's bearer plugin (no AWS credentials needed); runtimeUserId with a bearer token is refused", async () => {
    const client = new BedrockAgentCoreClient({ endpoint: t.endpoint, region: t.region, maxAttempts: 1 });
    useBearerToken(client, () => issuer.token({ sub: "bob" }));
    const out = await client.send(
      new InvokeAgentRuntimeCommand({ agentRuntimeArn: arns.jwt!, runtimeSessionId: sessionId("sdk-bearer"), payload: Buffer.from(JSON.stringify({ via: "sdk" })), contentType: "application/json" }),
    );
    const body = JSON.parse(await out.response!.transformToString());
    assert.deepEqual(body.echo, { via: "sdk" });
    assert.equal(decodeJwt(body.headers.workloadaccesstoken).user_id, "bob");
    await rejects(
      () => client.send(new InvokeAgentRuntimeCommand({ agentRuntimeArn: arns.jwt!, runtimeSessionId: sessionId("sdk-user"), runtimeUserId: "mallory", payload: Buffer.from("{}") })),
      "ValidationException",
      400,
    );
    client.destroy();
  });

  it("the library invokes with a bearer token, and says what to do when the runtime wants the other method or refuses the token", async () => {
    const s = await librarySession({ target: "local", endpoint: t.endpoint, region: t.region, credentials: t.admin, maxAttempts: 1 });
    const ok = await invokeRuntime(s, { agentRuntimeArn: arns.jwt!, payload: { via: "library" }, sessionId: sessionId("lib-bearer"), bearerToken: await issuer.token({ sub: "carol" }) });
    const body = ok.response as { echo: unknown; headers: Record<string, string> };
    assert.deepEqual(body.echo, { via: "library" });
    assert.equal(decodeJwt(body.headers.workloadaccesstoken!).user_id, "carol");
    const signed = await invokeRuntime(s, { agentRuntimeArn: arns.jwt!, payload: {}, sessionId: sessionId("lib-sigv4") }).catch((e: unknown) => e);
    assert.ok(signed instanceof InvokeError && signed.code === "AccessDeniedException", String(signed));
    assert.match(signed.message, /invoke with the caller's JWT/);
    const wrong = await invokeRuntime(s, { agentRuntimeArn: arns.sigv4!, payload: {}, sessionId: sessionId("lib-wrong"), bearerToken: await issuer.token() }).catch((e: unknown) => e);
    assert.ok(wrong instanceof InvokeError && wrong.code === "AccessDeniedException", String(wrong));
    assert.match(wrong.message, /invoke without bearerToken/);
    const expired = await invokeRuntime(s, { agentRuntimeArn: arns.jwt!, payload: {}, sessionId: sessionId("lib-expired"), bearerToken: await issuer.token({ exp: Math.floor(Date.now() / 1000) - 60 }) }).catch((e: unknown) => e);
    assert.ok(expired instanceof InvokeError && expired.code === "UnauthorizedException", String(expired));
    assert.match(expired.message, /it has expired/);
  });

  it("SigV4 to a JWT runtime is refused with AWS's mismatch error, even for the admin", async () => {
    const err = await rejects(
      () => invokeJson(t, { agentRuntimeArn: arns.jwt!, runtimeSessionId: sessionId("sigv4-to-jwt"), payload: {} }),
      "AccessDeniedException",
      403,
    );
    assert.match(err.message, MISMATCH);
  });

  it("a bearer token to a SigV4-only runtime is refused, and nothing is fetched", async () => {
    const before = issuer.total();
    const res = await refused(arns.sigv4!, await issuer.token(), "AccessDeniedException", 403);
    assert.match(res.message ?? res.Message ?? "", MISMATCH);
    const lower = await post(arns.sigv4!, { authorization: `BEARER ${await issuer.token()}` });
    assert.equal(lower.status, 403, "the scheme in capitals is still a bearer token, not a broken signature");
    assert.equal(issuer.total(), before);
  });

  it("a SigV4 runtime passes its agent the allowlisted headers only: never the signature or the other SigV4 headers", async () => {
    const session = sessionId("sigv4-allowlist");
    const headers = await signedHeaders(arns.sigv4!, session, {
      "x-amzn-bedrock-agentcore-runtime-custom-team": "green",
      "x-amzn-bedrock-agentcore-runtime-custom-unlisted": "nope",
      "x-unlisted": "nope",
      "x-amz-security-token": "a-session-token-the-caller-sent",
    });
    const res = await post(arns.sigv4!, headers, {});
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const seen = res.body.headers as Record<string, string>;
    assert.equal(seen["x-amzn-bedrock-agentcore-runtime-custom-team"], "green");
    for (const h of ["authorization", "x-amz-date", "x-amz-security-token", "x-amz-content-sha256", "x-amzn-bedrock-agentcore-runtime-custom-unlisted", "x-unlisted"]) {
      assert.equal(seen[h], undefined, `${h} reached the agent`);
    }
  });

  it("the scheme is case-insensitive (RFC 7235): `bearer` is accepted on the JWT runtime", async () => {
    const res = await post(arns.jwt!, { authorization: `bearer ${await issuer.token()}` });
    assert.equal(res.status, 200, JSON.stringify(res.body));
  });

  it("unsigned (alg none) and HS256 tokens are refused before any fetch", async () => {
    const before = issuer.total();
    const payload = { iss: issuer.url, aud: "inbound-app", sub: "alice", client_id: "web-client", exp: Math.floor(Date.now() / 1000) + 600 };
    await refused(arns.jwt!, `${b64({ alg: "none", typ: "JWT" })}.${b64(payload)}.`);
    // HMAC keyed with the issuer's public key (as JWKS JSON): the classic RS256 → HS256 confusion.
    const secret = new TextEncoder().encode(JSON.stringify(issuer.keys[0]!.jwk));
    const hs = await new SignJWT(payload).setProtectedHeader({ alg: "HS256", kid: "k1" }).sign(secret);
    await refused(arns.jwt!, hs);
    await refused(arns.jwt!, "not-a-jwt");
    const empty = await post(arns.jwt!, { authorization: "Bearer " });
    assert.equal(empty.status, 401);
    assert.equal(issuer.total(), before, "a token that cannot pass made Local AgentCore fetch something");
  });

  it("another issuer, expired, another audience, a client not allowed, a token for another runtime's authorizer: all refused", async () => {
    await refused(arns.jwt!, await issuer.token({ iss: "https://attacker.example" }));
    await refused(arns.jwt!, await issuer.token({ exp: Math.floor(Date.now() / 1000) - 60 }));
    await refused(arns.jwt!, await issuer.token({ aud: "some-other-app" }));
    await refused(arns.jwt!, await issuer.token({ clientId: "rogue-client" }));
    await refused(arns.jwt!, await issuer.token({ clientId: null }));
    // Valid for the other runtime's authorizer (audience other-app), not for this one's.
    const forOther = await issuer.token({ aud: "other-app" });
    assert.equal((await post(arns.other!, bearer(forOther))).status, 200);
    await refused(arns.jwt!, forOther);
    // A key the issuer never published.
    await issuer.addKey("unpublished", false);
    await refused(arns.jwt!, await issuer.token({ kid: "unpublished" }));
  });

  it("nothing in the token decides what is fetched: an iss, jku or x5u pointing elsewhere causes no request there", async () => {
    const before = elsewhere.total();
    await refused(arns.jwt!, await issuer.token({ iss: elsewhere.url, header: { jku: `${elsewhere.url}/jwks` } }));
    // A valid token naming another key set URL: accepted on the configured keys, the URL ignored.
    const withJku = await issuer.token({ header: { jku: `${elsewhere.url}/jwks`, x5u: `${elsewhere.url}/x5u` } });
    assert.equal((await post(arns.jwt!, bearer(withJku))).status, 200);
    assert.equal(elsewhere.total(), before);
  });

  it("garbage bearer tokens and unknown runtimes answer AWS errors, never a server fault", async () => {
    let seed = 21;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const pieces = () => Buffer.from(Array.from({ length: 1 + Math.floor(rand() * 60) }, () => Math.floor(rand() * 256))).toString("base64url");
    const real = await issuer.token();
    const tokens = [
      "a.b.c",
      "..",
      `${real}.extra`,
      real.replace(/\.[^.]+$/, ".AAAA"),
      `${b64({ alg: "RS256", kid: "k1", crit: ["exp"] })}.${real.split(".")[1]}.${real.split(".")[2]}`,
      `${b64({ alg: "RS256", kid: { nested: true } })}.${b64([])}.x`,
      ...Array.from({ length: 40 }, () => [pieces(), pieces(), pieces()].slice(0, 1 + Math.floor(rand() * 3)).join(".")),
    ];
    for (const token of tokens) {
      const res = await post(arns.jwt!, bearer(token));
      assert.equal(res.status, 401, `${token}: ${JSON.stringify(res.body)}`);
      assert.equal(res.type, "UnauthorizedException");
    }
    const missing = arns.jwt!.replace(/runtime\/.*$/, "runtime/no_such_runtime-AbCdEf1234");
    const res = await post(missing, bearer(real));
    assert.equal(res.status, 404);
    assert.equal(res.type, "ResourceNotFoundException");
    const bad = await post("arn%ZZ", bearer(real));
    assert.ok(bad.status >= 400 && bad.status < 500, `a malformed ARN: ${bad.status}`);
  });

  it("two Authorization headers (SigV4 and Bearer) are refused, whichever comes first", async () => {
    const jwt = await issuer.token();
    const sig = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260101/us-east-1/bedrock-agentcore/aws4_request, SignedHeaders=host, Signature=00";
    for (const pair of [[`Bearer ${jwt}`, sig], [sig, `Bearer ${jwt}`], [`Bearer ${jwt}`, `Bearer ${jwt}`]]) {
      const res = await post(arns.jwt!, { authorization: pair });
      assert.equal(res.status, 400, JSON.stringify(res.body));
      assert.equal(res.type, "IncompleteSignatureException");
    }
    // A correctly signed request with a bearer token appended: the second header is not dropped silently.
    const headers: Record<string, string | string[]> = await signedHeaders(arns.sigv4!, sessionId("signed-plus-bearer"));
    const signature = headers.authorization as string;
    const alone = await post(arns.sigv4!, { ...headers, authorization: signature, "x-amzn-bedrock-agentcore-runtime-session-id": sessionId("signed-plus-bearer") }, {});
    assert.equal(alone.status, 200, `the signed request alone is accepted: ${JSON.stringify(alone.body)}`);
    const both = await post(arns.sigv4!, { ...headers, authorization: [signature, `Bearer ${jwt}`], "x-amzn-bedrock-agentcore-runtime-session-id": sessionId("signed-plus-bearer") }, {});
    assert.equal(both.status, 400, JSON.stringify(both.body));
    assert.equal(both.type, "IncompleteSignatureException");
  });

  it("a bearer token is no signature anywhere else: other operations answer as to a broken signature", async () => {
    const res = await fetch(new URL(`/runtimes/`, t.endpoint), { method: "GET", headers: bearer(await issuer.token()) });
    assert.equal(res.status, 400);
    assert.match(await res.text(), /Authorization header requires 'Credential', 'Signature' and 'SignedHeaders' parameters/);
  });

  it("a rotated key (new kid) is fetched and accepted; the retired key is then refused", async () => {
    const old = await issuer.token({ kid: "k1" });
    assert.equal((await post(arns.jwt!, bearer(old))).status, 200);
    await issuer.addKey("k2", false);
    issuer.published = [issuer.keys.find((k) => k.kid === "k2")!.jwk];
    await new Promise((r) => setTimeout(r, 1100)); // the key set's refetch cool-down
    const jwksBefore = issuer.hits.jwks;
    assert.equal((await post(arns.jwt!, bearer(await issuer.token({ kid: "k2" })))).status, 200);
    assert.ok(issuer.hits.jwks > jwksBefore, "the unknown kid refetched the key set");
    await refused(arns.jwt!, old);
  });

  it("the discovery document is read again after its lifetime (5 minutes): a moved key set is then found", async () => {
    // The issuer moves its key set to a new URL, with a key the old one never had.
    await issuer.addKey("k3", false);
    issuer.moved = [...issuer.published, issuer.keys.find((k) => k.kid === "k3")!.jwk];
    issuer.jwksPath = "/jwks-moved";
    await new Promise((r) => setTimeout(r, 1100)); // the key set's refetch cool-down
    const token = await issuer.token({ kid: "k3" });
    await refused(arns.jwt!, token); // the cached document still points at the old key set
    const realNow = t.server.services.now;
    try {
      t.server.services.now = () => new Date(Date.now() + 6 * 60 * 1000);
      const discoveryBefore = issuer.hits.discovery;
      assert.equal((await post(arns.jwt!, bearer(token))).status, 200);
      assert.ok(issuer.hits.discovery > discoveryBefore, "the discovery document was read again");
    } finally {
      t.server.services.now = realNow;
    }
  });

  it("a token from the built-in identity provider (client credentials) is accepted by a runtime that trusts it", async () => {
    const idp = localIdp({ endpoint: t.endpoint, region: t.region, credentials: t.admin });
    const { clientSecret, tokenEndpoint, discoveryUrl } = await idp.createClient({ clientId: "inbound-m2m", grantTypes: ["client_credentials"] });
    const arn = await deploy("idp_echo", { authorizerConfiguration: { customJWTAuthorizer: { discoveryUrl, allowedClients: ["inbound-m2m"] } } });
    const tokenRes = await fetch(tokenEndpoint, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", authorization: `Basic ${Buffer.from(`inbound-m2m:${clientSecret}`).toString("base64")}` },
      body: "grant_type=client_credentials",
    });
    const { access_token } = (await tokenRes.json()) as { access_token: string };
    assert.ok(access_token, "the identity provider issued a token");
    const res = await post(arn, bearer(access_token));
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.ok(res.body.headers.workloadaccesstoken);
  });

  describe("control plane", () => {
    const invalid = (extra: Partial<CreateAgentRuntimeCommandInput>) =>
      rejects(
        () =>
          t.clients.control.send(
            new CreateAgentRuntimeCommand({
              agentRuntimeName: `bad_${Math.random().toString(36).slice(2, 8)}`,
              agentRuntimeArtifact: { codeConfiguration: { code: { s3: bundle }, runtime: "NODE_22", entryPoint: ["agent.mjs"] } },
              roleArn,
              networkConfiguration: { networkMode: "PUBLIC" },
              ...extra,
            }),
          ),
        "ValidationException",
        400,
      );

    it("refuses allowlists AWS refuses: Authorization without a JWT authorizer, x-amz-*, x-amzn-*, restricted names, duplicates", async () => {
      for (const list of [["Authorization"], ["X-Amz-Security-Token"], ["X-Amzn-Trace-Id"], ["Content-Type"], ["Host"], ["WorkloadAccessToken"], ["X-A", "x-a"]]) {
        await invalid({ requestHeaderConfiguration: { requestHeaderAllowlist: list } });
      }
    });

    it("refuses a discovery URL that is not an http(s) URL or not an OpenID discovery document", async () => {
      for (const discoveryUrl of ["file:///etc/.well-known/openid-configuration", "https://idp.example/jwks", "http://u:p@127.0.0.1/.well-known/openid-configuration"]) {
        await invalid({ authorizerConfiguration: { customJWTAuthorizer: { discoveryUrl } } });
      }
    });

    it("only a caller allowed to create runtimes can set a discovery URL (and nothing is fetched for one who is not)", async () => {
      const trust = JSON.stringify({
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Principal: { AWS: `arn:aws:iam::${t.accountId}:root` }, Action: "sts:AssumeRole" }],
      });
      await t.clients.iam.send(new CreateRoleCommand({ RoleName: "inbound-no-permissions", AssumeRolePolicyDocument: trust }));
      const out = await t.clients.sts.send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${t.accountId}:role/inbound-no-permissions`, RoleSessionName: "ssrf" }));
      const session = t.clientsFor({ accessKeyId: out.Credentials!.AccessKeyId!, secretAccessKey: out.Credentials!.SecretAccessKey!, sessionToken: out.Credentials!.SessionToken! });
      const before = elsewhere.total();
      await rejects(
        () =>
          session.control.send(
            new CreateAgentRuntimeCommand({
              agentRuntimeName: "ssrf_try",
              agentRuntimeArtifact: { codeConfiguration: { code: { s3: bundle }, runtime: "NODE_22", entryPoint: ["agent.mjs"] } },
              roleArn,
              networkConfiguration: { networkMode: "PUBLIC" },
              authorizerConfiguration: { customJWTAuthorizer: { discoveryUrl: elsewhere.discoveryUrl } },
            }),
          ),
        "AccessDeniedException",
        403,
      );
      assert.equal(elsewhere.total(), before);
    });
  });
});
