/**
 * The server's own SigV4 computation (auth/sigv4.ts `expectedSignature`) against the AWS SDK's
 * SignatureV4, used the way the verifier used it before (the client's signed headers only,
 * `applyChecksum: false`): on generated requests — odd paths (dot segments, doubled slashes,
 * percent-escapes, reserved characters), repeated and empty query keys, folded header whitespace,
 * repeated headers, declared or computed payload hashes, S3 and other services, and a signed
 * `date` header — both must give the same signature, and a changed secret, region or date must not.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { Hash } from "@smithy/hash-node";
import { SignatureV4 } from "@smithy/signature-v4";
import { expectedSignature, type ParsedAuthorization, type SignedRequest } from "../../lib/local/auth/sigv4.js";

/** The verifier's previous computation, kept here as the reference. */
async function reference(req: SignedRequest, auth: ParsedAuthorization, secretAccessKey: string, signingDate: Date): Promise<string | undefined> {
  const hdrs: Record<string, string> = {};
  for (const h of auth.signedHeaders) {
    const v = req.headers[h];
    if (v === undefined) return undefined;
    hdrs[h] = Array.isArray(v) ? v.join(",") : v;
  }
  const query: Record<string, string | string[]> = {};
  for (const part of req.rawQuery ? req.rawQuery.split("&") : []) {
    if (!part) continue;
    const i = part.indexOf("=");
    const dec = (s: string) => {
      try {
        return decodeURIComponent(s);
      } catch {
        return s;
      }
    };
    const k = dec(i < 0 ? part : part.slice(0, i));
    const v = i < 0 ? "" : dec(part.slice(i + 1));
    const prev = query[k];
    query[k] = prev === undefined ? v : ([] as string[]).concat(prev, v);
  }
  const signer = new SignatureV4({
    credentials: { accessKeyId: auth.accessKeyId, secretAccessKey },
    region: auth.region,
    service: auth.service,
    sha256: Hash.bind(null, "sha256"),
    uriEscapePath: auth.service !== "s3",
    applyChecksum: false,
  });
  const signed = await signer.sign(
    { method: req.method, protocol: "http:", hostname: "127.0.0.1", path: req.rawPath, query, headers: hdrs, body: req.body.length ? req.body : undefined },
    { signingDate, signingRegion: auth.region, signingService: auth.service, signableHeaders: new Set(auth.signedHeaders) },
  );
  return /Signature=([0-9a-f]{64})/.exec(String(signed.headers.authorization))?.[1];
}

// A small deterministic PRNG, so a failure reproduces.
let seed = 0x5eed;
const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;

const PATH_PARTS = ["runtimes", "a b", "%2F", "%20x", ".", "..", "", "ü", "%C3%BC", "a+b", "x*y", "(p)", "it's", "~t_-.", "%25", "arn%3Aaws%3Abedrock"];
const QUERY_KEYS = ["a", "A", "list-type", "x y", "é", "prefix", "X-Amz-Signature", "k%3D", "+"];
const QUERY_VALUES = ["", "1", "a b", "a+b", "%2B", "%E2%9C%93", "x%20y", "*", "~", "%ZZ"];
const HEADER_VALUES = ["v", "  padded  ", "a\t\tb", "many   spaces here", "x,y", "ü"];

function generated(): { req: SignedRequest; auth: ParsedAuthorization; secret: string; date: Date } {
  const service = pick(["bedrock-agentcore", "s3", "iam", "sts"]);
  const segments = Array.from({ length: 1 + Math.floor(rnd() * 4) }, () => pick(PATH_PARTS));
  const rawPath = `/${segments.join("/")}${rnd() < 0.3 ? "/" : ""}`;
  const rawQuery = Array.from({ length: Math.floor(rnd() * 4) }, () => (rnd() < 0.15 ? pick(QUERY_KEYS) : `${pick(QUERY_KEYS)}=${pick(QUERY_VALUES)}`)).join("&");
  const date = new Date(Date.UTC(2026, Math.floor(rnd() * 12), 1 + Math.floor(rnd() * 28), Math.floor(rnd() * 24), Math.floor(rnd() * 60), Math.floor(rnd() * 60)));
  const amzDate = date.toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "");
  const body = rnd() < 0.3 ? Buffer.alloc(0) : Buffer.from(`{"n":${Math.floor(rnd() * 1e6)},"s":"${pick(HEADER_VALUES)}"}`);
  const headers: Record<string, string | string[]> = { host: "127.0.0.1:4599", "x-amz-date": amzDate };
  const signedHeaders = ["host", "x-amz-date"];
  if (rnd() < 0.5) {
    headers["x-amz-content-sha256"] = rnd() < 0.8 ? "0".repeat(63) + "1" : "UNSIGNED-PAYLOAD";
    signedHeaders.push("x-amz-content-sha256");
  }
  for (const name of ["content-type", "x-amz-target", "x-amz-security-token", "x-custom"]) {
    if (rnd() < 0.5) continue;
    headers[name] = rnd() < 0.2 ? [pick(HEADER_VALUES), pick(HEADER_VALUES)] : pick(HEADER_VALUES);
    signedHeaders.push(name);
  }
  if (rnd() < 0.1) {
    headers.date = date.toUTCString();
    signedHeaders.push("date");
  }
  signedHeaders.sort();
  const auth: ParsedAuthorization = { accessKeyId: "AKIAEXAMPLEEXAMPLE00", shortDate: amzDate.slice(0, 8), region: pick(["us-east-1", "eu-west-1"]), service, signedHeaders, signature: "0".repeat(64) };
  return { req: { method: pick(["GET", "POST", "PUT", "DELETE"]), rawPath, rawQuery, headers, body }, auth, secret: `secret-${Math.floor(rnd() * 1000)}/${"k".repeat(30)}`, date };
}

test("the server's signature equals the AWS SDK signer's on 1500 generated requests", async () => {
  for (let i = 0; i < 1500; i++) {
    const { req, auth, secret, date } = generated();
    const ours = expectedSignature(req, auth, secret, date);
    const theirs = await reference(req, auth, secret, date);
    assert.equal(ours, theirs, `request ${i}: ${req.method} ${req.rawPath}?${req.rawQuery} ${auth.service} ${JSON.stringify(req.headers)}`);
  }
});

test("another secret, region, service or day right after a cached one: each still the SDK's signature, and different (the derived-key cache is keyed by all of them)", async () => {
  const { req, auth, secret, date } = generated();
  const base = expectedSignature(req, auth, secret, date)!; // primes the derived-key cache
  const nextDay = new Date(date.getTime() + 86_400_000);
  const variants: [string, ParsedAuthorization, string, Date][] = [
    ["another secret", auth, `${secret}x`, date],
    ["another region", { ...auth, region: auth.region === "us-east-1" ? "eu-west-1" : "us-east-1" }, secret, date],
    ["another service", { ...auth, service: auth.service === "iam" ? "sts" : "iam" }, secret, date],
    ["another day", { ...auth, shortDate: nextDay.toISOString().slice(0, 10).replace(/-/g, "") }, secret, nextDay],
  ];
  for (const [what, a, s, d] of variants) {
    const ours = expectedSignature(req, a, s, d);
    assert.equal(ours, await reference(req, a, s, d), what);
    assert.notEqual(ours, base, what);
  }
  assert.equal(expectedSignature(req, auth, secret, date), base, "the same inputs, the same signature (from the cache)");
  assert.equal(expectedSignature(req, { ...auth, signedHeaders: [...auth.signedHeaders, "x-not-sent"].sort() }, secret, date), undefined);
});
