/**
 * Random and malformed input, sent as raw signed HTTP to every operation Local
 * AgentCore serves. Every answer is a modeled 4xx in the protocol's error shape (501 for an
 * operation it does not serve); never a 500, a crash or a hang; afterwards the server still
 * serves and its state is consistent.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { request } from "node:http";
import { after, before, describe, it } from "node:test";
import fc from "fast-check";
import { ListRolesCommand, GetRoleCommand } from "@aws-sdk/client-iam";
import { GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import { DescribeRepositoriesCommand } from "@aws-sdk/client-ecr";
import {
  GetAgentRuntimeCommand,
  GetApiKeyCredentialProviderCommand,
  ListAgentRuntimesCommand,
  ListApiKeyCredentialProvidersCommand,
  ListOauth2CredentialProvidersCommand,
  ListWorkloadIdentitiesCommand,
} from "@aws-sdk/client-bedrock-agentcore-control";
import { startLocalServer, type LocalServer } from "../../lib/local/http/server.js";
import { JSON_BODY_LIMIT } from "../../lib/local/protocols/body.js";
import type { ApiKeyProviderRecord, Oauth2ProviderRecord } from "../../lib/local/services/identity/records.js";
import { makeClients, type TestClients } from "../helpers/local.js";
import { buildCall, hasBodyMembers, inputArb, servedOperations, unservedOperations, type OpTarget } from "./model-requests.js";
import { errorCodeOf, signAndSend, signCall, type RawCall, type RawResponse } from "./signed-request.js";

/** Errors any operation of a family may answer with besides its modeled ones (parse and protocol errors). */
const COMMON: Record<string, Set<string>> = {
  "rest-json": new Set(["ValidationException", "UnknownOperationException", "NotImplemented", "RequestEntityTooLargeException"]),
  json: new Set(["SerializationException", "ValidationException", "InvalidParameterException", "UnknownOperationException", "NotImplemented", "RequestEntityTooLargeException"]),
  query: new Set(["ValidationError", "InvalidInput", "InvalidAction", "MissingAction", "MalformedQueryString", "InvalidParameterValue", "MissingParameter", "RequestEntityTooLarge", "NotImplemented"]),
  // Most S3 errors are documented, not modeled.
  "rest-xml": new Set([
    "InvalidArgument", "MalformedXML", "InvalidURI", "InvalidRequest", "NotImplemented", "EntityTooLarge", "MethodNotAllowed", "InvalidBucketName",
    "NoSuchBucket", "NoSuchKey", "NotFound", "BucketNotEmpty", "IllegalLocationConstraintException", "InvalidLocationConstraint", "BadDigest",
    "InvalidDigest", "KeyTooLongError", "PreconditionFailed", "InvalidRange",
  ]),
};

function allowedCodes(t: OpTarget): Set<string> {
  const codes = new Set(COMMON[t.model.metadata.protocol]);
  for (const e of t.model.operations[t.operation]!.errors ?? []) {
    codes.add(e.shape);
    const code = t.model.shapes[e.shape]?.error?.code;
    if (code) codes.add(code);
  }
  return codes;
}

/** Whether the body is in the protocol's error shape (what the SDK's error parser reads). */
function errorShaped(t: OpTarget, res: RawResponse): boolean {
  const text = res.body.toString("utf8");
  switch (t.model.metadata.protocol) {
    case "rest-json":
      return typeof res.headers["x-amzn-errortype"] === "string" && typeof (JSON.parse(text) as { message?: unknown }).message === "string";
    case "json": {
      const j = JSON.parse(text) as { __type?: unknown; message?: unknown };
      return typeof j.__type === "string" && typeof j.message === "string";
    }
    case "query":
      return /^<ErrorResponse[^>]*><Error><Type>(Sender|Receiver)<\/Type><Code>[^<]+<\/Code><Message>/.test(text.replace(/^<\?xml[^>]*\?>\s*/, ""));
    case "rest-xml":
      if (res.headers["x-amz-request-id"] && res.body.length === 0) return true; // HEAD: S3 answers errors without a body
      return /<Error><Code>[^<]+<\/Code><Message>/.test(text);
  }
}

