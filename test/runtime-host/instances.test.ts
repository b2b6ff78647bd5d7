/**
 * The runtime host's mechanics with a small node:http agent deployed as a real code bundle, driven
 * through the real InvokeAgentRuntimeCommand / StopRuntimeSessionCommand: one instance per session,
 * reuse, StopRuntimeSession, idle reaping (and HealthyBusy), crashes and failures as 424 (a
 * fresh instance after a crash, the same one after an error status), forwarded headers and
 * environment, role credentials, the instance limit, logs with secrets redacted, the dependency
 * cache, and no process left after close().
 */
import assert from "node:assert/strict";
import { existsSync, lstatSync, readFileSync, readlinkSync, realpathSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { InvokeAgentRuntimeCommand, StopRuntimeSessionCommand } from "@aws-sdk/client-bedrock-agentcore";
import { CreateApiKeyCredentialProviderCommand, UpdateAgentRuntimeCommand } from "@aws-sdk/client-bedrock-agentcore-control";
import { Store } from "../../lib/local/state/store.js";
import { createVault } from "../../lib/local/state/vault.js";
import { KIND_APIKEY_PROVIDER } from "../../lib/local/services/identity/records.js";
import { startTestLocal, type TestLocal } from "../helpers/local.js";
import { rejection } from "../runtime-control/setup.js";
import { agentLogFile, printAgentLogs } from "../../lib/local/runtime-host/agent-logs.js";
import { versionDir } from "../../lib/local/runtime-host/code-bundle.js";
import { createRole, deployBundle, echoBundle, invokeJson, isAlive, processesMentioning, sessionId, settledRuntime, uploadBundle, until } from "./setup.js";

let local: TestLocal;
let runtime: { id: string; arn: string };
const lines: string[] = [];
const host = () => local.server.runtimeHost;

before(async () => {
  local = await startTestLocal();
  local.server.services.log = (line) => lines.push(line);
  const roleArn = await createRole(local, "echo-agent-role");
  runtime = await deployBundle(local, { name: "echo_agent", roleArn, key: "echo/v1.zip", zip: echoBundle(), idle: 60, environmentVariables: { GREETING: "hello" } });
});
after(() => local?.stop());

test("two sessions get two instances, the same session reuses its instance; headers and environment reach the agent", async () => {
  const a = sessionId("a");
  const b = sessionId("b");
  const first = await invokeJson(local, {
    agentRuntimeArn: runtime.arn,
    runtimeSessionId: a,
    payload: { prompt: "hi" }, // no contentType: the SDK sends application/octet-stream
    accept: "application/json",
  });
  assert.equal(first.status, 200);
  assert.deepEqual(first.body.echo, { prompt: "hi" });
  assert.equal(first.body.tag, "echo-dep 1.0.0", "the dependency came from the bundle's node_modules");
  const h = first.body.headers;
  assert.equal(h["content-type"], "application/json", "octet-stream with a JSON body is forwarded as JSON");
  assert.equal(h["accept"], "application/json");
  assert.equal(h["x-amzn-bedrock-agentcore-runtime-session-id"], a);
  assert.match(h["x-amzn-bedrock-agentcore-runtime-request-id"], /^[0-9a-f-]{36}$/);
  assert.equal(h["workloadaccesstoken"], undefined, "no user id: no workload access token, as AWS does");
  const env = first.body.env;
  assert.equal(env.AWS_REGION, local.region);
  assert.equal(env.AWS_DEFAULT_REGION, local.region);
  assert.equal(env.AWS_ENDPOINT_URL, local.endpoint);
  assert.equal(env.AWS_ENDPOINT_URL_BEDROCK_AGENTCORE, local.endpoint);
  assert.equal(env.DOCKER_CONTAINER, "1");
  assert.equal(env.GREETING, "hello");
  assert.equal(env.AWS_CONTAINER_CREDENTIALS_FULL_URI, "(set)");
  assert.equal(env.AWS_ACCESS_KEY_ID, undefined, "Local AgentCore's own keys never reach the agent");
  assert.equal(env.AWS_SECRET_ACCESS_KEY, undefined);
  assert.ok(Number(env.PORT) > 0);

  const again = await invokeJson(local, { agentRuntimeArn: runtime.arn, runtimeSessionId: a, payload: { n: 2 }, contentType: "application/json" });
  assert.equal(again.body.pid, first.body.pid, "same session, same instance");
  const other = await invokeJson(local, {
    agentRuntimeArn: runtime.id,
    accountId: local.accountId, // a bare runtime id with its account works too
    runtimeSessionId: b,
    runtimeUserId: "user-7",
    payload: { n: 3 },
    contentType: "application/json",
  });
  assert.notEqual(other.body.pid, first.body.pid, "another session, another instance");
  assert.match(other.body.headers["workloadaccesstoken"], /^eyJ[\w-]+\.[\w-]+\.[\w-]+$/, "a user id brings a workload access token");
  assert.equal(other.body.headers["x-amz-bedrock-agentcore-identity-wat"], other.body.headers["workloadaccesstoken"]);
  assert.equal(host().instances().length, 2);

  const rid = lines.find((l) => l.includes(`invoke accepted: runtime ${runtime.id}`) && l.includes(b))!.match(/^\[([^\]]+)\]/)![1]!;
  const joined = lines.filter((l) => l.startsWith(`[${rid}]`)).join("\n");
  assert.match(joined, /invoke accepted/);
  assert.match(joined, /workload access token minted for .* \(user user-7\)/);
  assert.match(joined, /instance inst-\w+ started for session/);
  assert.match(joined, /response streamed: HTTP 200, \d+ bytes, \d+ ms/);
});

