/**
 * Authentication edges, each rejected with the error AWS names — a signature 16
 * minutes old, a replay (accepted within the 15-minute window, as AWS does, and rejected after
 * it), a body changed under the same signature, an expired role session's token, and workload
 * access tokens for another workload, another account, or past their expiry.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { AssumeRoleCommand, GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import { CreateRoleCommand, PutRolePolicyCommand } from "@aws-sdk/client-iam";
import { CreateApiKeyCredentialProviderCommand, CreateWorkloadIdentityCommand } from "@aws-sdk/client-bedrock-agentcore-control";
import { GetResourceApiKeyCommand, GetWorkloadAccessTokenCommand } from "@aws-sdk/client-bedrock-agentcore";
import { CreateBucketCommand, HeadObjectCommand } from "@aws-sdk/client-s3";
import { apiKeyProviderArn, tokenVaultArn, workloadIdentityArn, workloadIdentityDirectoryArn } from "../../lib/local/services/identity/arns.js";
import { createHmac, createPrivateKey, sign, type JsonWebKey } from "node:crypto";
import { mintWorkloadAccessToken } from "../../lib/local/auth/workload-tokens.js";
import { startTestLocal, type TestLocal } from "../helpers/local.js";
import { buildCall, servedOperations, type OpTarget } from "./model-requests.js";
import { errorCodeOf, send, signAndSend, signCall, type Credentials, type RawResponse } from "./signed-request.js";

const MINUTE = 60_000;
const op = (name: string): OpTarget => servedOperations().find((t) => t.operation === name)!;

function expectError(res: RawResponse, status: number, code: string, message?: RegExp): void {
  const text = res.body.toString("utf8");
  assert.equal(res.status, status, `expected ${status} ${code}, got ${res.status}: ${text.slice(0, 300)}`);
  assert.equal(errorCodeOf(res), code, text.slice(0, 300));
  if (message) assert.match(text, message);
}

describe("authentication edges are rejected with AWS's error names", () => {
  let local: TestLocal;
  let other: TestLocal;
  const clock = { offset: 0 };
  const at = (offsetMs: number) => new Date(Date.now() + offsetMs);

  /** One operation, raw and signed: `date` is the signing clock, `creds` the caller. */
  const call = (name: string, input: Record<string, unknown>, opts: { creds?: Credentials; date?: Date } = {}) => {
    const t = op(name);
    return signAndSend(local.endpoint, buildCall(t, input), {
      service: t.service,
      region: local.region,
      credentials: opts.creds ?? local.admin,
      signingDate: opts.date,
    });
  };

  before(async () => {
    local = await startTestLocal();
    other = await startTestLocal();
    // The server's clock, movable by the tests (SigV4 skew, session and token expiry all read it).
    local.server.services.now = () => at(clock.offset);
  });

  after(async () => {
    await local?.stop();
    await other?.stop();
  });

  it("a signature 16 minutes old: InvalidSignatureException / SignatureDoesNotMatch / RequestTimeTooSkewed (403)", async () => {
    clock.offset = 0;
    const old = at(-16 * MINUTE);
    expectError(await call("ListApiKeyCredentialProviders", {}, { date: old }), 403, "InvalidSignatureException", /Signature expired: \d{8}T\d{6}Z is now earlier than/);
    expectError(await call("GetCallerIdentity", {}, { date: old }), 403, "SignatureDoesNotMatch", /Signature expired/);
    expectError(await call("DescribeRepositories", {}, { date: old }), 403, "InvalidSignatureException", /Signature expired/);
    expectError(await call("ListBuckets", {}, { date: old }), 403, "RequestTimeTooSkewed");
    // 16 minutes ahead is refused the same way; 14 minutes either side is inside the window.
    expectError(await call("GetCallerIdentity", {}, { date: at(16 * MINUTE) }), 403, "SignatureDoesNotMatch", /Signature not yet current/);
    assert.equal((await call("GetCallerIdentity", {}, { date: at(-14 * MINUTE) })).status, 200);
  });

  it("a replayed request: accepted within the 15-minute window (AWS does not detect replays), refused after it", async () => {
    clock.offset = 0;
    const t = op("GetCallerIdentity");
    const signed = await signCall(local.endpoint, buildCall(t, {}), { service: t.service, region: local.region, credentials: local.admin });
    const first = await send(local.endpoint, signed);
    const replay = await send(local.endpoint, signed);
    assert.equal(first.status, 200);
    assert.equal(replay.status, 200, "AWS accepts the same signed request again inside the window");
    // A replayed create is answered by the service, not by authentication: the name is taken.
    const create = op("CreateApiKeyCredentialProvider");
    const createSigned = await signCall(local.endpoint, buildCall(create, { name: "replayed", apiKey: "sk-replayed-1" }), { service: create.service, region: local.region, credentials: local.admin });
    assert.equal((await send(local.endpoint, createSigned)).status, 201);
    expectError(await send(local.endpoint, createSigned), 409, "ConflictException");
    // Sixteen minutes later the same bytes are a stale signature.
    clock.offset = 16 * MINUTE;
    expectError(await send(local.endpoint, signed), 403, "SignatureDoesNotMatch", /Signature expired/);
    clock.offset = 0;
  });

  it("a body changed under the same signature: InvalidSignatureException / SignatureDoesNotMatch / XAmzContentSHA256Mismatch", async () => {
    clock.offset = 0;
    const t = op("CreateApiKeyCredentialProvider");
    for (const contentSha256 of [true, false]) {
      const signed = await signCall(local.endpoint, buildCall(t, { name: `tampered-${contentSha256}`, apiKey: "sk-original" }), { service: t.service, region: local.region, credentials: local.admin, contentSha256 });
      const tampered = { ...signed, body: Buffer.from(signed.body.toString("utf8").replace("sk-original", "sk-attacker")) };
      expectError(await send(local.endpoint, tampered), 403, "InvalidSignatureException");
      expectError(await call("GetApiKeyCredentialProvider", { name: `tampered-${contentSha256}` }), 404, "ResourceNotFoundException");
    }
    const role = op("CreateRole");
    const signedRole = await signCall(local.endpoint, buildCall(role, { RoleName: "tampered", AssumeRolePolicyDocument: "{}" }), { service: "iam", region: local.region, credentials: local.admin });
    const tamperedRole = { ...signedRole, body: Buffer.from(signedRole.body.toString("utf8").replace("tampered", "tempered")) };
    expectError(await send(local.endpoint, tamperedRole), 403, "SignatureDoesNotMatch");
    // S3 reads the body only once the bucket is known (a missing bucket is NoSuchBucket whatever the
    // body), so the tampered upload goes to a bucket that exists, and leaves no object behind.
    await local.clients.s3.send(new CreateBucketCommand({ Bucket: "b-tampered" }));
    const put = op("PutObject");
    const signedPut = await signCall(local.endpoint, buildCall(put, { Bucket: "b-tampered", Key: "k", Body: Buffer.from("original").toString("base64") }), { service: "s3", region: local.region, credentials: local.admin });
    expectError(await send(local.endpoint, { ...signedPut, body: Buffer.from("modified") }), 400, "XAmzContentSHA256Mismatch");
    await assert.rejects(local.clients.s3.send(new HeadObjectCommand({ Bucket: "b-tampered", Key: "k" })), { name: "NotFound" });
  });

  it("the session token of an expired role session: ExpiredTokenException / ExpiredToken", async () => {
    clock.offset = 0;
    const admin = await local.clients.sts.send(new GetCallerIdentityCommand({}));
    await local.clients.iam.send(
      new CreateRoleCommand({
        RoleName: "short-lived",
        AssumeRolePolicyDocument: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { AWS: admin.Arn }, Action: "sts:AssumeRole" }] }),
      }),
    );
    const { Credentials: c } = await local.clients.sts.send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${local.accountId}:role/short-lived`, RoleSessionName: "short-session", DurationSeconds: 900 }));
    const creds = { accessKeyId: c!.AccessKeyId!, secretAccessKey: c!.SecretAccessKey!, sessionToken: c!.SessionToken! };
    assert.equal((await call("GetCallerIdentity", {}, { creds })).status, 200, "the session works while it lasts");
    clock.offset = 16 * MINUTE; // past its 15 minutes; signed at the server's (moved) time so only expiry is wrong
    expectError(await call("GetCallerIdentity", {}, { creds, date: at(clock.offset) }), 403, "ExpiredToken", /expired/);
    expectError(await call("ListWorkloadIdentities", {}, { creds, date: at(clock.offset) }), 403, "ExpiredTokenException");
    expectError(await call("ListBuckets", {}, { creds, date: at(clock.offset) }), 400, "ExpiredToken");
    // A token that was never issued for this key is invalid, not expired.
    expectError(await call("GetCallerIdentity", {}, { creds: { ...creds, sessionToken: "forged" }, date: at(clock.offset) }), 403, "InvalidClientTokenId");
    clock.offset = 0;
  });

  describe("workload access tokens", () => {
    let roleCreds: Credentials;
    let tokenA: string;
    let tokenB: string;

    before(async () => {
      clock.offset = 0;
      const { control, data, iam, sts } = local.clients;
      const scope = { region: local.region, accountId: local.accountId };
      await control.send(new CreateApiKeyCredentialProviderCommand({ name: "openai", apiKey: "sk-workload-secret" }));
      await control.send(new CreateWorkloadIdentityCommand({ name: "agent-a" }));
      await control.send(new CreateWorkloadIdentityCommand({ name: "agent-b" }));
      const admin = await sts.send(new GetCallerIdentityCommand({}));
      await iam.send(
        new CreateRoleCommand({
          RoleName: "agent-a-role",
          AssumeRolePolicyDocument: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { AWS: admin.Arn }, Action: "sts:AssumeRole" }] }),
        }),
      );
      // Allowed for workload agent-a only.
      await iam.send(
        new PutRolePolicyCommand({
          RoleName: "agent-a-role",
          PolicyName: "api-key-for-agent-a",
          PolicyDocument: JSON.stringify({
            Version: "2012-10-17",
            Statement: [
              {
                Effect: "Allow",
                Action: "bedrock-agentcore:GetResourceApiKey",
                Resource: [tokenVaultArn(scope), apiKeyProviderArn(scope, "openai"), workloadIdentityDirectoryArn(scope), workloadIdentityArn(scope, "agent-a")],
              },
              { Effect: "Allow", Action: "secretsmanager:GetSecretValue", Resource: "*" },
            ],
          }),
        }),
      );
      const { Credentials: c } = await sts.send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${local.accountId}:role/agent-a-role`, RoleSessionName: "agent" }));
      roleCreds = { accessKeyId: c!.AccessKeyId!, secretAccessKey: c!.SecretAccessKey!, sessionToken: c!.SessionToken! };
      tokenA = (await data.send(new GetWorkloadAccessTokenCommand({ workloadName: "agent-a" }))).workloadAccessToken!;
      tokenB = (await data.send(new GetWorkloadAccessTokenCommand({ workloadName: "agent-b" }))).workloadAccessToken!;
    });

    const getKey = (token: string, creds: Credentials = roleCreds, date?: Date) =>
      call("GetResourceApiKey", { workloadIdentityToken: token, resourceCredentialProviderName: "openai" }, { creds, date });

    it("its own workload's token gets the key", async () => {
      const res = await getKey(tokenA);
      assert.equal(res.status, 200, res.body.toString("utf8"));
      assert.equal((JSON.parse(res.body.toString("utf8")) as { apiKey: string }).apiKey, "sk-workload-secret");
    });

    it("a token for another workload: AccessDeniedException (403)", async () => {
      expectError(await getKey(tokenB), 403, "AccessDeniedException", /agent-b/);
    });

    it("a token from another account's Local AgentCore: UnauthorizedException (401)", async () => {
      await other.clients.control.send(new CreateWorkloadIdentityCommand({ name: "agent-a" }));
      const foreign = (await other.clients.data.send(new GetWorkloadAccessTokenCommand({ workloadName: "agent-a" }))).workloadAccessToken!;
      expectError(await getKey(foreign), 401, "UnauthorizedException");
      expectError(await getKey(foreign, local.admin), 401, "UnauthorizedException");
    });

    it("a token signed here but naming another account: AccessDeniedException (403)", async () => {
      const forged = await mintWorkloadAccessToken(local.server.services, {
        accountId: "999999999999",
        region: local.region,
        workloadName: "agent-a",
        workloadIdentityArn: workloadIdentityArn({ region: local.region, accountId: "999999999999" }, "agent-a"),
        grant: "workload",
      });
      expectError(await getKey(forged, local.admin), 403, "AccessDeniedException", /another account/);
    });

    it("a token with a changed claim: UnauthorizedException (401)", async () => {
      const [header, payload, signature] = tokenB.split(".");
      const claims = JSON.parse(Buffer.from(payload!, "base64url").toString("utf8")) as Record<string, unknown>;
      claims.sub = "agent-a";
      const altered = `${header}.${Buffer.from(JSON.stringify(claims)).toString("base64url")}.${signature}`;
      expectError(await getKey(altered), 401, "UnauthorizedException");
      expectError(await getKey("not-a-jwt", local.admin), 401, "UnauthorizedException");
    });

    it("a token past its expiry (one hour): UnauthorizedException (401)", async () => {
      clock.offset = 61 * MINUTE;
      expectError(await getKey(tokenA, local.admin, at(clock.offset)), 401, "UnauthorizedException", /expired/);
      clock.offset = 0;
      assert.equal((await getKey(tokenA)).status, 200, "the same token before its expiry");
    });

    /** A token signed with this Local AgentCore's own signing key, with any header and claims. */
    const signHere = async (header: Record<string, unknown>, claims: Record<string, unknown>) => {
      const jwk = JSON.parse(local.server.services.vault.get("agentcore-local:workload-token-signing-key")!) as JsonWebKey;
      const [h, p] = tokenA.split(".").slice(0, 2).map((part) => JSON.parse(Buffer.from(part, "base64url").toString("utf8")) as Record<string, unknown>);
      const input = `${Buffer.from(JSON.stringify({ ...h, ...header })).toString("base64url")}.${Buffer.from(JSON.stringify({ ...p, ...claims })).toString("base64url")}`;
      const signature = sign("sha256", Buffer.from(input), { key: createPrivateKey({ key: jwk, format: "jwk" }), dsaEncoding: "ieee-p1363" });
      return `${input}.${signature.toString("base64url")}`;
    };

    it("a token signed with this key but for another audience or issuer, not yet valid, with no expiry or another header alg: UnauthorizedException (401)", async () => {
      clock.offset = 0;
      assert.equal((await getKey(await signHere({}, {}))).status, 200, "re-signed unchanged, the token is accepted (the helper signs as the server does)");
      expectError(await getKey(await signHere({}, { aud: "someone-else" })), 401, "UnauthorizedException", /not valid/);
      expectError(await getKey(await signHere({}, { iss: "someone-else" })), 401, "UnauthorizedException", /not valid/);
      expectError(await getKey(await signHere({}, { nbf: Math.floor(Date.now() / 1000) + 600 })), 401, "UnauthorizedException", /not valid/);
      expectError(await getKey(await signHere({}, { exp: undefined })), 401, "UnauthorizedException", /not valid/);
      expectError(await getKey(await signHere({ crit: ["x-unknown"], "x-unknown": 1 }, {})), 401, "UnauthorizedException", /not valid/);
      // Signed correctly, but the header claims another algorithm: the header is not what was verified.
      expectError(await getKey(await signHere({ alg: "ES384" }, {})), 401, "UnauthorizedException", /not valid/);
    });

    it("a token with another algorithm (none, HS256 keyed with the public key) or a damaged signature: UnauthorizedException (401)", async () => {
      clock.offset = 0;
      const [h, p, s] = tokenA.split(".");
      const header = JSON.parse(Buffer.from(h!, "base64url").toString("utf8")) as Record<string, unknown>;
      const withAlg = (alg: string) => Buffer.from(JSON.stringify({ ...header, alg })).toString("base64url");
      expectError(await getKey(`${withAlg("none")}.${p}.`), 401, "UnauthorizedException");
      const jwk = JSON.parse(local.server.services.vault.get("agentcore-local:workload-token-signing-key")!) as JsonWebKey;
      const { d: _d, ...pub } = jwk;
      const hsInput = `${withAlg("HS256")}.${p}`;
      const hs = createHmac("sha256", JSON.stringify(pub)).update(hsInput).digest("base64url");
      expectError(await getKey(`${hsInput}.${hs}`), 401, "UnauthorizedException");
      const sig = Buffer.from(s!, "base64url");
      sig[10] ^= 1;
      expectError(await getKey(`${h}.${p}.${sig.toString("base64url")}`), 401, "UnauthorizedException");
      expectError(await getKey(`${h}.${p}.${s}AA`), 401, "UnauthorizedException");
      assert.equal((await getKey(tokenA)).status, 200, "the untouched token still works");
    });

    it("a token accepted before its expiry is refused at and after it, and the same token from the same caller again", async () => {
      clock.offset = 0;
      const exp = (JSON.parse(Buffer.from(tokenA.split(".")[1]!, "base64url").toString("utf8")) as { exp: number }).exp;
      assert.equal((await getKey(tokenA)).status, 200);
      clock.offset = exp * 1000 - Date.now(); // exactly at exp: already expired (exp is exclusive)
      expectError(await getKey(tokenA, local.admin, at(clock.offset)), 401, "UnauthorizedException", /expired/);
      expectError(await getKey(tokenA, local.admin, at(clock.offset)), 401, "UnauthorizedException", /expired/);
      clock.offset = exp * 1000 - Date.now() - 1500; // a second before: still valid
      assert.equal((await getKey(tokenA, local.admin, at(clock.offset))).status, 200);
      clock.offset = 0;
    });

    it("the SDK surfaces these as the named exceptions", async () => {
      const role = local.clientsFor(roleCreds);
      await assert.rejects(role.data.send(new GetResourceApiKeyCommand({ workloadIdentityToken: tokenB, resourceCredentialProviderName: "openai" })), { name: "AccessDeniedException" });
      await assert.rejects(role.data.send(new GetResourceApiKeyCommand({ workloadIdentityToken: "x", resourceCredentialProviderName: "openai" })), { name: "UnauthorizedException" });
    });
  });
});
