/**
 * The server core through the real SDK clients: health, SigV4 rejections (tampered signature,
 * unknown key, skewed clock, body hash mismatch, bad session token, expired session), unknown and
 * unimplemented operations, malformed JSON and oversized bodies — each answered in the service's
 * error shape while the server keeps serving.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { request } from "node:http";
import { GetCallerIdentityCommand, AssumeRoleCommand, STSClient } from "@aws-sdk/client-sts";
import { CreateRoleCommand, IAMClient, ListRolesCommand } from "@aws-sdk/client-iam";
import { DescribeRepositoriesCommand, ECRClient } from "@aws-sdk/client-ecr";
import {
  BedrockAgentCoreControlClient,
  ListAgentRuntimesCommand,
  ListApiKeyCredentialProvidersCommand,
  CreateApiKeyCredentialProviderCommand,
  ListGatewaysCommand,
} from "@aws-sdk/client-bedrock-agentcore-control";
import { CreateBucketCommand, GetObjectCommand, ListBucketsCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { Readable } from "node:stream";
import type { HttpRequest } from "@smithy/protocol-http";
import { issueModelKey } from "../../lib/local/standin-model/keys.js";
import { startTestLocal, type TestLocal } from "../helpers/local.js";

let local: TestLocal;
before(async () => {
  local = await startTestLocal();
});
after(async () => {
  await local?.stop();
});

/** The error a promise rejects with (fails the test when it resolves). */
async function rejection(p: Promise<unknown>): Promise<Error & { $metadata?: { httpStatusCode?: number }; $fault?: string }> {
  try {
    await p;
  } catch (e) {
    return e as Error & { $metadata?: { httpStatusCode?: number } };
  }
  assert.fail("expected the call to fail");
}

type AnyClient = { middlewareStack: { addRelativeTo: Function; add: Function } };

/** Changes the request after the SDK signed it (what an attacker or a broken proxy would do). */
function afterSigning(client: AnyClient, change: (req: HttpRequest) => void) {
  client.middlewareStack.addRelativeTo(
    (next: (a: { request: HttpRequest }) => unknown) => (args: { request: HttpRequest }) => {
      change(args.request);
      return next(args);
    },
    { relation: "after", toMiddleware: "httpSigningMiddleware", name: "tamperAfterSigning" },
  );
}

/** Changes the request before the SDK signs it (a well-signed but malformed request). */
function beforeSigning(client: AnyClient, change: (req: HttpRequest) => void) {
  client.middlewareStack.add(
    (next: (a: { request: HttpRequest }) => unknown) => (args: { request: HttpRequest }) => {
      change(args.request);
      if (typeof args.request.body === "string") args.request.headers["content-length"] = String(Buffer.byteLength(args.request.body));
      return next(args);
    },
    { step: "build", name: "changeBeforeSigning" },
  );
}

const clientConfig = () => ({ endpoint: local.endpoint, region: local.region, credentials: local.admin, maxAttempts: 1 });

