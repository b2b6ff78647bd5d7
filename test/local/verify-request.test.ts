/**
 * The SigV4 verifier on its own (auth/verify-request.ts): requests signed as the SDK signs them,
 * then each way one can be wrong — no or a malformed header, a service nobody serves, a missing or
 * mismatched X-Amz-Date, a skewed clock, an unknown key, a bad or expired session token, a body or
 * header changed after signing — and S3's aws-chunked bodies (trailers, decoded length, framing).
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { createRequestVerifier, type RequestHead, type RequestVerifierDeps, type VerifiedHead } from "../../lib/local/auth/verify-request.js";
import type { CredentialIssuer, Principal } from "../../lib/local/service.js";
import { signCall, type Credentials, type RawCall, type SignedCall } from "../reliability/signed-request.js";

const ENDPOINT = "http://127.0.0.1:4599";
const NOW = new Date("2026-03-04T05:06:07Z");
const MINUTE = 60_000;

const admin = { accessKeyId: "AKIAADMINADMINADMIN1", secretAccessKey: "a".repeat(40) };
const role = { accessKeyId: "ASIAROLEROLEROLEROLE", secretAccessKey: "r".repeat(40), sessionToken: "session-token" };
const expired = { accessKeyId: "ASIAEXPIREDEXPIRED00", secretAccessKey: "e".repeat(40), sessionToken: "old-token" };

const adminPrincipal: Principal = { kind: "admin", accountId: "123456789012", arn: "arn:aws:iam::123456789012:user/admin", userId: "AIDAADMIN", accessKeyId: admin.accessKeyId };
const rolePrincipal: Principal = {
  kind: "role-session",
  accountId: "123456789012",
  arn: "arn:aws:sts::123456789012:assumed-role/r/s",
  roleArn: "arn:aws:iam::123456789012:role/r",
  roleName: "r",
  roleId: "AROAROLE",
  sessionName: "s",
  accessKeyId: role.accessKeyId,
  expiresAt: NOW.getTime() + 3600_000,
};

/** Resolves the three keys above as the credential issuer does. */
const resolve: CredentialIssuer["resolve"] = (accessKeyId, token) => {
  if (accessKeyId === admin.accessKeyId) return { secretAccessKey: admin.secretAccessKey, principal: adminPrincipal };
  if (accessKeyId === role.accessKeyId) return token === role.sessionToken ? { secretAccessKey: role.secretAccessKey, principal: rolePrincipal } : { error: "bad-token" };
  if (accessKeyId === expired.accessKeyId) return { error: "expired" };
  return { error: "unknown" };
};

const verifier = (deps: Partial<RequestVerifierDeps> = {}) => createRequestVerifier({ credentials: { resolve }, now: () => NOW, ...deps });

/** A call signed at `date` (default: the verifier's now) with `creds` for `service`. */
const sign = (call: RawCall, opts: { creds?: Credentials; service?: string; date?: Date } = {}) =>
  signCall(ENDPOINT, call, { service: opts.service ?? "bedrock-agentcore", region: "eu-west-1", credentials: opts.creds ?? admin, signingDate: opts.date ?? NOW });

function headOf(call: SignedCall, change: (headers: Record<string, string>) => void = () => {}): RequestHead {
  const headers = { ...call.headers };
  change(headers);
  const qi = call.url.indexOf("?");
  return {
    method: call.method,
    rawPath: qi < 0 ? call.url : call.url.slice(0, qi),
    rawQuery: qi < 0 ? "" : call.url.slice(qi + 1),
    headers,
    headersDistinct: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [v]])),
  };
}

function passed(result: ReturnType<ReturnType<typeof verifier>["checkHead"]>): VerifiedHead {
  assert.ok(result.ok, `expected the head to pass, got ${JSON.stringify(result)}`);
  return result;
}