const describeCall = (t: OpTarget, how: string, res: RawResponse) =>
  `${t.model.name} ${t.operation} (${how}) → ${res.status} ${res.body.toString("utf8").slice(0, 300)}`;

/**
 * The answer is a client error the operation models, in its protocol's shape; with `mayPass`,
 * success is also fine (the "broken" input may happen to be valid).
 */
function assertClientAnswer(t: OpTarget, how: string, res: RawResponse, mayPass: boolean): void {
  if (mayPass && ((res.status >= 200 && res.status < 300) || res.status === 304)) return; // 304: S3's conditional GET
  assert.ok((res.status >= 400 && res.status < 500) || res.status === 501, `expected a 4xx: ${describeCall(t, how, res)}`);
  assert.ok(errorShaped(t, res), `error not in ${t.model.metadata.protocol} shape: ${describeCall(t, how, res)}`);
  if (t.model.metadata.protocol === "rest-xml" && res.body.length === 0) return; // HEAD: no body, hence no code
  const code = errorCodeOf(res);
  assert.ok(code && allowedCodes(t).has(code), `unmodeled error ${code}: ${describeCall(t, how, res)}`);
}

/** Runs a property and fails with the inner assertion's message and a short counterexample. */
async function holds<T>(arb: fc.Arbitrary<T>, check: (value: T) => Promise<void>, numRuns: number, timeLimitMs = 1000): Promise<void> {
  // Bounded in count and in time (a slow machine runs fewer cases, never a longer file).
  let details = await fc.check(fc.asyncProperty(arb, check), { numRuns, endOnFailure: true, interruptAfterTimeLimit: timeLimitMs, markInterruptAsFailure: false });
  // Out of time before a single case finished (fast-check calls that a failure): one case, unbounded.
  if (details.failed && details.interrupted && details.counterexample === null) details = await fc.check(fc.asyncProperty(arb, check), { numRuns: 1, seed: details.seed });
  if (!details.failed) return;
  const cause = details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
  const example = JSON.stringify(details.counterexample, (_k, v: unknown) => (typeof v === "string" && v.length > 200 ? `${v.slice(0, 200)}…(${v.length} chars)` : v));
  assert.fail(`${cause}\n  seed ${details.seed}, counterexample ${example?.slice(0, 1500)}`);
}

const HTTP_HEAD_LIMIT = 16 * 1024;
const headSize = (c: RawCall) =>
  c.path.length + (c.query ?? []).reduce((n, [k, v]) => n + encodeURIComponent(k).length + encodeURIComponent(v).length + 2, 0) +
  Object.entries(c.headers ?? {}).reduce((n, [k, v]) => n + k.length + v.length + 4, 0);

// ---- ways to break an input (applied to a generated, well-typed one) ----

type Path = (string | number)[];

function paths(v: unknown, prefix: Path = [], out: Path[] = []): Path[] {
  if (prefix.length) out.push(prefix);
  if (Array.isArray(v)) v.forEach((x, i) => paths(x, [...prefix, i], out));
  else if (v && typeof v === "object") for (const [k, x] of Object.entries(v)) paths(x, [...prefix, k], out);
  return out;
}

function setAt(root: Record<string, unknown>, path: Path, value: unknown, remove = false): void {
  let node = root as Record<string | number, unknown>;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  const last = path[path.length - 1]!;
  if (remove && !Array.isArray(node)) delete node[last];
  else node[last] = value;
}

const otherTypes = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.string({ maxLength: 20 }),
  fc.array(fc.integer(), { maxLength: 3 }),
  fc.object({ maxDepth: 1, maxKeys: 3 }),
);

