/**
 * The notebook's cells against `AGENTCORE_TARGET=aws`, through the library, up to the SDK call
 * boundary: provider → configure → launch (container: ECR repository, execution role and policy,
 * `docker buildx build --platform linux/arm64`, GetAuthorizationToken, `docker login`, `push`,
 * CreateAgentRuntime with the image and role, retried while the new role propagates) → the
 * tutorial's extra policy → waitUntilReady → invoke (JSON and streamed) → launch again (a new
 * version) → cleanup in dependency order. AWS answers through fake-aws.ts; docker is a recording
 * executable (fake-docker.ts). Everything the library sends is checked as the SDK serialized it.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { copyFileSync, mkdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { session, type Session } from "../../lib/session.js";
import { Ledger } from "../../lib/agentcore/ledger.js";
import { createApiKeyCredentialProvider } from "../../lib/agentcore/identity.js";
import { executionRoleName, putRolePolicy, tutorialOutboundPolicy } from "../../lib/agentcore/iam.js";
import { Runtime, isRolePropagationError } from "../../lib/agentcore/runtime.js";
import { cleanup } from "../../lib/agentcore/cleanup.js";
import { ACCOUNT, FakeAws, callerIdentity, restJson, restJsonError, type RecordedCall } from "./fake-aws.js";
import { cleanAwsEnv, LOCAL_ADMIN_KEY, LOCAL_ADMIN_SECRET, type AwsEnv } from "./env.js";
import { installFakeDocker, type EngineRun } from "./fake-docker.js";
import { answerRepositoryAndRole } from "./repository-and-role.js";

const PROJECT = resolve(import.meta.dirname, "..", "..");
const FIXTURE = join(PROJECT, "test", "lib", "fixtures", "echo_agent.ts");
const REGION = "us-west-2";
const KEY_ID = "AKIA_ENV_EXAMPLE_002";
const SECRET = "envSecretAccessKeyExample0000000000000002";
const API_KEY = "sk-proj-tutorialSecretApiKey0000a1b2";
const ECR_PASSWORD = "ecrRegistryPasswordThatStaysOnStdin";
const AGENT = "strands_agents_openai";
const USER = "userid_1234567890";
const REGISTRY = `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com`;
const REPO = `bedrock-agentcore-${AGENT}`;
const ROLE = executionRoleName(REGION, AGENT);
const ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/${ROLE}`;
const RUNTIME_ID = `${AGENT}-AbCdE12345`;
const RUNTIME_ARN = `arn:aws:bedrock-agentcore:${REGION}:${ACCOUNT}:runtime/${RUNTIME_ID}`;

let env: AwsEnv;
let s: Session;
let docker: { runs: () => EngineRun[] };
let entry: string;
const fake = new FakeAws();
const lines: string[] = [];
const log = (l: string) => lines.push(l);

/** AWS's side of the story: just enough state to answer each call as AWS would. */
const world = {
  repository: false,
  role: false,
  /** The tags CreateRole was given, answered back by GetRole as IAM does. */
  roleTags: [] as { Key: string; Value: string }[],
  runtime: undefined as undefined | { version: number; reads: number; deleted: boolean },
  createAttempts: 0,
};
const now = () => new Date().toISOString();
const form = (c: RecordedCall) => new URLSearchParams(c.body);