const GET: RawCall = { method: "GET", path: "/runtimes/abc", query: [["maxResults", "5"]] };
const POST: RawCall = { method: "POST", path: "/identities", headers: { "content-type": "application/json" }, body: '{"name":"w"}' };

describe("a correctly signed request", () => {
  test("the admin key: principal, region and signing name, and the body unchanged", async () => {
    const call = await sign(POST);
    const head = passed(verifier().checkHead(headOf(call)));
    assert.equal(head.principal.kind, "admin");
    assert.equal(head.region, "eu-west-1");
    assert.equal(head.service, "bedrock-agentcore");
    const body = await head.checkBody(call.body);
    assert.ok(body.ok);
    assert.equal(body.body.toString(), '{"name":"w"}');
  });

  test("a role session with its token, within the 15 minutes either side of now", async () => {
    for (const offset of [-14 * MINUTE, 14 * MINUTE]) {
      const call = await sign(GET, { creds: role, date: new Date(NOW.getTime() + offset) });
      const head = passed(verifier().checkHead(headOf(call)));
      assert.equal(head.principal.kind, "role-session");
      assert.ok((await head.checkBody(call.body)).ok);
    }
  });
});

describe("refused before the body is read", () => {
  test("no Authorization header: missing", async () => {
    const call = await sign(GET);
    assert.deepEqual(verifier().checkHead(headOf(call, (h) => delete h.authorization)), { ok: false, kind: "missing" });
  });

  test("a malformed Authorization header: incomplete, naming the scope's service when it can be read", async () => {
    const call = await sign(GET);
    const r = verifier().checkHead(headOf(call, (h) => (h.authorization = h.authorization!.replace(/Signature=\w+/, "Signature=short"))));
    assert.deepEqual(r, { ok: false, kind: "incomplete", service: "bedrock-agentcore" });
  });

  test("a signing name the caller does not serve: wrong-service with the caller's detail", async () => {
    const call = await sign(GET, { service: "lambda" });
    const r = verifier({ serves: (s) => s !== "lambda", wrongServiceDetail: (s) => `not '${s}'` }).checkHead(headOf(call));
    assert.deepEqual(r, { ok: false, kind: "wrong-service", detail: "not 'lambda'", service: "lambda" });
    // Without `serves`, any signing name is accepted (the admin routes).
    passed(verifier().checkHead(headOf(call)));
  });

  test("no X-Amz-Date, or one on another day than the credential scope: bad-date", async () => {
    const call = await sign(GET);
    const none = verifier().checkHead(headOf(call, (h) => delete h["x-amz-date"]));
    assert.ok(!none.ok && none.kind === "bad-date");
    assert.match(none.detail!, /requires existence of either a 'X-Amz-Date'/);
    const otherDay = verifier().checkHead(headOf(call, (h) => (h["x-amz-date"] = "20260305T050607Z")));
    assert.ok(!otherDay.ok && otherDay.kind === "bad-date");
    assert.equal(otherDay.detail, "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '20260304' != '20260305'");
  });

  test("a signature 16 minutes old or 16 minutes ahead: skew, worded as AWS words it", async () => {
    const old = verifier().checkHead(headOf(await sign(GET, { date: new Date(NOW.getTime() - 16 * MINUTE) })));
    assert.ok(!old.ok && old.kind === "skew");
    assert.match(old.detail!, /^Signature expired: 20260304T045007Z is now earlier than 20260304T045107Z/);
    const ahead = verifier().checkHead(headOf(await sign(GET, { date: new Date(NOW.getTime() + 16 * MINUTE) })));
    assert.ok(!ahead.ok && ahead.kind === "skew");
    assert.match(ahead.detail!, /^Signature not yet current/);
  });

  test("the clock is read for every request (time moves)", async () => {
    let now = NOW;
    const v = createRequestVerifier({ credentials: { resolve }, now: () => now });
    const call = await sign(GET);
    passed(v.checkHead(headOf(call)));
    now = new Date(NOW.getTime() + 16 * MINUTE);
    assert.equal((v.checkHead(headOf(call)) as { kind?: string }).kind, "skew");
  });

  test("an unknown key, a wrong session token, an expired session", async () => {
    const kind = async (creds: Credentials) => (verifier().checkHead(headOf(await sign(GET, { creds }))) as { kind?: string }).kind;
    assert.equal(await kind({ accessKeyId: "AKIANOBODYNOBODY0000", secretAccessKey: "x".repeat(40) }), "unknown-key");
    assert.equal(await kind({ ...role, sessionToken: "someone-elses" }), "bad-token");
    assert.equal(await kind(expired), "expired-token");
  });
});