describe("health and routing", () => {
  test("GET /_local/health answers without a signature", async () => {
    const res = await fetch(`${local.endpoint}/_local/health`);
    assert.equal(res.status, 200);
    const body = (await res.json()) as { status: string; accountId: string; version: string };
    assert.equal(body.status, "ok");
    assert.equal(body.accountId, local.accountId);
    assert.match(body.accountId, /^\d{12}$/);
    assert.match(body.version, /^\d+\.\d+\.\d+/);
    assert.ok(res.headers.get("x-amzn-requestid"));
  });

  test("an unknown /_local route is a 404, and later code can add routes", async () => {
    assert.equal((await fetch(`${local.endpoint}/_local/nothing-here`)).status, 404);
    local.server.addLocalRoute("GET", "/_local/echo/*", (_req, res, url) => {
      res.writeHead(200, { "content-type": "text/plain" });
      res.end(`sub=${url.subpath} q=${url.query.get("q")}`);
    });
    const res = await fetch(`${local.endpoint}/_local/echo/a/b?q=1`);
    assert.equal(await res.text(), "sub=/a/b q=1");
  });

  test("the stand-in model is mounted at /_local/openai/v1 and accepts only issued keys", async () => {
    const url = `${local.endpoint}/_local/openai/v1/chat/completions`;
    const body = JSON.stringify({ model: "any", messages: [{ role: "user", content: "hello" }] });
    const refused = await fetch(url, { method: "POST", headers: { authorization: "Bearer sk-not-issued-1234", "content-type": "application/json" }, body });
    assert.equal(refused.status, 401);
    assert.equal(((await refused.json()) as { error: { code: string } }).error.code, "invalid_api_key");
    const key = issueModelKey(local.server.services.store, "test");
    const ok = await fetch(url, { method: "POST", headers: { authorization: `Bearer ${key}`, "content-type": "application/json" }, body });
    assert.equal(ok.status, 200);
    assert.equal(((await ok.json()) as { object: string }).object, "chat.completion");
  });

  test("the admin key signs requests for every protocol family", async () => {
    const who = await local.clients.sts.send(new GetCallerIdentityCommand({}));
    assert.equal(who.Account, local.accountId);
    assert.equal(who.Arn, `arn:aws:iam::${local.accountId}:user/agentcore-local-admin`);
    const roles = await local.clients.iam.send(new ListRolesCommand({}));
    assert.deepEqual(roles.Roles, []);
    const repos = await local.clients.ecr.send(new DescribeRepositoriesCommand({}));
    assert.deepEqual(repos.repositories, []);
    const runtimes = await local.clients.control.send(new ListAgentRuntimesCommand({}));
    assert.deepEqual(runtimes.agentRuntimes, []);
    assert.match(local.admin.accessKeyId, /^AKIA[A-Z2-7]{16}$/);
    assert.equal(local.admin.secretAccessKey.length, 40);
  });

  test("a modeled operation without a handler answers 501 NotImplemented in the service's shape", async () => {
    const err = await rejection(local.clients.control.send(new ListGatewaysCommand({})));
    assert.equal(err.name, "NotImplemented");
    assert.equal(err.$metadata?.httpStatusCode, 501);
    assert.match(err.message, /does not implement .*ListGateways/);
  });

  test("a path no operation matches answers an AWS-shaped 404", async () => {
    const control = new BedrockAgentCoreControlClient(clientConfig());
    beforeSigning(control, (req) => {
      req.path = "/no/such/path";
    });
    const err = await rejection(control.send(new ListAgentRuntimesCommand({})));
    assert.equal(err.name, "UnknownOperationException");
    assert.equal(err.$metadata?.httpStatusCode, 404);
    control.destroy();
  });

  test("an unknown X-Amz-Target answers UnknownOperationException", async () => {
    const ecr = new ECRClient(clientConfig());
    beforeSigning(ecr, (req) => {
      req.headers["x-amz-target"] = "AmazonEC2ContainerRegistry_V20150921.NoSuchThing";
    });
    const err = await rejection(ecr.send(new DescribeRepositoriesCommand({})));
    assert.equal(err.name, "UnknownOperationException");
    assert.equal(err.$metadata?.httpStatusCode, 400);
    ecr.destroy();
  });
});