type Mutation =
  | { kind: "none" }
  | { kind: "wrong-type"; pick: number; value: unknown }
  | { kind: "drop"; pick: number }
  | { kind: "extra"; pick: number; key: string; value: unknown }
  | { kind: "huge"; pick: number; size: number; char: string };

const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 2, arbitrary: fc.constant({ kind: "none" as const }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant("wrong-type" as const), pick: fc.nat(), value: otherTypes }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("drop" as const), pick: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("extra" as const), pick: fc.nat(), key: fc.string({ minLength: 1, maxLength: 12 }), value: fc.jsonValue({ maxDepth: 2 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("huge" as const), pick: fc.nat(), size: fc.integer({ min: 64 * 1024, max: 2 * 1024 * 1024 }), char: fc.constantFrom("a", "é", "\u0000", "\ud83d\ude00", "%", "/") }) },
);

function mutate(input: Record<string, unknown>, m: Mutation): Record<string, unknown> {
  const copy = structuredClone(input);
  const all = paths(copy);
  const at = (pick: number) => all[pick % all.length];
  switch (m.kind) {
    case "none":
      break;
    case "wrong-type": {
      const p = all.length ? at(m.pick)! : [Object.keys(copy)[0] ?? "x"];
      setAt(copy, p, m.value);
      break;
    }
    case "drop":
      if (all.length) setAt(copy, at(m.pick)!, undefined, true);
      break;
    case "extra": {
      const objects = [[] as Path, ...all.filter((p) => { let n: unknown = copy; for (const k of p) n = (n as Record<string | number, unknown>)[k]; return n && typeof n === "object" && !Array.isArray(n); })];
      setAt(copy, [...objects[m.pick % objects.length]!, m.key], m.value);
      break;
    }
    case "huge": {
      const strings = all.filter((p) => { let n: unknown = copy; for (const k of p) n = (n as Record<string | number, unknown>)[k]; return typeof n === "string"; });
      setAt(copy, strings.length ? strings[m.pick % strings.length]! : ["name"], m.char.repeat(Math.ceil(m.size / m.char.length)));
      break;
    }
  }
  return copy;
}

// ---- request-level breakage ----

const deepJson = (levels: number) => "[".repeat(levels) + "]".repeat(levels);

function insertIntoFirstString(body: Buffer, bytes: Buffer): Buffer {
  const i = body.indexOf('":"');
  const at = i < 0 ? Math.floor(body.length / 2) : i + 3;
  return Buffer.concat([body.subarray(0, at), bytes, body.subarray(at)]);
}

/**
 * `BAD_INPUT_SEED` (an integer) makes every property of this file start from that seed, so a run
 * can be repeated exactly (`npm run fuzz:repeat` passes a fresh one per run and prints it).
 */
const SEED = process.env.BAD_INPUT_SEED;
if (SEED !== undefined) {
  if (!/^-?\d+$/.test(SEED)) throw new Error(`BAD_INPUT_SEED must be an integer, got "${SEED}"`);
  fc.configureGlobal({ seed: Number(SEED) });
}

