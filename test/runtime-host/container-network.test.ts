/**
 * A container agent must be reachable from this machine only: the engine is never asked for the
 * host's network, the agent's port (8080, AgentCore's container contract) is published on
 * 127.0.0.1 only, and the agent's environment reaches the container through an env file, with
 * endpoints the container can use (loopback under podman's pasta `-T`, the host alias under docker).
 *
 * This machine runs no containers, so the argument list is checked as built, and once as a
 * recording `docker` first on PATH receives it from a real invoke.
 */
import assert from "node:assert/strict";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { after, test } from "node:test";
import { CreateAgentRuntimeCommand } from "@aws-sdk/client-bedrock-agentcore-control";
import { CreateRepositoryCommand } from "@aws-sdk/client-ecr";
import { agentLogFile } from "../../lib/local/runtime-host/agent-logs.js";
import { CONTAINER_PORT, containerEnvironment, containerRunArgs } from "../../lib/local/runtime-host/container.js";
import { startTestLocal, type TestLocal } from "../helpers/local.js";
import { createRole, invokeJson, sessionId, settledRuntime } from "./setup.js";

const base = { image: "123456789012.dkr.ecr.us-east-1.amazonaws.com/agents/a:v1", name: "agentcore-local-x", envFile: "/state/container-env/a.env", labels: { "agentcore-local.state": "/state" }, hostPort: 41234, localPort: 4566 };

/** Every way an argument list could put the container on the host's network or publish widely. */
function assertLoopbackOnly(args: string[]): void {
  const joined = args.join(" ");
  assert.doesNotMatch(joined, /--network[= ]host\b|--net[= ]host\b/, "the container shares the host's network");
  assert.ok(!args.includes("-P") && !args.includes("--publish-all"), "every exposed port is published on all interfaces");
  const published = args.flatMap((a, i) => (a === "-p" || a === "--publish" ? [args[i + 1]] : a.startsWith("--publish=") ? [a.slice(10)] : []));
  assert.deepEqual(published, [`127.0.0.1:${base.hostPort}:${CONTAINER_PORT}`]);
  assert.equal(args[args.indexOf("--env-file") + 1], base.envFile);
  assert.equal(args.at(-1), base.image, "the image is the last argument (nothing after it reaches the agent as a command)");
}

test("docker: a bridge network, the agent's port on 127.0.0.1 only, the host alias mapped to the gateway", () => {
  const args = containerRunArgs({ ...base, engine: "docker" });
  assertLoopbackOnly(args);
  assert.ok(args.includes("--add-host=host.docker.internal:host-gateway"));
  assert.ok(!args.includes("--network"), "docker uses its default bridge network");
});

test("podman: pasta forwards the container's loopback port of Local AgentCore to the host's, and nothing else", () => {
  const args = containerRunArgs({ ...base, engine: "podman" });
  assertLoopbackOnly(args);
  assert.equal(args[args.indexOf("--network") + 1], `pasta:-T,${base.localPort}`);
});

test("the container's environment: PORT is 8080, endpoints point where the container reaches Local AgentCore", () => {
  const endpoint = "http://127.0.0.1:4566";
  const env = {
    AWS_ENDPOINT_URL: endpoint,
    AWS_CONTAINER_CREDENTIALS_FULL_URI: `${endpoint}/_local/role-credentials/inst-1`,
    PORT: "41234",
    GREETING: "http://127.0.0.1:9999/not-local-agentcore",
  };
  const docker = containerEnvironment("docker", env, endpoint);
  assert.equal(docker.PORT, "8080");
  assert.equal(docker.AWS_ENDPOINT_URL, "http://host.docker.internal:4566");
  assert.equal(docker.AWS_CONTAINER_CREDENTIALS_FULL_URI, "http://host.docker.internal:4566/_local/role-credentials/inst-1");
  assert.equal(docker.GREETING, env.GREETING, "only URLs of Local AgentCore are rewritten");
  const podman = containerEnvironment("podman", env, endpoint);
  assert.equal(podman.PORT, "8080");
  assert.equal(podman.AWS_ENDPOINT_URL, endpoint, "under pasta -T the container's loopback reaches the host's");
  assert.equal(podman.AWS_CONTAINER_CREDENTIALS_FULL_URI, env.AWS_CONTAINER_CREDENTIALS_FULL_URI);
});

