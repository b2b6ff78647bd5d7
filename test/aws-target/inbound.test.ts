/**
 * Notebook 02's library calls against `AGENTCORE_TARGET=aws`, up to the SDK call boundary: no
 * Local AgentCore identity provider client or user is made on AWS (Cognito's are: cognito.test.ts); the
 * runtime is created with the learner's discovery URL and app client as its JWT authorizer and
 * `Authorization` on its header allowlist, as the SDK serializes CreateAgentRuntime; AWS's
 * "Authorization method mismatch" answer to a SigV4 invoke comes back as an InvokeError that says
 * to send the caller's JWT; cleanup deletes the runtime, image, repository and role. AWS answers
 * through fake-aws.ts, docker is the recording fake-docker.ts.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { copyFileSync, mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { session, type Session } from "../../lib/session.js";
import { Ledger } from "../../lib/agentcore/ledger.js";
import { createIdpClient } from "../../lib/agentcore/idp-client.js";
import { createIdpUser } from "../../lib/agentcore/idp-user.js";
import { executionRoleName } from "../../lib/agentcore/iam.js";
import { InvokeError } from "../../lib/agentcore/invoke.js";
import { Runtime } from "../../lib/agentcore/runtime.js";
import { cleanup } from "../../lib/agentcore/cleanup.js";
import { ACCOUNT, FakeAws, callerIdentity, restJson, restJsonError } from "./fake-aws.js";
import { cleanAwsEnv, type AwsEnv } from "./env.js";
import { installFakeDocker } from "./fake-docker.js";
import { answerRepositoryAndRole } from "./repository-and-role.js";

const PROJECT = resolve(import.meta.dirname, "..", "..");
const AGENT_FILE = join(PROJECT, "assets", "agents", "inbound_jwt_whoami.ts");
const REGION = "us-west-2";
const AGENT = "inbound_jwt_whoami";
const DISCOVERY = "https://cognito-idp.us-west-2.amazonaws.com/us-west-2_AbCdEfGhI/.well-known/openid-configuration";
const CLIENT_ID = "3abc4defghijklmnopqrstuv5w";
const REPO = `bedrock-agentcore-${AGENT}`;
const ROLE = executionRoleName(REGION, AGENT);
const ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/${ROLE}`;
const RUNTIME_ID = `${AGENT}-AbCdE12345`;
const RUNTIME_ARN = `arn:aws:bedrock-agentcore:${REGION}:${ACCOUNT}:runtime/${RUNTIME_ID}`;
const MISMATCH = "Authorization method mismatch. The agent is configured for a different authorization method than what was used in your request. (OAuth or SigV4)";

let env: AwsEnv;
let s: Session;
let entry: string;
const fake = new FakeAws();
const lines: string[] = [];
const log = (l: string) => lines.push(l);
const world = { repository: false, role: false, roleTags: [] as { Key: string; Value: string }[], runtime: undefined as undefined | { reads: number; deleted: boolean } };
const now = () => new Date().toISOString();

function installWorld(): void {
  answerRepositoryAndRole(fake, world, { region: REGION, repositoryName: REPO, roleName: ROLE, roleArn: ROLE_ARN, ecrPassword: "ecrPasswordOnStdinOnly" });
  fake
    .on("GetCallerIdentity", callerIdentity())
    .on("ListAgentRuntimes", () => restJson(200, { agentRuntimes: [] }))
    .on("CreateAgentRuntime", () => {
      world.runtime = { reads: 0, deleted: false };
      return restJson(202, { agentRuntimeArn: RUNTIME_ARN, agentRuntimeId: RUNTIME_ID, agentRuntimeVersion: "1", createdAt: now(), status: "CREATING" });
    })
    .on("GetAgentRuntime", () => {
      const r = world.runtime;
      if (!r || (r.deleted && r.reads++ > 0)) return restJsonError(404, "ResourceNotFoundException", `AgentRuntime not found: ${RUNTIME_ID}`);
      const status = r.deleted ? "DELETING" : r.reads++ === 0 ? "CREATING" : "READY";
      return restJson(200, { agentRuntimeArn: RUNTIME_ARN, agentRuntimeName: AGENT, agentRuntimeId: RUNTIME_ID, agentRuntimeVersion: "1", createdAt: now(), lastUpdatedAt: now(), roleArn: ROLE_ARN, status, networkConfiguration: { networkMode: "PUBLIC" } });
    })
    .on("GetAgentRuntimeEndpoint", () =>
      restJson(200, { agentRuntimeEndpointArn: `${RUNTIME_ARN}/runtime-endpoint/DEFAULT`, agentRuntimeArn: RUNTIME_ARN, status: "READY", createdAt: now(), lastUpdatedAt: now(), name: "DEFAULT", id: "DEFAULT", liveVersion: "1" }),
    )
    // A runtime with a JWT authorizer answers a SigV4-signed call this way.
    .on("InvokeAgentRuntime", () => restJsonError(403, "AccessDeniedException", MISMATCH))
    .on("DeleteAgentRuntime", () => ((world.runtime!.deleted = true), (world.runtime!.reads = 0), restJson(202, { status: "DELETING", agentRuntimeId: RUNTIME_ID })));
}

before(async () => {
  env = cleanAwsEnv({ AGENTCORE_TARGET: "aws", AWS_REGION: REGION, AWS_ACCESS_KEY_ID: "AKIA_ENV_EXAMPLE_004", AWS_SECRET_ACCESS_KEY: "envSecretAccessKeyExample0000000000000004" });
  installFakeDocker(env.dir);
  const notebookDir = join(env.dir, "notebooks");
  mkdirSync(notebookDir);
  entry = join(notebookDir, `${AGENT}.ts`);
  copyFileSync(AGENT_FILE, entry);
  s = await session();
  fake.attach(s);
  installWorld();
});

after(() => {
  s?.close();
  env?.restore();
});

const ledger = () => new Ledger(env.dir);
let runtime: Runtime;

test("no Local AgentCore identity provider client or user is made on AWS: Cognito plays that part", async () => {
  await assert.rejects(createIdpUser({ username: "alice" }, { session: s, ledger: ledger(), log }), /on AWS, create the user in a Cognito user pool: createUserPool and createCognitoUser/);
  await assert.rejects(
    createIdpClient({ clientId: "whoami-web-app", scope: "openid", grantTypes: ["authorization_code"], redirectUris: ["http://localhost:8765/signed-in"] }, { session: s, ledger: ledger(), log }),
    /on AWS, create an app client in your Cognito user pool/,
  );
  assert.deepEqual(ledger().entries(), []);
  assert.deepEqual(fake.sequence().filter((op) => !op.endsWith("GetCallerIdentity")), [], "nothing was sent to AWS but who am I");
});

test("launch: CreateAgentRuntime carries the JWT authorizer (discovery URL, allowed client) and the Authorization allowlist", async () => {
  runtime = new Runtime({ session: s, ledger: ledger(), log, progress: "silent" });
  await runtime.configure({
    entrypoint: entry,
    agentName: AGENT,
    autoCreateExecutionRole: true,
    autoCreateEcr: true,
    region: REGION,
    projectDir: PROJECT,
    authorizerConfiguration: { customJWTAuthorizer: { discoveryUrl: DISCOVERY, allowedClients: [CLIENT_ID] } },
    requestHeaderAllowlist: ["Authorization"],
  });
  const result = await runtime.launch();
  assert.equal(result.agentArn, RUNTIME_ARN);
  const sent = JSON.parse(fake.one("CreateAgentRuntime").body);
  assert.deepEqual(sent.authorizerConfiguration, { customJWTAuthorizer: { discoveryUrl: DISCOVERY, allowedClients: [CLIENT_ID] } });
  assert.deepEqual(sent.requestHeaderConfiguration, { requestHeaderAllowlist: ["Authorization"] });
  assert.equal((await runtime.waitUntilReady()).endpoint?.status, "READY");
});

test("a SigV4 invoke of a JWT runtime: AWS's mismatch answer comes back saying to send the caller's JWT", async () => {
  const e = await runtime.invoke({ prompt: "Who am I?" }).catch((err: unknown) => err);
  assert.ok(e instanceof InvokeError, String(e));
  assert.equal(e.code, "AccessDeniedException");
  assert.equal(e.status, 403);
  assert.ok(e.message.includes(MISMATCH));
  assert.match(e.message, /This runtime has a JWT authorizer: invoke with the caller's JWT \(invoke\(payload, \{ bearerToken \}\)\)/);
  const call = fake.find("InvokeAgentRuntime").at(-1)!;
  assert.equal(call.host, `bedrock-agentcore.${REGION}.amazonaws.com`);
  assert.equal(call.credentialScope?.service, "bedrock-agentcore", "it was SigV4-signed");
});

test("cleanup deletes the runtime, image, repository, role policy and role; the ledger is empty", async () => {
  const report = await cleanup({ session: s, ledger: ledger(), log, runtimeDeleteTimeoutMs: 30_000 });
  assert.equal(report.ok, true);
  for (const op of ["DeleteAgentRuntime", "BatchDeleteImage", "DeleteRepository", "DeleteRolePolicy", "DeleteRole"]) assert.ok(fake.find(op).length > 0, `${op} sent`);
  assert.deepEqual(ledger().entries(), []);
});