// Per-property limits in count and time bound the work; the overall limit only catches a hang, so
// it is generous enough for a machine busy with other work.
describe("bad input: every operation answers a modeled 4xx and the server stays consistent", { timeout: 300_000 }, () => {
  let server: LocalServer;
  let stateDir: string;
  let clients: TestClients;
  const logLines: string[] = [];
  const targets = servedOperations();
  const call = (t: OpTarget, c: RawCall) =>
    signAndSend(server.endpoint, c, { service: t.service, region: server.region, credentials: server.admin });

  before(async () => {
    stateDir = mkdtempSync(join(tmpdir(), "agentcore-reliability-input-"));
    server = await startLocalServer({ stateDir, port: 0, log: (l) => logLines.push(l) });
    clients = makeClients(server.endpoint, server.region, server.admin);
  });

  after(async () => {
    for (const c of Object.values(clients ?? {})) c.destroy();
    await server?.close();
    rmSync(stateDir, { recursive: true, force: true });
  });

  it("covers every served operation (74 across six models)", () => {
    const byProtocol = new Set(targets.map((t) => t.model.metadata.protocol));
    assert.deepEqual([...byProtocol].sort(), ["json", "query", "rest-json", "rest-xml"]);
    assert.ok(targets.length >= 70, `only ${targets.length} operations found`);
  });

  it("generated inputs with wrong types, missing, extra and huge members", async () => {
    for (const t of targets) {
      await holds(fc.tuple(inputArb(t), mutationArb), async ([input, m]) => {
        const c = buildCall(t, mutate(input, m));
        const res = await call(t, c);
        // Node's HTTP parser may refuse a request line and headers over 16 KiB before any service sees them.
        if (headSize(c) > HTTP_HEAD_LIMIT && [400, 414, 431].includes(res.status) && res.body.length === 0) return;
        assertClientAnswer(t, m.kind, res, true);
      }, 25, 400);
    }
  });

  it("bodies that are not what the protocol reads: invalid UTF-8, 10,000-deep JSON, truncated, garbage, wrong content type", async () => {
    const breakers = fc.oneof(
      fc.record({ kind: fc.constant("invalid-utf8" as const), bytes: fc.constantFrom(Buffer.from([0xff]), Buffer.from([0xc3, 0x28]), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from([0xf8, 0x88, 0x80, 0x80, 0x80])) }),
      fc.record({ kind: fc.constant("deep" as const), levels: fc.constantFrom(10_000, 10_000, 100_000) }),
      fc.record({ kind: fc.constant("truncated" as const), cut: fc.double({ min: 0.01, max: 0.99, noNaN: true }) }),
      fc.record({ kind: fc.constant("garbage" as const), bytes: fc.uint8Array({ minLength: 1, maxLength: 200 }) }),
      fc.record({ kind: fc.constant("content-type" as const), type: fc.constantFrom("text/plain", "application/xml", "application/json; charset=utf-16", "multipart/form-data; boundary=x", "application/x-www-form-urlencoded", "") }),
    );
    const bodied = targets.filter((t) => t.model.metadata.protocol !== "rest-xml" && t.model.operations[t.operation]!.input);
    for (const t of bodied) {
      await holds(fc.tuple(inputArb(t), breakers), async ([input, b]) => {
          const c = buildCall(t, input);
          const body = Buffer.from(c.body ?? "");
          const isJson = t.model.metadata.protocol !== "query";
          let strict = true;
          switch (b.kind) {
            case "invalid-utf8":
              c.body = isJson ? insertIntoFirstString(body, b.bytes) : Buffer.concat([body, Buffer.from("&PolicyDocument="), b.bytes]);
              strict = isJson && body.includes('":"') && hasBodyMembers(t);
              break;
            case "deep": {
              const deep = deepJson(b.levels);
              if (isJson) c.body = body.length > 2 ? Buffer.from(body.toString("utf8").replace(/^\{/, `{"__deep":${deep},`)) : `{"__deep":${deep}}`;
              else c.body = Buffer.concat([body, Buffer.from(`&${"A.".repeat(b.levels)}B=1`)]);
              strict = false; // unknown members are ignored, as AWS does for JSON
              if (isJson) {
                // The same depth in place of a modeled member is a type error.
                const member = Object.keys(input)[0];
                if (member && t.model.metadata.protocol === "json") {
                  c.body = JSON.stringify({ ...input, [member]: "__DEEP__" }).replace('"__DEEP__"', deep);
                  strict = true;
                }
              }
              break;
            }
            case "truncated":
              if (body.length < 2) return;
              c.body = body.subarray(0, Math.max(1, Math.floor(body.length * b.cut)));
              strict = isJson && hasBodyMembers(t);
              break;
            case "garbage":
              c.body = Buffer.from(b.bytes);
              strict = false;
              break;
            case "content-type":
              c.headers = { ...c.headers, "content-type": b.type };
              strict = false;
              break;
          }
          const res = await call(t, c);
          assertClientAnswer(t, b.kind, res, !strict);
      }, 10, 300);
    }
  });

  it("a body over the limit is refused with 413 (or S3's EntityTooLarge) before it is read", async () => {
    const oversize = Buffer.alloc(JSON_BODY_LIMIT + 1, "a");
    for (const t of [targets.find((x) => x.operation === "CreateApiKeyCredentialProvider")!, targets.find((x) => x.operation === "CreateRepository")!, targets.find((x) => x.operation === "CreateRole")!]) {
      const c = buildCall(t, {});
      c.body = oversize;
      const res = await call(t, c);
      assert.ok([400, 413].includes(res.status), describeCall(t, "oversize", res));
      assert.match(errorCodeOf(res) ?? "", /TooLarge/);
    }
  });

  it("garbage awsQuery form fields", async () => {
    const query = targets.filter((t) => t.model.metadata.protocol === "query");
    const field = fc.oneof(
      fc.tuple(fc.string({ maxLength: 30 }), fc.string({ maxLength: 30 })).map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`),
      fc.constantFrom("%ZZ=1", "a=%E0%A4%A", "=", "&&&", "Tags.member.999999999.Key=x", "Tags.member.1=x", "Tags.member.0.Key=x", "Version=2099-01-01", "Action=", "MaxItems=-1", "MaxItems=1e309", "MaxItems=0x10", "DurationSeconds=NaN", "PolicyArns.member.1.arn=\u0000", "RoleName=%00"),
    );
    for (const t of query) {
      await holds(fc.tuple(inputArb(t), fc.array(field, { minLength: 1, maxLength: 6 })), async ([input, extra]) => {
        const c = buildCall(t, input);
        c.body = `${c.body}&${extra.join("&")}`;
        assertClientAnswer(t, "form garbage", await call(t, c), true);
      }, 8, 300);
    }
  });

  it("bad XML for S3", async () => {
    const s3 = targets.filter((t) => t.model.name === "s3" && ["CreateBucket", "DeleteObjects"].includes(t.operation));
    const xml = fc.oneof(
      fc.string({ maxLength: 200 }),
      fc.constantFrom(
        "<Delete><Object><Key>a</Key></Object>",
        "<Delete><Object><Key>a</Key></Object></Wrong>",
        "<?xml version='1.0'?><!DOCTYPE d [<!ENTITY a 'aaaaaaaaaa'><!ENTITY b '&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;'><!ENTITY c '&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;'><!ENTITY d '&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;'>]><Delete><Object><Key>&d;&d;&d;</Key></Object></Delete>",
        "<CreateBucketConfiguration><LocationConstraint><LocationConstraint>x</LocationConstraint></LocationConstraint></CreateBucketConfiguration>",
        `${"<Delete>".repeat(10_000)}${"</Delete>".repeat(10_000)}`,
        "<Delete><Object><Key></Key><VersionId>\u0000</VersionId></Object><Quiet>maybe</Quiet></Delete>",
      ),
    );
    for (const t of s3) {
      await holds(fc.tuple(fc.stringMatching(/^[a-z0-9][a-z0-9-]{2,20}[a-z0-9]$/), xml), async ([bucket, body]) => {
          const c = buildCall(t, { Bucket: bucket });
          c.body = body;
          c.headers = { ...c.headers, "content-type": "application/xml", "content-md5": "" };
          delete c.headers["content-md5"];
          assertClientAnswer(t, "bad xml", await call(t, c), true);
      }, 10);
    }
  });

  it("operations Local AgentCore does not serve answer 501 (or the protocol's unknown-operation error)", async () => {
    const unserved = unservedOperations();
    const arb = fc.nat({ max: unserved.length - 1 }).chain((i) => inputArb(unserved[i]!).map((input) => ({ i, input })));
    await holds(arb, async ({ i, input }) => {
      const t = unserved[i]!;
      // Labels must be non-empty, or the request is another (served) operation's: GET / is ListBuckets.
      const inputShape = t.model.shapes[t.model.operations[t.operation]!.input?.shape ?? ""];
      for (const [name, ref] of Object.entries(inputShape?.members ?? {})) if (ref.location === "uri" && !input[name]) input[name] = "label";
      const res = await call(t, buildCall(t, input));
      assert.ok(res.status === 501 || (res.status >= 400 && res.status < 500), describeCall(t, "unserved", res));
      assert.ok(errorShaped(t, res), describeCall(t, "unserved", res));
    }, 60);
  });

  it("a body cut off mid-request (client disconnects) leaves the server serving", async () => {
    const t = targets.find((x) => x.operation === "CreateApiKeyCredentialProvider")!;
    const c = await signCall(server.endpoint, buildCall(t, { name: "cut-off", apiKey: "k".repeat(1000) }), { service: t.service, region: server.region, credentials: server.admin });
    await new Promise<void>((resolve) => {
      const url = new URL(server.endpoint);
      const req = request({ host: url.hostname, port: url.port, method: c.method, path: c.url, headers: { ...c.headers, "content-length": String(c.body.length) } });
      req.on("error", () => resolve());
      req.write(c.body.subarray(0, 100), () => setTimeout(() => { req.destroy(); resolve(); }, 50));
    });
    const list = targets.find((x) => x.operation === "ListApiKeyCredentialProviders")!;
    const res = await call(list, buildCall(list, {}));
    assert.equal(res.status, 200, describeCall(list, "after a cut-off body", res));
  });

  it("afterwards the server serves, nothing answered 500, and state is consistent", async () => {
    const errors = logLines.filter((l) => l.startsWith("error "));
    assert.deepEqual(errors, [], "the server logged internal errors");
    await clients.sts.send(new GetCallerIdentityCommand({}));
    const roles = await clients.iam.send(new ListRolesCommand({ MaxItems: 1000 }));
    for (const role of roles.Roles ?? []) await clients.iam.send(new GetRoleCommand({ RoleName: role.RoleName! }));
    await clients.ecr.send(new DescribeRepositoriesCommand({}));
    await clients.control.send(new ListOauth2CredentialProvidersCommand({}));
    await clients.control.send(new ListWorkloadIdentitiesCommand({}));
    const runtimes = await clients.control.send(new ListAgentRuntimesCommand({}));
    for (const r of runtimes.agentRuntimes ?? []) await clients.control.send(new GetAgentRuntimeCommand({ agentRuntimeId: r.agentRuntimeId! }));
    const listed: string[] = [];
    for (let nextToken: string | undefined; ; ) {
      const page = await clients.control.send(new ListApiKeyCredentialProvidersCommand({ nextToken }));
      listed.push(...(page.credentialProviders ?? []).map((p) => p.name!));
      if (!(nextToken = page.nextToken)) break;
    }
    // No provider without its secret, and no secret without its provider (API-key and OAuth2).
    const records = server.services.store.list<ApiKeyProviderRecord>("identity-apikey-provider");
    assert.deepEqual(listed.sort(), records.map((r) => r.name).sort());
    for (const r of records) {
      await clients.control.send(new GetApiKeyCredentialProviderCommand({ name: r.name }));
      assert.ok(server.services.vault.get(r.secretArn) !== undefined, `provider ${r.name} has no secret`);
    }
    const oauth2 = server.services.store.list<Oauth2ProviderRecord>("identity-oauth2-provider").filter((r) => r.hasClientSecret);
    for (const r of oauth2) assert.ok(server.services.vault.get(r.secretArn) !== undefined, `OAuth2 provider ${r.name} has no client secret`);
    const secrets = server.services.store.db.prepare("SELECT arn FROM vault_secrets").all() as { arn: string }[];
    const known = new Set([...records, ...oauth2].map((r) => r.secretArn));
    for (const { arn } of secrets) assert.ok(known.has(arn) || !arn.startsWith("arn:"), `orphan secret ${arn}`);
  });
});