describe("SigV4", () => {
  test("a tampered signature is rejected (JSON, query and restJson services)", async () => {
    const tamper = (req: HttpRequest) => {
      req.headers.authorization = req.headers.authorization!.replace(/Signature=([0-9a-f])/, (_m, c: string) => `Signature=${c === "0" ? "1" : "0"}`);
    };
    const ecr = new ECRClient(clientConfig());
    afterSigning(ecr, tamper);
    const e1 = await rejection(ecr.send(new DescribeRepositoriesCommand({})));
    assert.equal(e1.name, "InvalidSignatureException");
    assert.equal(e1.$metadata?.httpStatusCode, 403);

    const iam = new IAMClient(clientConfig());
    afterSigning(iam, tamper);
    const e2 = await rejection(iam.send(new ListRolesCommand({})));
    assert.equal(e2.name, "SignatureDoesNotMatch");
    assert.equal(e2.$metadata?.httpStatusCode, 403);

    const control = new BedrockAgentCoreControlClient(clientConfig());
    afterSigning(control, tamper);
    const e3 = await rejection(control.send(new ListAgentRuntimesCommand({})));
    assert.equal(e3.name, "InvalidSignatureException");
    [ecr, iam, control].forEach((c) => c.destroy());
  });

  test("a tampered path or query is rejected even with an intact signature", async () => {
    const control = new BedrockAgentCoreControlClient(clientConfig());
    afterSigning(control, (req) => {
      req.query = { ...req.query, maxResults: "7" };
    });
    const err = await rejection(control.send(new ListAgentRuntimesCommand({ maxResults: 5 })));
    assert.equal(err.name, "InvalidSignatureException");
    control.destroy();
  });

  test("a body that does not match x-amz-content-sha256 is rejected", async () => {
    const control = new BedrockAgentCoreControlClient(clientConfig());
    afterSigning(control, (req) => {
      req.body = JSON.stringify({ name: "other", apiKey: "sk-tampered" });
      req.headers["content-length"] = String(Buffer.byteLength(req.body as string));
    });
    const err = await rejection(control.send(new CreateApiKeyCredentialProviderCommand({ name: "orig", apiKey: "sk-original" })));
    assert.equal(err.name, "InvalidSignatureException");
    control.destroy();
    const list = await local.clients.control.send(new ListApiKeyCredentialProvidersCommand({}));
    assert.deepEqual(list.credentialProviders, [], "nothing was created by the rejected request");
  });

  test("an unknown access key is rejected with each family's code", async () => {
    const stranger = { accessKeyId: "AKIA" + "IOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY" };
    const cfg = { ...clientConfig(), credentials: stranger };
    const ecr = new ECRClient(cfg);
    const sts = new STSClient(cfg);
    const e1 = await rejection(ecr.send(new DescribeRepositoriesCommand({})));
    assert.equal(e1.name, "UnrecognizedClientException");
    assert.equal(e1.$metadata?.httpStatusCode, 403);
    const e2 = await rejection(sts.send(new GetCallerIdentityCommand({})));
    assert.equal(e2.name, "InvalidClientTokenId");
    assert.equal(e2.$metadata?.httpStatusCode, 403);
    ecr.destroy();
    sts.destroy();
  });

  test("the admin key id with a wrong secret is a signature mismatch", async () => {
    const sts = new STSClient({ ...clientConfig(), credentials: { accessKeyId: local.admin.accessKeyId, secretAccessKey: "x".repeat(40) } });
    const err = await rejection(sts.send(new GetCallerIdentityCommand({})));
    assert.equal(err.name, "SignatureDoesNotMatch");
    sts.destroy();
  });

  test("a clock more than 15 minutes off is rejected as expired or not yet current", async () => {
    const behind = new STSClient({ ...clientConfig(), systemClockOffset: -20 * 60 * 1000 });
    const e1 = await rejection(behind.send(new GetCallerIdentityCommand({})));
    assert.equal(e1.name, "SignatureDoesNotMatch");
    assert.match(e1.message, /^Signature expired: \d{8}T\d{6}Z is now earlier than/);

    const ahead = new ECRClient({ ...clientConfig(), systemClockOffset: 20 * 60 * 1000 });
    const e2 = await rejection(ahead.send(new DescribeRepositoriesCommand({})));
    assert.equal(e2.name, "InvalidSignatureException");
    assert.match(e2.message, /^Signature not yet current/);

    const slightly = new ECRClient({ ...clientConfig(), systemClockOffset: -5 * 60 * 1000 });
    await slightly.send(new DescribeRepositoriesCommand({}));
    [behind, ahead, slightly].forEach((c) => c.destroy());
  });

  test("a request without Authorization gets the service's missing-token error", async () => {
    const res = await fetch(`${local.endpoint}/`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "Action=GetCallerIdentity&Version=2011-06-15",
    });
    assert.equal(res.status, 403);
    assert.match(await res.text(), /<Code>MissingAuthenticationToken<\/Code>/);

    const res2 = await fetch(`${local.endpoint}/runtimes/`, { method: "POST" });
    assert.equal(res2.status, 403);
    assert.equal(res2.headers.get("x-amzn-errortype"), "MissingAuthenticationTokenException");
  });

  test("a malformed Authorization header is an incomplete signature", async () => {
    const res = await fetch(`${local.endpoint}/`, {
      method: "POST",
      headers: { "content-type": "application/x-amz-json-1.1", "x-amz-target": "AmazonEC2ContainerRegistry_V20150921.DescribeRepositories", authorization: "AWS4-HMAC-SHA256 Credential=AKIA/20250101/us-east-1/ecr/aws4_request" },
      body: "{}",
    });
    assert.equal(res.status, 400);
    assert.equal(((await res.json()) as { __type: string }).__type, "IncompleteSignatureException");
  });
});