test("the agent's role credentials: served to its own token only, from the execution role", async () => {
  const out = await invokeJson(local, { agentRuntimeArn: runtime.arn, runtimeSessionId: sessionId("creds"), payload: { credentials: true }, contentType: "application/json" });
  assert.equal(out.body.status, 200);
  assert.equal(out.body.badStatus, 403);
  assert.match(out.body.accessKeyId, /^ASIA/);
  assert.ok(out.body.hasSecret && out.body.hasToken);
  assert.ok(Date.parse(out.body.expiration) > Date.now());
});

test("StopRuntimeSession ends the session's instance; the next invoke starts a new one", async () => {
  const s = sessionId("stop");
  const first = await invokeJson(local, { agentRuntimeArn: runtime.arn, runtimeSessionId: s, payload: {}, contentType: "application/json" });
  const stopped = await local.clients.data.send(new StopRuntimeSessionCommand({ agentRuntimeArn: runtime.arn, runtimeSessionId: s }));
  assert.equal(stopped.runtimeSessionId, s);
  assert.equal(stopped.statusCode, 200);
  assert.equal(isAlive(first.body.pid), false, "the agent process is gone");
  const again = await rejection(local.clients.data.send(new StopRuntimeSessionCommand({ agentRuntimeArn: runtime.arn, runtimeSessionId: s })));
  assert.equal(again.name, "ResourceNotFoundException");
  const next = await invokeJson(local, { agentRuntimeArn: runtime.arn, runtimeSessionId: s, payload: {}, contentType: "application/json" });
  assert.notEqual(next.body.pid, first.body.pid);
});