function installWorld(): void {
  answerRepositoryAndRole(fake, world, { region: REGION, repositoryName: REPO, roleName: ROLE, roleArn: ROLE_ARN, ecrPassword: ECR_PASSWORD });
  fake
    .on("GetCallerIdentity", callerIdentity())
    .on("CreateApiKeyCredentialProvider", (c) => {
      const { name } = JSON.parse(c.body) as { name: string };
      return restJson(201, {
        name,
        credentialProviderArn: `arn:aws:bedrock-agentcore:${REGION}:${ACCOUNT}:token-vault/default/apikeycredentialprovider/${name}`,
        apiKeySecretArn: { secretArn: `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:bedrock-agentcore-identity!default/apikey/${name}-AbCdEf` },
      });
    })
    .on("ListAgentRuntimes", () => restJson(200, { agentRuntimes: [] }))
    .on("CreateAgentRuntime", () => {
      // The first attempt meets a role AWS cannot assume yet, as right after CreateRole.
      if (++world.createAttempts === 1) {
        return restJsonError(400, "ValidationException", `Role validation failed for '${ROLE_ARN}'. Please verify that the role exists and its trust policy allows assumption by this service`);
      }
      world.runtime = { version: 1, reads: 0, deleted: false };
      return restJson(202, { agentRuntimeArn: RUNTIME_ARN, agentRuntimeId: RUNTIME_ID, agentRuntimeVersion: "1", createdAt: now(), status: "CREATING" });
    })
    .on("UpdateAgentRuntime", () => {
      const r = world.runtime!;
      r.version += 1;
      r.reads = 0;
      return restJson(202, { agentRuntimeArn: RUNTIME_ARN, agentRuntimeId: RUNTIME_ID, agentRuntimeVersion: String(r.version), createdAt: now(), lastUpdatedAt: now(), status: "UPDATING" });
    })
    .on("GetAgentRuntime", () => {
      const r = world.runtime;
      if (!r || (r.deleted && r.reads++ > 0)) return restJsonError(404, "ResourceNotFoundException", `AgentRuntime not found: ${RUNTIME_ID}`);
      const status = r.deleted ? "DELETING" : r.reads++ === 0 ? (r.version === 1 ? "CREATING" : "UPDATING") : "READY";
      return restJson(200, {
        agentRuntimeArn: RUNTIME_ARN,
        agentRuntimeName: AGENT,
        agentRuntimeId: RUNTIME_ID,
        agentRuntimeVersion: String(r.version),
        createdAt: now(),
        lastUpdatedAt: now(),
        roleArn: ROLE_ARN,
        status,
        lifecycleConfiguration: { idleRuntimeSessionTimeout: 900, maxLifetime: 28800 },
        networkConfiguration: { networkMode: "PUBLIC" },
      });
    })
    .on("GetAgentRuntimeEndpoint", () =>
      restJson(200, {
        agentRuntimeEndpointArn: `${RUNTIME_ARN}/runtime-endpoint/DEFAULT`,
        agentRuntimeArn: RUNTIME_ARN,
        status: "READY",
        createdAt: now(),
        lastUpdatedAt: now(),
        name: "DEFAULT",
        id: "DEFAULT",
        liveVersion: String(world.runtime?.version ?? 1),
      }),
    )
    .on("InvokeAgentRuntime", (c) => {
      const sessionHeader = { "x-amzn-bedrock-agentcore-runtime-session-id": c.headers["x-amzn-bedrock-agentcore-runtime-session-id"]! };
      const prompt = (JSON.parse(c.body) as { prompt: string }).prompt;
      if (c.headers["accept"]?.includes("text/event-stream")) {
        return { status: 200, headers: { "content-type": "text/event-stream", ...sessionHeader }, body: prompt.split(" ").map((w) => `data: ${JSON.stringify({ word: w })}\n\n`).join("") };
      }
      return restJson(200, { echo: prompt }, sessionHeader);
    })
    .on("DeleteAgentRuntime", () => ((world.runtime!.deleted = true), (world.runtime!.reads = 0), restJson(202, { status: "DELETING", agentRuntimeId: RUNTIME_ID })))
    .on("DeleteApiKeyCredentialProvider", () => restJson(204, undefined));
}