describe("S3 (restXml) authentication and bodies", () => {
  const s3Config = () => ({ ...clientConfig(), forcePathStyle: true });

  test("S3 answers with its own codes: InvalidAccessKeyId, SignatureDoesNotMatch, RequestTimeTooSkewed, XAmzContentSHA256Mismatch", async () => {
    const stranger = new S3Client({ ...s3Config(), credentials: { accessKeyId: "AKIA" + "IOSFODNN7EXAMPLE", secretAccessKey: "x".repeat(40) } });
    const e1 = await rejection(stranger.send(new ListBucketsCommand({})));
    assert.equal(e1.name, "InvalidAccessKeyId");
    assert.equal(e1.$metadata?.httpStatusCode, 403);

    const wrongSecret = new S3Client({ ...s3Config(), credentials: { accessKeyId: local.admin.accessKeyId, secretAccessKey: "x".repeat(40) } });
    const e2 = await rejection(wrongSecret.send(new ListBucketsCommand({})));
    assert.equal(e2.name, "SignatureDoesNotMatch");

    const skewed = new S3Client({ ...s3Config(), systemClockOffset: -30 * 60 * 1000 });
    const e3 = await rejection(skewed.send(new ListBucketsCommand({})));
    assert.equal(e3.name, "RequestTimeTooSkewed");

    await local.clients.s3.send(new CreateBucketCommand({ Bucket: "hash-check" }));
    const tampered = new S3Client(s3Config());
    afterSigning(tampered, (req) => {
      req.body = "other bytes";
      req.headers["content-length"] = "11";
    });
    const e4 = await rejection(tampered.send(new PutObjectCommand({ Bucket: "hash-check", Key: "k", Body: "hello world" })));
    assert.equal(e4.name, "XAmzContentSHA256Mismatch");
    assert.equal(e4.$metadata?.httpStatusCode, 400);
    [stranger, wrongSecret, skewed, tampered].forEach((c) => c.destroy());
  });

  test("a streamed PutObject (aws-chunked with a trailing checksum) stores exactly the bytes sent", async () => {
    await local.clients.s3.send(new CreateBucketCommand({ Bucket: "chunked" }));
    const parts = [Buffer.from("first part, "), Buffer.alloc(70_000, 0x62), Buffer.from(", last part")];
    const total = parts.reduce((n, p) => n + p.length, 0);
    await local.clients.s3.send(new PutObjectCommand({ Bucket: "chunked", Key: "dir/a file.bin", Body: Readable.from(parts), ContentLength: total }));
    const got = await local.clients.s3.send(new GetObjectCommand({ Bucket: "chunked", Key: "dir/a file.bin" }));
    assert.deepEqual(Buffer.from(await got.Body!.transformToByteArray()), Buffer.concat(parts));
  });
});