test("idle instances are reaped after idleRuntimeSessionTimeout, unless /ping says HealthyBusy", async () => {
  const idle = sessionId("idle");
  const busy = sessionId("busy");
  const a = await invokeJson(local, { agentRuntimeArn: runtime.arn, runtimeSessionId: idle, payload: {}, contentType: "application/json" });
  const b = await invokeJson(local, { agentRuntimeArn: runtime.arn, runtimeSessionId: busy, payload: { busy: true }, contentType: "application/json" });
  const services = local.server.services;
  const realNow = services.now;
  try {
    await host().reap();
    assert.ok(isAlive(a.body.pid) && isAlive(b.body.pid), "not idle long enough yet");
    services.now = () => new Date(Date.now() + 61_000); // past the 60 s idle timeout
    await host().reap();
  } finally {
    services.now = realNow;
  }
  await until(() => !isAlive(a.body.pid), "the idle agent to exit");
  assert.ok(isAlive(b.body.pid), "HealthyBusy keeps the instance");
  assert.ok(lines.some((l) => l.includes(idle) && l.includes("idle for more than 60 s")));
  await invokeJson(local, { agentRuntimeArn: runtime.arn, runtimeSessionId: busy, payload: { busy: false }, contentType: "application/json" });
});

test("an agent crash or error status is a 424 RuntimeClientError with the agent's message; after a crash the next invoke gets a fresh instance, after an error status the same one", async () => {
  const s = sessionId("crash");
  const before = await invokeJson(local, { agentRuntimeArn: runtime.arn, runtimeSessionId: s, payload: {}, contentType: "application/json" });
  const crash = await rejection(invokeJson(local, { agentRuntimeArn: runtime.arn, runtimeSessionId: s, payload: { crash: true }, contentType: "application/json" }));
  assert.equal(crash.name, "RuntimeClientError");
  assert.equal(crash.$metadata?.httpStatusCode, 424);
  assert.match(crash.message, /exited with code 3|failed before answering/);
  const after = await invokeJson(local, { agentRuntimeArn: runtime.arn, runtimeSessionId: s, payload: {}, contentType: "application/json" });
  assert.notEqual(after.body.pid, before.body.pid);

  const fail = await rejection(invokeJson(local, { agentRuntimeArn: runtime.arn, runtimeSessionId: s, payload: { fail: "the tool broke" }, contentType: "application/json" }));
  assert.equal(fail.name, "RuntimeClientError");
  assert.match(fail.message, /Received error \(500\) from the agent: the tool broke/);
  // An error answer is not a crash: the session keeps its instance (and its memory), as on AWS.
  const kept = await invokeJson(local, { agentRuntimeArn: runtime.arn, runtimeSessionId: s, payload: {}, contentType: "application/json" });
  assert.equal(kept.body.pid, after.body.pid);
});

test("SSE streams chunk by chunk: the first arrives before the agent has produced the last", async () => {
  const signalFile = join(local.stateDir, `signal-${Date.now()}`);
  const out = await local.clients.data.send(
    new InvokeAgentRuntimeCommand({
      agentRuntimeArn: runtime.arn,
      runtimeSessionId: sessionId("stream"),
      contentType: "application/json",
      accept: "text/event-stream",
      payload: Buffer.from(JSON.stringify({ stream: true, signalFile })),
    }),
  );
  assert.equal(out.contentType, "text/event-stream");
  const it = (out.response as AsyncIterable<Uint8Array>)[Symbol.asyncIterator]();
  const first = await it.next();
  const firstText = Buffer.from(first.value!).toString("utf8");
  assert.equal(firstText, 'data: {"part":1}\n\n');
  assert.equal(existsSync(signalFile), false, "the agent cannot have produced the rest yet");
  const { writeFileSync } = await import("node:fs");
  writeFileSync(signalFile, "go");
  let rest = "";
  for (let r = await it.next(); !r.done; r = await it.next()) rest += Buffer.from(r.value).toString("utf8");
  assert.equal(rest, 'data: {"part":2}\n\ndata: {"part":3,"last":true}\n\n');
});