describe("refused once the body is read", () => {
  test("a body other than the one signed: payload-hash", async () => {
    const call = await sign(POST);
    const head = passed(verifier().checkHead(headOf(call)));
    assert.deepEqual(await head.checkBody(Buffer.from('{"name":"x"}')), { ok: false, kind: "payload-hash", service: "bedrock-agentcore" });
  });

  test("a wrong secret, a changed path, query or signed header: bad-signature", async () => {
    const wrongSecret = await sign(GET, { creds: { ...admin, secretAccessKey: "b".repeat(40) } });
    const original = await sign(POST);
    const cases: RequestHead[] = [
      headOf(wrongSecret),
      { ...headOf(original), rawPath: "/identities/other" },
      { ...headOf(original), rawQuery: "extra=1" },
      headOf(original, (h) => (h["content-type"] = "text/plain")),
      // A signed header that is missing cannot be matched.
      headOf(original, (h) => delete h["content-type"]),
    ];
    for (const request of cases) {
      const head = passed(verifier().checkHead(request));
      const r = await head.checkBody(request === cases[0] ? wrongSecret.body : original.body);
      assert.equal((r as { kind?: string }).kind, "bad-signature", `${request.method} ${request.rawPath}?${request.rawQuery}`);
    }
  });
});

describe("aws-chunked bodies (S3 streaming uploads)", () => {
  const framed = (payload: string, trailer = "x-amz-checksum-crc32:AAAAAA==") =>
    `${Buffer.byteLength(payload).toString(16)}\r\n${payload}\r\n0\r\n${trailer}\r\n\r\n`;
  const upload = (body: string, decodedLength: number) =>
    sign(
      {
        method: "PUT",
        path: "/bucket/key",
        headers: {
          "content-encoding": "aws-chunked",
          "x-amz-content-sha256": "STREAMING-UNSIGNED-PAYLOAD-TRAILER",
          "x-amz-decoded-content-length": String(decodedLength),
          "x-amz-trailer": "x-amz-checksum-crc32",
        },
        body,
      },
      { service: "s3" },
    );

  test("the payload without its framing, the trailers as headers, the framing headers corrected", async () => {
    const call = await upload(framed("hello world"), 11);
    const head = passed(verifier().checkHead(headOf(call)));
    const r = await head.checkBody(call.body);
    assert.ok(r.ok);
    assert.equal(r.body.toString(), "hello world");
    assert.equal(r.headers["x-amz-checksum-crc32"], "AAAAAA==");
    assert.equal(r.headers["content-length"], "11");
    assert.equal(r.headers["content-encoding"], undefined);
  });

  test("a decoded length other than x-amz-decoded-content-length, or broken framing: incomplete-body", async () => {
    const short = await upload(framed("hello world"), 12);
    const r1 = await passed(verifier().checkHead(headOf(short))).checkBody(short.body);
    assert.ok(!r1.ok && r1.kind === "incomplete-body");
    assert.match(r1.detail!, /x-amz-decoded-content-length/);
    const broken = await upload("zz\r\nhello", 5);
    const r2 = await passed(verifier().checkHead(headOf(broken))).checkBody(broken.body);
    assert.ok(!r2.ok && r2.kind === "incomplete-body");
    assert.match(r2.detail!, /bad chunk header/);
  });
});
