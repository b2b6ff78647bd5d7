/**
 * GetWorkloadAccessTokenForJWT against a real OpenID discovery server on loopback (which counts the
 * requests it gets): IAM is asked before anything else, so a caller without permission gets
 * AccessDeniedException and causes no outbound fetch; the token's issuer must be the discovery
 * document's, and only asymmetric algorithms are accepted (an HS256 token made with a symmetric key
 * that the key set happens to publish, or an unsigned one, is refused).
 */
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from "jose";
import { CreateRoleCommand } from "@aws-sdk/client-iam";
import { AssumeRoleCommand } from "@aws-sdk/client-sts";
import { CreateAgentRuntimeCommand } from "@aws-sdk/client-bedrock-agentcore-control";
import { GetWorkloadAccessTokenForJWTCommand } from "@aws-sdk/client-bedrock-agentcore";
import { startTestLocal, type TestLocal } from "../helpers/local.js";
import { codeArtifact, createRole, putCodeBundle } from "../runtime-control/setup.js";
import { rejects } from "./expect.js";

const HMAC_SECRET = Buffer.from("a symmetric key some identity providers publish by mistake");

describe("GetWorkloadAccessTokenForJWT", () => {
  let t: TestLocal;
  let discovery: Server;
  let issuer: string;
  let requests = 0;
  let privateKey: CryptoKey;
  let workloadName: string;

  before(async () => {
    const pair = await generateKeyPair("RS256", { extractable: true });
    privateKey = pair.privateKey;
    const publicJwk = { ...(await exportJWK(pair.publicKey)), kid: "rsa-1", alg: "RS256", use: "sig" };
    const octJwk = { kty: "oct", k: HMAC_SECRET.toString("base64url"), kid: "hmac-1" };
    discovery = createServer((req, res) => {
      requests++;
      const body =
        req.url === "/.well-known/openid-configuration"
          ? { issuer, jwks_uri: `${issuer}/jwks` }
          : req.url === "/jwks"
            ? { keys: [publicJwk, octJwk] }
            : undefined;
      res.writeHead(body ? 200 : 404, { "content-type": "application/json" });
      res.end(JSON.stringify(body ?? {}));
    });
    await new Promise<void>((resolve) => discovery.listen(0, "127.0.0.1", resolve));
    issuer = `http://127.0.0.1:${(discovery.address() as AddressInfo).port}`;

    t = await startTestLocal();
    const roleArn = await createRole(t, "jwt-agent-role");
    putCodeBundle(t, "jwt-bundles", "agent.zip");
    const runtime = await t.clients.control.send(
      new CreateAgentRuntimeCommand({
        agentRuntimeName: "jwt_agent",
        roleArn,
        agentRuntimeArtifact: codeArtifact("jwt-bundles", "agent.zip"),
        networkConfiguration: { networkMode: "PUBLIC" },
        authorizerConfiguration: { customJWTAuthorizer: { discoveryUrl: `${issuer}/.well-known/openid-configuration`, allowedAudience: ["my-app"] } },
      }),
    );
    const arn = runtime.workloadIdentityDetails!.workloadIdentityArn!;
    workloadName = arn.slice(arn.lastIndexOf("/") + 1);
  });

  after(async () => {
    await t?.stop();
    discovery?.close();
  });

  const userToken = (opts: { iss?: string; alg?: "RS256" | "HS256"; sub?: string } = {}) => {
    const alg = opts.alg ?? "RS256";
    const jwt = new SignJWT({})
      .setProtectedHeader({ alg, kid: alg === "RS256" ? "rsa-1" : "hmac-1" })
      .setIssuer(opts.iss ?? issuer)
      .setAudience("my-app")
      .setSubject(opts.sub ?? "user-42")
      .setIssuedAt()
      .setExpirationTime("10m");
    return jwt.sign(alg === "RS256" ? privateKey : HMAC_SECRET);
  };

  it("a caller without permission is denied before any outbound fetch", async () => {
    const trust = JSON.stringify({
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Principal: { AWS: `arn:aws:iam::${t.accountId}:root` }, Action: "sts:AssumeRole" }],
    });
    await t.clients.iam.send(new CreateRoleCommand({ RoleName: "no-permissions", AssumeRolePolicyDocument: trust }));
    const out = await t.clients.sts.send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${t.accountId}:role/no-permissions`, RoleSessionName: "denied" }));
    const session = t.clientsFor({
      accessKeyId: out.Credentials!.AccessKeyId!,
      secretAccessKey: out.Credentials!.SecretAccessKey!,
      sessionToken: out.Credentials!.SessionToken!,
    });
    await rejects(() => session.data.send(new GetWorkloadAccessTokenForJWTCommand({ workloadName, userToken: "not.even.a-jwt" })), "AccessDeniedException", 403);
    const valid = await userToken();
    await rejects(() => session.data.send(new GetWorkloadAccessTokenForJWTCommand({ workloadName, userToken: valid })), "AccessDeniedException", 403);
    // Nor does it learn whether a workload identity exists.
    await rejects(() => session.data.send(new GetWorkloadAccessTokenForJWTCommand({ workloadName: "no_such_workload", userToken: "x.y.z" })), "AccessDeniedException", 403);
    assert.equal(requests, 0, "the discovery server was contacted for a caller IAM denies");
  });

  it("a valid RS256 token from the discovery document's issuer gets a workload access token", async () => {
    const out = await t.clients.data.send(new GetWorkloadAccessTokenForJWTCommand({ workloadName, userToken: await userToken() }));
    assert.ok(out.workloadAccessToken);
    assert.ok(requests >= 2, "the discovery document and the key set were fetched");
  });

  it("a token from another issuer, signed with the right key, is refused", async () => {
    const foreign = await userToken({ iss: "https://attacker.example" });
    await rejects(() => t.clients.data.send(new GetWorkloadAccessTokenForJWTCommand({ workloadName, userToken: foreign })), "UnauthorizedException", 401);
  });

  it("HS256 with a symmetric key from the key set is refused (asymmetric algorithms only)", async () => {
    const hs = await userToken({ alg: "HS256" });
    await rejects(() => t.clients.data.send(new GetWorkloadAccessTokenForJWTCommand({ workloadName, userToken: hs })), "UnauthorizedException", 401);
  });

  it("an unsigned token (alg none) is refused", async () => {
    const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString("base64url");
    const now = Math.floor(Date.now() / 1000);
    // A non-empty third part: the model's pattern requires one, and a careless verifier ignores it.
    const none = `${b64({ alg: "none" })}.${b64({ iss: issuer, aud: "my-app", sub: "user-42", iat: now, exp: now + 600 })}.AA`;
    await rejects(() => t.clients.data.send(new GetWorkloadAccessTokenForJWTCommand({ workloadName, userToken: none })), "UnauthorizedException", 401);
  });
});