test("an agent that dies mid-stream ends the SSE stream with an event: error frame", async () => {
  const out = await local.clients.data.send(
    new InvokeAgentRuntimeCommand({
      agentRuntimeArn: runtime.arn,
      runtimeSessionId: sessionId("midstream"),
      contentType: "application/json",
      accept: "text/event-stream",
      payload: Buffer.from(JSON.stringify({ stream: true, crashMidStream: true })),
    }),
  );
  const text = await out.response!.transformToString();
  assert.match(text, /^data: \{"part":1\}\n\n/);
  assert.match(text, /event: error\ndata: \{"error":"Local AgentCore: the agent's connection closed before its response was complete/);
});

test("bad requests: short session id, unknown runtime, bare id without account, unknown endpoint", async () => {
  const short = await rejection(invokeJson(local, { agentRuntimeArn: runtime.arn, runtimeSessionId: "too-short", payload: {} }));
  assert.equal(short.name, "ValidationException");
  const unknown = await rejection(invokeJson(local, { agentRuntimeArn: runtime.arn.replace(/-\w{10}$/, "-AAAAAAAAAA"), runtimeSessionId: sessionId("x"), payload: {} }));
  assert.equal(unknown.name, "ResourceNotFoundException");
  const bare = await rejection(invokeJson(local, { agentRuntimeArn: runtime.id, runtimeSessionId: sessionId("x"), payload: {} }));
  assert.equal(bare.name, "ValidationException");
  assert.match(bare.message, /accountId/);
  const endpoint = await rejection(invokeJson(local, { agentRuntimeArn: runtime.arn, qualifier: "nope", runtimeSessionId: sessionId("x"), payload: {} }));
  assert.equal(endpoint.name, "ResourceNotFoundException");
});

test("beyond AGENTCORE_LOCAL_MAX_INSTANCES: ServiceQuotaExceededException", async () => {
  const running = host().instances().length;
  process.env.AGENTCORE_LOCAL_MAX_INSTANCES = String(running);
  try {
    const e = await rejection(invokeJson(local, { agentRuntimeArn: runtime.arn, runtimeSessionId: sessionId("quota"), payload: {}, contentType: "application/json" }));
    assert.equal(e.name, "ServiceQuotaExceededException");
    assert.equal(e.$metadata?.httpStatusCode, 402);
  } finally {
    delete process.env.AGENTCORE_LOCAL_MAX_INSTANCES;
  }
});

test("agent output is logged per runtime and session with secrets redacted", async () => {
  const s = sessionId("logs");
  const secret = "sk-local-ThisIsNotARealKeyButLooksLikeOne";
  await invokeJson(local, { agentRuntimeArn: runtime.arn, runtimeSessionId: s, payload: { print: secret }, contentType: "application/json" });
  const file = agentLogFile(local.stateDir, runtime.id, s);
  await until(() => existsSync(file) && readFileSync(file, "utf8").includes("a key-shaped value"), "the agent's output in its log");
  const text = readFileSync(file, "utf8");
  assert.match(text, /stdout +printing \[REDACTED\] and my token \[REDACTED\]/);
  assert.match(text, /stderr +a key-shaped value: \[REDACTED\]/);
  assert.doesNotMatch(text, /sk-local-|sk-test-/);
  let printed = "";
  assert.equal(await printAgentLogs(local.stateDir, { runtime: "echo_agent", session: s }, (t) => (printed += t)), true, "found by runtime name");
  assert.match(printed, /printing \[REDACTED\]/);
});

test("a secret stored while a session's instance runs is redacted from its very next invoke's output, whoever stored it", async () => {
  const s = sessionId("new-secret");
  const print = async (value: string) => {
    await invokeJson(local, { agentRuntimeArn: runtime.arn, runtimeSessionId: s, payload: { print: value }, contentType: "application/json" });
    const file = agentLogFile(local.stateDir, runtime.id, s);
    await until(() => existsSync(file) && readFileSync(file, "utf8").split("\n").filter((l) => l.includes("printing")).length >= printed + 1, "the agent's output in its log");
    printed++;
    return readFileSync(file, "utf8");
  };
  let printed = 0;
  // No key shape: hidden only because it is a stored secret.
  const viaApi = "first stored value 51c0e2a97d3b4f68 with spaces";
  const viaOtherConnection = "second stored value 9e4d7a20c6b1f358 with spaces";
  await print("warm-up, nothing secret");
  await local.clients.control.send(new CreateApiKeyCredentialProviderCommand({ name: "added-while-running", apiKey: viaApi }));
  assert.doesNotMatch(await print(viaApi), /first stored value/, "a provider created through the API");
  // Another process (the CLI, a bench) writes through its own database connection.
  const other = new Store(local.stateDir);
  try {
    const record = other.get<Record<string, unknown>>(KIND_APIKEY_PROVIDER, listedId(other))!;
    const arn = `${String(record.secretArn)}-copy`;
    createVault(other, local.stateDir).put(arn, viaOtherConnection);
    other.put(KIND_APIKEY_PROVIDER, `${listedId(other)}-copy`, { ...record, name: "added-elsewhere", secretArn: arn });
  } finally {
    other.close();
  }
  assert.doesNotMatch(await print(viaOtherConnection), /second stored value/, "a secret written by another connection");
});

/** The id of the first API key provider row. */
function listedId(store: Store): string {
  const row = store.db.prepare("SELECT id FROM resources WHERE kind = ? ORDER BY id LIMIT 1").get(KIND_APIKEY_PROVIDER) as { id: string };
  return row.id;
}

test("a second version with the same lockfile reuses the dependency cache", async () => {
  await uploadBundle(local, "echo/v2.zip", echoBundle());
  const roleArn = (await settledRuntime(local.clients.control, runtime.id)).roleArn!;
  await local.clients.control.send(
    new UpdateAgentRuntimeCommand({
      agentRuntimeId: runtime.id,
      agentRuntimeArtifact: { codeConfiguration: { code: { s3: { bucket: "agent-bundles", prefix: "echo/v2.zip" } }, runtime: "NODE_22", entryPoint: ["agent.mjs"] } },
      roleArn,
      networkConfiguration: { networkMode: "PUBLIC" },
      lifecycleConfiguration: { idleRuntimeSessionTimeout: 60, maxLifetime: 3600 },
    }),
  );
  await until(async () => (await settledRuntime(local.clients.control, runtime.id)).agentRuntimeVersion === "2", "version 2");
  const s = sessionId("v2");
  await until(async () => {
    const r = await invokeJson(local, { agentRuntimeArn: runtime.arn, runtimeSessionId: s, payload: {}, contentType: "application/json" });
    return r.body.cwd.endsWith("/v2");
  }, "the endpoint to serve version 2");
  const v1 = join(versionDir(local.stateDir, runtime.id, "1"), "node_modules");
  const v2 = join(versionDir(local.stateDir, runtime.id, "2"), "node_modules");
  assert.ok(lstatSync(v1).isSymbolicLink() && lstatSync(v2).isSymbolicLink());
  assert.equal(readlinkSync(v2), readlinkSync(v1), "both versions link one cached node_modules");
  assert.ok(existsSync(join(realpathSync(v2), "echo-dep", "index.js")));
});

test("close() stops every agent instance: no process is left", async () => {
  const pids = host().instances().map((i) => i.pid!).filter(Boolean);
  assert.ok(pids.length >= 2);
  const runtimesRoot = realpathSync(join(local.stateDir, "runtimes"));
  assert.ok(processesMentioning("parent-watch.mjs").some((p) => pids.includes(p)));
  await local.server.close();
  for (const pid of pids) assert.equal(isAlive(pid), false, `agent ${pid} still runs`);
  const left = processesMentioning("parent-watch.mjs").filter((p) => {
    try {
      return realpathSync(`/proc/${p}/cwd`).startsWith(runtimesRoot);
    } catch {
      return false;
    }
  });
  assert.deepEqual(left, []);
});