describe("role sessions", () => {
  test("session credentials from AssumeRole sign requests; a wrong token or an expired session is rejected", async () => {
    const trust = {
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Principal: { AWS: `arn:aws:iam::${local.accountId}:root` }, Action: "sts:AssumeRole" }],
    };
    const role = await local.clients.iam.send(new CreateRoleCommand({ RoleName: "session-test", AssumeRolePolicyDocument: JSON.stringify(trust) }));
    const assumed = await local.clients.sts.send(new AssumeRoleCommand({ RoleArn: role.Role!.Arn!, RoleSessionName: "s1", DurationSeconds: 900 }));
    const c = assumed.Credentials!;
    assert.match(c.AccessKeyId!, /^ASIA[A-Z2-7]{16}$/);
    assert.ok(c.SessionToken!.length >= 100);

    const creds = { accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: c.SessionToken! };
    const who = await local.clientsFor(creds).sts.send(new GetCallerIdentityCommand({}));
    assert.equal(who.Arn, `arn:aws:sts::${local.accountId}:assumed-role/session-test/s1`);

    const wrongToken = local.clientsFor({ ...creds, sessionToken: creds.sessionToken.slice(0, -4) + "AAAA" });
    assert.equal((await rejection(wrongToken.sts.send(new GetCallerIdentityCommand({})))).name, "InvalidClientTokenId");
    assert.equal((await rejection(wrongToken.ecr.send(new DescribeRepositoriesCommand({})))).name, "UnrecognizedClientException");

    // Move the server's clock past the session's expiry (and re-sign with the same offset).
    const realNow = local.server.services.now;
    const offset = 16 * 60 * 1000;
    local.server.services.now = () => new Date(Date.now() + offset);
    try {
      const later = new STSClient({ ...clientConfig(), credentials: creds, systemClockOffset: offset });
      const err = await rejection(later.send(new GetCallerIdentityCommand({})));
      assert.equal(err.name, "ExpiredToken");
      later.destroy();
    } finally {
      local.server.services.now = realNow;
    }
  });
});

describe("bad input", () => {
  test("malformed JSON is an AWS-shaped 400 and the server keeps serving", async () => {
    const control = new BedrockAgentCoreControlClient(clientConfig());
    beforeSigning(control, (req) => {
      req.body = '{"name": "broken", "apiKey": ';
    });
    const err = await rejection(control.send(new CreateApiKeyCredentialProviderCommand({ name: "broken", apiKey: "sk-x" })));
    assert.equal(err.name, "ValidationException");
    assert.equal(err.$metadata?.httpStatusCode, 400);
    assert.equal((err as unknown as { reason: string }).reason, "CannotParse");
    control.destroy();

    const ecr = new ECRClient(clientConfig());
    beforeSigning(ecr, (req) => {
      req.body = "[1, 2";
    });
    const e2 = await rejection(ecr.send(new DescribeRepositoriesCommand({})));
    assert.equal(e2.name, "SerializationException");
    ecr.destroy();

    const ok = await local.clients.control.send(new ListApiKeyCredentialProvidersCommand({}));
    assert.ok(Array.isArray(ok.credentialProviders));
  });

  test("a body over 10 MiB is refused with 413 and the server keeps serving", async () => {
    const ecr = new ECRClient(clientConfig());
    beforeSigning(ecr, (req) => {
      req.body = JSON.stringify({ repositoryNames: ["x"], pad: "a".repeat(11 * 1024 * 1024) });
    });
    const err = await rejection(ecr.send(new DescribeRepositoriesCommand({})));
    assert.equal(err.$metadata?.httpStatusCode, 413);
    assert.equal(err.name, "RequestEntityTooLargeException");
    ecr.destroy();
    await local.clients.ecr.send(new DescribeRepositoriesCommand({}));
  });

  test("a chunked body that grows past the limit is cut off with 413", async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const amzDate = new Date().toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "");
      const req = request(`${local.endpoint}/`, {
        method: "POST",
        headers: {
          "content-type": "application/x-amz-json-1.1",
          "x-amz-target": "AmazonEC2ContainerRegistry_V20150921.DescribeRepositories",
          "x-amz-date": amzDate,
          authorization: `AWS4-HMAC-SHA256 Credential=${local.admin.accessKeyId}/${amzDate.slice(0, 8)}/us-east-1/ecr/aws4_request, SignedHeaders=host;x-amz-date, Signature=${"0".repeat(64)}`,
        },
      });
      req.on("response", (res) => {
        res.resume();
        resolve(res.statusCode!);
      });
      req.on("error", reject);
      const chunk = Buffer.alloc(1024 * 1024, 0x61);
      let sent = 0;
      const pump = () => {
        while (sent < 12) {
          sent++;
          if (!req.write(chunk)) return void req.once("drain", pump);
        }
        req.end();
      };
      pump();
    });
    assert.equal(status, 413);
    await local.clients.sts.send(new GetCallerIdentityCommand({}));
  });
});