before(async () => {
  env = cleanAwsEnv({ AGENTCORE_TARGET: "aws", AWS_REGION: REGION, AWS_ACCESS_KEY_ID: KEY_ID, AWS_SECRET_ACCESS_KEY: SECRET });
  docker = installFakeDocker(env.dir);
  const notebookDir = join(env.dir, "notebooks");
  mkdirSync(notebookDir);
  entry = join(notebookDir, `${AGENT}.ts`);
  copyFileSync(FIXTURE, entry);
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
let image = "";

test("provider and configure: recorded in the ledger of the aws target, a container deploy by default", async () => {
  const provider = await createApiKeyCredentialProvider({ name: "openai-apikey-provider", apiKey: API_KEY }, { session: s, ledger: ledger(), log });
  assert.equal(provider.action, "created");
  const create = fake.one("CreateApiKeyCredentialProvider");
  assert.equal(`${create.method} ${create.host}${create.path}`, `POST bedrock-agentcore-control.${REGION}.amazonaws.com/identities/CreateApiKeyCredentialProvider`);
  const providerEntry = ledger().entries().find((e) => e.kind === "credential-provider")!;
  assert.deepEqual(JSON.parse(create.body), { name: "openai-apikey-provider", apiKey: API_KEY, tags: { "agentcore-kit:ledger-entry": providerEntry.id } }, "tagged as this ledger's");

  runtime = new Runtime({ session: s, ledger: ledger(), log, progress: "silent" });
  const configured = await runtime.configure({ entrypoint: entry, agentName: AGENT, autoCreateExecutionRole: true, autoCreateEcr: true, region: REGION, projectDir: PROJECT });
  assert.equal(configured.target, "aws");
  assert.equal(configured.deploymentType, "container");
  assert.equal(configured.accountId, ACCOUNT);
  assert.equal(configured.ecrRepository, REPO);
  const dockerfile = readFileSync(configured.dockerfilePath, "utf8");
  assert.match(dockerfile, /^FROM --platform=linux\/arm64 /m);
  assert.match(dockerfile, new RegExp(`AWS_REGION="${REGION}"`));
  assert.match(dockerfile, /^EXPOSE 8080$/m);
  assert.match(dockerfile, /^USER 1000:1000$/m);
});

test("launch: repository, role and policy, arm64 build, ECR login and push, then CreateAgentRuntime with the image and role", async () => {
  const before = fake.calls.length;
  const result = await runtime.launch({ envVars: { API_KEY_PROVIDER_NAME: "openai-apikey-provider", OPENAI_PROVIDER: "openai" } });
  assert.equal(result.mode, "container");
  assert.equal(result.action, "created");
  assert.equal(result.agentArn, RUNTIME_ARN);
  assert.equal(result.roleArn, ROLE_ARN);
  image = result.ecrUri!;
  assert.match(image, new RegExp(`^${REGISTRY}/${REPO}:\\d{8}-\\d{6}-\\d{3}$`));

  assert.deepEqual(fake.sequence().slice(before), [
    "ecr:DescribeRepositories",
    "ecr:CreateRepository",
    "iam:GetRole",
    "iam:CreateRole",
    "iam:GetRole", // putRolePolicy: the role is ours (its tag names the ledger entry)
    "iam:PutRolePolicy",
    "ecr:GetAuthorizationToken",
    "control:ListAgentRuntimes",
    "control:CreateAgentRuntime", // Role validation failed: the role is still propagating
    "control:CreateAgentRuntime",
  ]);

  const createRepo = fake.one("CreateRepository");
  assert.equal(createRepo.host, `api.ecr.${REGION}.amazonaws.com`);
  assert.equal(createRepo.headers["x-amz-target"], "AmazonEC2ContainerRegistry_V20150921.CreateRepository");
  assert.deepEqual(JSON.parse(createRepo.body), { repositoryName: REPO });

  const createRole = form(fake.one("CreateRole"));
  assert.equal(createRole.get("Action"), "CreateRole");
  assert.equal(createRole.get("RoleName"), ROLE);
  assert.equal(ROLE.startsWith("AgentCoreKitRuntime-"), true, "a name of its own, not the Python toolkit's");
  const roleEntry = ledger().entries().find((e) => e.kind === "iam-role")!;
  assert.equal(createRole.get("Tags.member.1.Key"), "agentcore-kit:ledger-entry");
  assert.equal(createRole.get("Tags.member.1.Value"), roleEntry.id);
  const trust = JSON.parse(createRole.get("AssumeRolePolicyDocument")!);
  assert.deepEqual(trust.Statement[0].Principal, { Service: "bedrock-agentcore.amazonaws.com" });
  assert.deepEqual(trust.Statement[0].Condition, {
    StringEquals: { "aws:SourceAccount": ACCOUNT },
    ArnLike: { "aws:SourceArn": `arn:aws:bedrock-agentcore:${REGION}:${ACCOUNT}:*` },
  });
  const base = form(fake.one("PutRolePolicy"));
  assert.equal(base.get("PolicyName"), `BedrockAgentCoreRuntimeExecutionPolicy-${AGENT}`);
  const basePolicy = JSON.parse(base.get("PolicyDocument")!);
  const pull = basePolicy.Statement.find((x: { Sid: string }) => x.Sid === "ECRImageAccess");
  assert.deepEqual(pull.Resource, [`arn:aws:ecr:${REGION}:${ACCOUNT}:repository/${REPO}`], "the role may pull exactly this repository");
  assert.ok(!JSON.stringify(basePolicy).includes("GetResourceApiKey"), "the key is the tutorial's extra step, not the base policy");

  // The command lines zx ran, in order; the registry password only ever on stdin.
  const context = join(resolve(entry, ".."), ".agentcore-build", AGENT, "context");
  assert.deepEqual(docker.runs(), [
    { argv: ["info"], stdin: "" },
    { argv: ["buildx", "build", "--platform", "linux/arm64", "-f", join(context, "Dockerfile"), "-t", image, "--load", context], stdin: "" },
    { argv: ["login", "--username", "AWS", "--password-stdin", REGISTRY], stdin: ECR_PASSWORD },
    { argv: ["push", image], stdin: "" },
  ]);
  assert.match(readFileSync(join(context, "Dockerfile"), "utf8"), /^FROM --platform=linux\/arm64 /m);
  // The agent is bundled by esbuild; package.json names only what stays in node_modules (packages loaded through createRequire).
  const contextPackage = JSON.parse(readFileSync(join(context, "package.json"), "utf8"));
  assert.equal(contextPackage.type, "module");
  assert.ok(contextPackage.dependencies["@fastify/sse"], "the context holds the agent's package.json");
  assert.equal(contextPackage.dependencies["bedrock-agentcore"], undefined, "bundled packages are not installed again");

  const creates = fake.find("CreateAgentRuntime");
  const sent = JSON.parse(creates[1]!.body);
  assert.equal(`${creates[1]!.method} ${creates[1]!.host}${creates[1]!.path}`, `PUT bedrock-agentcore-control.${REGION}.amazonaws.com/runtimes/`);
  assert.equal(sent.agentRuntimeName, AGENT);
  assert.deepEqual(sent.agentRuntimeArtifact, { containerConfiguration: { containerUri: image } });
  assert.equal(sent.roleArn, ROLE_ARN);
  assert.deepEqual(sent.networkConfiguration, { networkMode: "PUBLIC" });
  assert.deepEqual(sent.environmentVariables, { API_KEY_PROVIDER_NAME: "openai-apikey-provider", OPENAI_PROVIDER: "openai" });
  assert.match(sent.clientToken, /^[0-9a-f-]{36}$/, "the SDK fills the idempotency token");
  const runtimeEntry = ledger().entries().find((e) => e.kind === "agent-runtime")!;
  assert.deepEqual(sent.tags, { "agentcore-kit:ledger-entry": runtimeEntry.id });

  // Everything created is in the ledger, for the aws target of this account and region.
  const kinds = ledger().entries().map((e) => [e.kind, e.target, e.accountId, e.state]);
  for (const k of ["credential-provider", "ecr-repository", "iam-role", "iam-role-policy", "ecr-image", "agent-runtime"]) {
    assert.ok(kinds.some(([kind, target, account, state]) => kind === k && target === "aws" && account === ACCOUNT && state === "created"), `${k} recorded`);
  }
  assert.equal(ledger().entries().filter((e) => e.kind === "agent-runtime").length, 1, "the refused attempt left no second entry");
});

test("the tutorial's extra policy, then waitUntilReady polls runtime and DEFAULT endpoint to READY", async () => {
  await putRolePolicy(ROLE_ARN, "outbound_policies", tutorialOutboundPolicy(), { session: s, ledger: ledger(), log });
  const put = form(fake.find("PutRolePolicy").at(-1)!);
  assert.equal(put.get("RoleName"), ROLE, "the role's name, taken from its ARN");
  assert.equal(put.get("PolicyName"), "outbound_policies");
  assert.deepEqual(JSON.parse(put.get("PolicyDocument")!).Statement[0].Action, ["bedrock-agentcore:GetResourceApiKey"]);

  const ready = await runtime.waitUntilReady();
  assert.equal(ready.agent?.status, "READY");
  assert.equal(ready.endpoint?.status, "READY");
  const get = fake.find("GetAgentRuntimeEndpoint").at(-1)!;
  assert.equal(`${get.method} ${get.path}`, `GET /runtimes/${RUNTIME_ID}/runtime-endpoints/DEFAULT/`);
});

test("invoke: InvokeAgentRuntime on the data plane with runtimeUserId, qualifier DEFAULT and a JSON body; streamed too", async () => {
  const answer = await runtime.invoke({ prompt: "Hello" }, { userId: USER });
  assert.deepEqual(answer.response, { echo: "Hello" });
  const call = fake.find("InvokeAgentRuntime").at(-1)!;
  assert.equal(call.method, "POST");
  assert.equal(call.host, `bedrock-agentcore.${REGION}.amazonaws.com`);
  assert.equal(call.path, `/runtimes/${encodeURIComponent(RUNTIME_ARN)}/invocations`);
  assert.deepEqual(call.query, { qualifier: "DEFAULT" });
  assert.equal(call.headers["x-amzn-bedrock-agentcore-runtime-user-id"], USER);
  assert.equal(call.headers["content-type"], "application/json");
  assert.equal(call.headers["accept"], "application/json");
  assert.equal(call.credentialScope?.service, "bedrock-agentcore");
  const sessionId = call.headers["x-amzn-bedrock-agentcore-runtime-session-id"]!;
  assert.ok(sessionId.length >= 33);
  assert.equal(answer.sessionId, sessionId);
  assert.deepEqual(JSON.parse(call.body), { prompt: "Hello" });

  const stream = await runtime.invoke({ prompt: "How much is 2X2?" }, { userId: USER, stream: true });
  const chunks: unknown[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  assert.deepEqual(chunks, [{ word: "How" }, { word: "much" }, { word: "is" }, { word: "2X2?" }]);
  const streamed = fake.find("InvokeAgentRuntime").at(-1)!;
  assert.equal(streamed.headers["accept"], "text/event-stream, application/json");
  assert.equal(streamed.headers["x-amzn-bedrock-agentcore-runtime-session-id"], sessionId, "the same session id is reused");
});

test("launch again: a new image and UpdateAgentRuntime (a new version), nothing recreated", async () => {
  const before = fake.calls.length;
  const pushesBefore = docker.runs().filter((r) => r.argv[0] === "push").length;
  await new Promise((r) => setTimeout(r, 5)); // a distinct image tag (milliseconds)
  const again = await runtime.launch({ envVars: { API_KEY_PROVIDER_NAME: "openai-apikey-provider", OPENAI_PROVIDER: "openai" } });
  assert.equal(again.action, "updated");
  assert.equal(again.agentRuntimeVersion, "2");
  assert.notEqual(again.ecrUri, image);
  const calls = fake.sequence().slice(before);
  assert.deepEqual(
    calls.filter((c) => !c.endsWith(":GetAgentRuntime")),
    ["ecr:DescribeRepositories", "iam:GetRole", "ecr:GetAuthorizationToken", "control:UpdateAgentRuntime"],
  );
  const update = fake.one("UpdateAgentRuntime");
  assert.equal(`${update.method} ${update.path}`, `PUT /runtimes/${RUNTIME_ID}/`);
  assert.deepEqual(JSON.parse(update.body).agentRuntimeArtifact, { containerConfiguration: { containerUri: again.ecrUri } });
  assert.equal(docker.runs().filter((r) => r.argv[0] === "push").length, pushesBefore + 1);
  await runtime.waitUntilReady();
});

test("cleanup: runtime, images, repository, role policies, role, provider, in that order; ledger empty; no secret anywhere", async () => {
  const before = fake.calls.length;
  const report = await cleanup({ session: s, ledger: ledger(), log });
  assert.equal(report.ok, true, JSON.stringify(report.steps));
  const deletes = fake.sequence().slice(before).filter((c) => !/:(GetAgentRuntime|GetRole|ListRolePolicies|ListAttachedRolePolicies)$/.test(c));
  assert.deepEqual(deletes, [
    "control:DeleteAgentRuntime",
    "ecr:BatchDeleteImage",
    "ecr:BatchDeleteImage",
    "ecr:DeleteRepository",
    "iam:DeleteRolePolicy",
    "iam:DeleteRolePolicy",
    "iam:DeleteRole",
    "control:DeleteApiKeyCredentialProvider",
  ]);
  // The runtime is gone (GetAgentRuntime 404) before the role it uses is touched.
  const seq = fake.sequence().slice(before);
  assert.ok(seq.lastIndexOf("control:GetAgentRuntime") < seq.indexOf("iam:DeleteRolePolicy"));
  assert.equal(JSON.parse(fake.one("DeleteRepository").body).force, true);
  const del = fake.one("DeleteAgentRuntime");
  assert.equal(`${del.method} ${del.host}${del.path}`, `DELETE bedrock-agentcore-control.${REGION}.amazonaws.com/runtimes/${RUNTIME_ID}/`);
  assert.deepEqual(JSON.parse(fake.one("DeleteApiKeyCredentialProvider").body), { name: "openai-apikey-provider" });
  assert.deepEqual(ledger().entries(), []);

  // Every call: this region's AWS hosts (IAM global), the environment's key, never Local AgentCore's.
  for (const c of fake.calls) {
    assert.match(c.host, c.client === "iam" ? /^iam\.amazonaws\.com$/ : new RegExp(`\\.${REGION}\\.amazonaws\\.com$`), `${c.operation} host`);
    assert.equal(c.credentialScope?.accessKeyId, KEY_ID);
    const text = JSON.stringify(c.headers);
    assert.ok(!text.includes(LOCAL_ADMIN_KEY) && !text.includes(LOCAL_ADMIN_SECRET) && !text.includes(SECRET));
  }
  const output = lines.join("\n");
  for (const secret of [API_KEY, ECR_PASSWORD, SECRET]) assert.ok(!output.includes(secret), "no secret in the library's log lines");
  assert.match(output, /…a1b2/, "the key is shown masked");
  assert.ok(!readFileSync(join(env.dir, ".agentcore-ledger.json"), "utf8").includes(API_KEY));
});

test("only a role that is still propagating is retried; a malformed role ARN fails at once", () => {
  const err = (message: string, name = "ValidationException") => Object.assign(new Error(message), { name });
  assert.equal(isRolePropagationError(err(`Role validation failed for '${ROLE_ARN}'. Please verify that the role exists and its trust policy allows assumption by this service`)), true);
  assert.equal(isRolePropagationError(err("1 validation error detected: Value 'x' at 'roleArn' failed to satisfy constraint: Member must satisfy regular expression pattern")), false);
  assert.equal(isRolePropagationError(err("User is not authorized to perform: iam:PassRole on resource: role", "AccessDeniedException")), false);
});