let local: TestLocal | undefined;
let work: string | undefined;
const saved = { PATH: process.env.PATH, AGENTCORE_CONTAINER_ENGINE: process.env.AGENTCORE_CONTAINER_ENGINE, AGENTCORE_LOCAL_AGENT_START_TIMEOUT_MS: process.env.AGENTCORE_LOCAL_AGENT_START_TIMEOUT_MS };
after(async () => {
  await local?.stop();
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  if (work) rmSync(work, { recursive: true, force: true });
});

test("an invoke of a container runtime asks the engine for exactly that (recording docker)", async () => {
  work = mkdtempSync(join(tmpdir(), "agentcore-container-net-"));
  const bin = join(work, "bin");
  mkdirSync(bin);
  const log = join(work, "calls.jsonl");
  writeFileSync(log, "");
  // Keeps the argv and the env file of `run` (the file is deleted once the engine has started).
  writeFileSync(
    join(bin, "docker"),
    `#!${process.execPath}
const fs = require("node:fs");
const argv = process.argv.slice(2);
const at = argv.indexOf("--env-file");
const envFile = at >= 0 ? fs.readFileSync(argv[at + 1], "utf8") : undefined;
fs.appendFileSync(${JSON.stringify(log)}, JSON.stringify({ argv, envFile }) + "\\n");
if (argv[0] === "run") process.stdout.write("0123456789abcdef\\n");
if (argv[0] === "wait") process.stdout.write("1\\n");
`,
  );
  chmodSync(join(bin, "docker"), 0o755);
  process.env.PATH = `${bin}${delimiter}${saved.PATH ?? ""}`;
  process.env.AGENTCORE_CONTAINER_ENGINE = "docker";
  process.env.AGENTCORE_LOCAL_AGENT_START_TIMEOUT_MS = "3000";
  local = await startTestLocal();
  const roleArn = await createRole(local, "container-net-role");
  await local.clients.ecr.send(new CreateRepositoryCommand({ repositoryName: "agents/net" }));
  const created = await local.clients.control.send(
    new CreateAgentRuntimeCommand({
      agentRuntimeName: "container_net",
      agentRuntimeArtifact: { containerConfiguration: { containerUri: `${local.accountId}.dkr.ecr.${local.region}.amazonaws.com/agents/net:v1` } },
      roleArn,
    }),
  );
  assert.equal((await settledRuntime(local.clients.control, created.agentRuntimeId!)).status, "READY");
  await invokeJson(local, { agentRuntimeArn: created.agentRuntimeArn!, runtimeSessionId: sessionId("net"), payload: {} }).catch((e: Error) => e);

  const runs = readFileSync(log, "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l) as { argv: string[]; envFile?: string }).filter((c) => c.argv[0] === "run");
  assert.ok(runs.length >= 1, "the engine was never asked to run the image");
  const { argv, envFile } = runs[0]!;
  assert.doesNotMatch(argv.join(" "), /--network[= ]host\b/, "the container shares the host's network");
  const published = argv[argv.indexOf("-p") + 1] ?? "";
  assert.match(published, /^127\.0\.0\.1:\d+:8080$/, `published as ${published}`);
  const env = Object.fromEntries((envFile ?? "").split("\n").filter(Boolean).map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]));
  const localPort = new URL(local.endpoint).port;
  assert.equal(env.PORT, "8080");
  assert.equal(env.AWS_ENDPOINT_URL, `http://host.docker.internal:${localPort}`);
  assert.ok(env.AWS_CONTAINER_CREDENTIALS_FULL_URI?.startsWith(`http://host.docker.internal:${localPort}/`), "the credentials URI does not point where the container reaches Local AgentCore");
  // What docker's bridge cannot give the agent is said in its log, with the way out.
  assert.match(readFileSync(agentLogFile(local.stateDir, created.agentRuntimeId!, sessionId("net")), "utf8"), /warning: under docker .*podman/);
});
