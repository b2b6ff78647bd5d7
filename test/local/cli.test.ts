/**
 * `npm run local -- …` as a user runs it: start (detached, idempotent), status, env, stop, reset,
 * a port taken by another program, and state surviving `kill -9`.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, type AddressInfo, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CreateRoleCommand, GetRoleCommand, IAMClient } from "@aws-sdk/client-iam";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { ensureLocalRunning, localPaths, readLocalEnv, stopLocal } from "../../lib/local/client/index.js";
import { freePort } from "../../lib/local/free-port.js";

const projectDir = join(import.meta.dirname, "..", "..");
let stateDir: string;
let port: number;

function local(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      "npm",
      ["run", "-s", "local", "--", ...args],
      { cwd: projectDir, env: { ...process.env, AGENTCORE_LOCAL_DIR: stateDir, AGENTCORE_LOCAL_PORT: String(port), ...env }, timeout: 60_000 },
      (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

function parseEnv(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of text.matchAll(/^export ([A-Z_]+)=(.*)$/gm)) out[m[1]!] = m[2]!;
  return out;
}

before(async () => {
  stateDir = mkdtempSync(join(tmpdir(), "agentcore-local-cli-"));
  port = await freePort();
});
after(async () => {
  await local(["stop"]);
  rmSync(stateDir, { recursive: true, force: true });
});

test("--help explains the commands", async () => {
  const r = await local(["--help"]);
  assert.equal(r.code, 0);
  for (const word of ["start", "--foreground", "stop", "status", "env", "reset --yes", "AGENTCORE_LOCAL_PORT"]) assert.ok(r.stdout.includes(word), word);
});

test("start, start again, status, env, SDK calls with the env, stop", async () => {
  const started = await local(["start"]);
  assert.equal(started.code, 0, started.stderr);
  assert.match(started.stdout, new RegExp(`started at http://127\\.0\\.0\\.1:${port}`));

  const again = await local(["start"]);
  assert.equal(again.code, 0);
  assert.match(again.stdout, /already running/);

  const status = await local(["status"]);
  assert.equal(status.code, 0);
  assert.match(status.stdout, /is running at/);

  const env = await local(["env"]);
  assert.equal(env.code, 0);
  const vars = parseEnv(env.stdout);
  assert.equal(vars.AWS_ENDPOINT_URL, `http://127.0.0.1:${port}`);
  assert.match(vars.AWS_ACCESS_KEY_ID!, /^AKIA/);
  assert.equal(vars.AWS_SECRET_ACCESS_KEY!.length, 40);
  assert.equal(vars.AWS_REGION, "us-east-1");
  assert.equal(readFileSync(join(stateDir, "env"), "utf8"), env.stdout, "the same text is in <state>/env");

  const config = {
    endpoint: vars.AWS_ENDPOINT_URL,
    region: vars.AWS_REGION,
    credentials: { accessKeyId: vars.AWS_ACCESS_KEY_ID!, secretAccessKey: vars.AWS_SECRET_ACCESS_KEY! },
    maxAttempts: 1,
  };
  const sts = new STSClient(config);
  const who = await sts.send(new GetCallerIdentityCommand({}));
  assert.match(who.Arn!, /:user\/agentcore-local-admin$/);
  sts.destroy();

  const stopped = await local(["stop"]);
  assert.equal(stopped.code, 0);
  assert.match(stopped.stdout, /stopped/);
  const after = await local(["status"]);
  assert.equal(after.code, 3);
  assert.match(after.stdout, /not running/);
  assert.ok(existsSync(join(stateDir, "server.log")));
});

test("like its neighbours: -d, status --json listing each service and the runtime host, logs of the server, --version, unknown flags are errors", async (t) => {
  t.after(() => local(["stop"]));
  for (const args of [["status", "--jsn"], ["stop", "--force"], ["start", "--bogus"], ["logs", "--sesion", "x"], ["env", "extra"], ["start", "-d", "--foreground"]]) {
    const r = await local(args);
    assert.equal(r.code, 2, `${args.join(" ")} is a usage error: ${r.stdout}${r.stderr}`);
    assert.match(r.stderr, /npm run local -- --help|not both/, args.join(" "));
  }
  assert.equal((await local(["status", "--json"])).code, 3, "not running yet (start --bogus started nothing)");

  const version = await local(["--version"]);
  assert.equal(version.code, 0);
  assert.match(version.stdout, /agentcore-kit \d+\.\d+\.\d+/);

  const started = await local(["start", "-d"]);
  assert.equal(started.code, 0, started.stderr);
  assert.match(started.stdout, /started at/);

  const json = await local(["status", "--json"]);
  assert.equal(json.code, 0, json.stderr);
  const status = JSON.parse(json.stdout);
  assert.equal(status.running, true);
  assert.equal(status.endpoint, `http://127.0.0.1:${port}`);
  const models = status.services.map((s: { model: string }) => s.model);
  for (const model of ["iam", "sts", "s3", "ecr", "bedrock-agentcore", "bedrock-agentcore-control"]) assert.ok(models.includes(model), `${model} in ${models}`);
  assert.equal(status.runtimeHost.instances, 0);
  assert.match(status.runtimeHost.codeDeploys.node, /^v\d+\./);

  const text = await local(["status"]);
  assert.match(text.stdout, /^ {2}✓ bedrock-agentcore-control\s+\d+ operations$/m);
  assert.match(text.stdout, /^ {2}✓ runtime host\s+0 agent instances; code deploys run on Node v\d+/m);

  const log = await local(["logs"]);
  assert.equal(log.code, 0, log.stderr);
  assert.match(log.stdout, /Local AgentCore \S+ listening on http:\/\/127\.0\.0\.1:/, "the server's own log");
});

test("state survives kill -9 and a restart", async (t) => {
  t.after(() => local(["stop"]));
  assert.equal((await local(["start"])).code, 0);
  const vars = parseEnv(readFileSync(join(stateDir, "env"), "utf8"));
  const config = {
    endpoint: vars.AWS_ENDPOINT_URL,
    region: vars.AWS_REGION,
    credentials: { accessKeyId: vars.AWS_ACCESS_KEY_ID!, secretAccessKey: vars.AWS_SECRET_ACCESS_KEY! },
    maxAttempts: 1,
  };
  const iam = new IAMClient(config);
  const trust = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Service: "bedrock-agentcore.amazonaws.com" }, Action: "sts:AssumeRole" }] };
  await iam.send(new CreateRoleCommand({ RoleName: "survivor", AssumeRolePolicyDocument: JSON.stringify(trust) }));
  iam.destroy();

  const { pid } = JSON.parse(readFileSync(join(stateDir, "server.pid"), "utf8")) as { pid: number };
  process.kill(pid, "SIGKILL");
  while ((() => { try { process.kill(pid, 0); return true; } catch { return false; } })()) await new Promise((r) => setTimeout(r, 50));

  const restarted = await local(["start"]);
  assert.equal(restarted.code, 0, restarted.stderr);
  assert.match(restarted.stdout, /started at/);
  const iam2 = new IAMClient(config);
  const role = await iam2.send(new GetRoleCommand({ RoleName: "survivor" }));
  assert.equal(role.Role!.RoleName, "survivor");
  iam2.destroy();
  assert.equal((await local(["stop"])).code, 0);
});

/** Whether a working AWS CLI is on PATH (on this machine `aws` may be a pyenv shim without a CLI). */
function awsCli(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const { AWS_PROFILE: _ignored, ...inherited } = process.env;
    execFile("aws", args, { env: { ...inherited, ...env }, timeout: 60_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? (typeof (err as { code?: unknown }).code === "number" ? (err as { code: number }).code : 127) : 0, stdout, stderr }),
    );
  });
}

test("the AWS CLI works against the printed environment", async (t) => {
  if ((await awsCli(["--version"])).code !== 0) return t.skip("no working AWS CLI on PATH");
  t.after(() => local(["stop"]));
  assert.equal((await local(["start"])).code, 0);
  const vars = parseEnv((await local(["env"])).stdout);
  const env = { ...vars, AWS_CONFIG_FILE: "/dev/null", AWS_SHARED_CREDENTIALS_FILE: "/dev/null", AWS_PAGER: "" };
  const who = await awsCli(["sts", "get-caller-identity", "--output", "json"], env);
  assert.equal(who.code, 0, who.stderr);
  assert.match(JSON.parse(who.stdout).Arn, /:user\/agentcore-local-admin$/);
  const roles = await awsCli(["iam", "list-roles", "--output", "json"], env);
  assert.equal(roles.code, 0, roles.stderr);
  assert.ok(Array.isArray(JSON.parse(roles.stdout).Roles));
  const repos = await awsCli(["ecr", "describe-repositories", "--output", "json"], env);
  assert.equal(repos.code, 0, repos.stderr);
  assert.deepEqual(JSON.parse(repos.stdout).repositories, []);
});

test("a port taken by another program: one line saying what to do, non-zero exit", async () => {
  const blocker: Server = await new Promise((resolve) => {
    const s = createServer(() => {}).listen(0, "127.0.0.1", () => resolve(s));
  });
  const taken = (blocker.address() as AddressInfo).port;
  try {
    const r = await local(["start"], { AGENTCORE_LOCAL_PORT: String(taken) });
    assert.notEqual(r.code, 0);
    assert.match(r.stderr.trim(), new RegExp(`^Port ${taken} is already in use by another program\\..*AGENTCORE_LOCAL_PORT`));
    assert.equal(r.stderr.trim().split("\n").length, 1);
  } finally {
    blocker.close();
  }
});

test("ensureLocalRunning starts it when needed and returns endpoint and credentials", async (t) => {
  const saved = { dir: process.env.AGENTCORE_LOCAL_DIR, port: process.env.AGENTCORE_LOCAL_PORT };
  process.env.AGENTCORE_LOCAL_DIR = stateDir;
  process.env.AGENTCORE_LOCAL_PORT = String(port);
  t.after(async () => {
    await stopLocal(localPaths(projectDir));
    process.env.AGENTCORE_LOCAL_DIR = saved.dir;
    process.env.AGENTCORE_LOCAL_PORT = saved.port;
    if (saved.dir === undefined) delete process.env.AGENTCORE_LOCAL_DIR;
    if (saved.port === undefined) delete process.env.AGENTCORE_LOCAL_PORT;
  });
  const first = await ensureLocalRunning({ projectDir });
  assert.equal(first.endpoint, `http://127.0.0.1:${port}`);
  const second = await ensureLocalRunning({ projectDir });
  assert.deepEqual(second, first, "a second call finds the running server");
  assert.equal(readLocalEnv(projectDir)?.AWS_ACCESS_KEY_ID, first.credentials.accessKeyId);
  const sts = new STSClient({ endpoint: first.endpoint, region: first.region, credentials: { ...first.credentials }, maxAttempts: 1 });
  assert.equal((await sts.send(new GetCallerIdentityCommand({}))).Account, first.accountId);
  sts.destroy();
});

test("issue-key prints a key for the stand-in model", async () => {
  const r = await local(["issue-key", "openai"]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout.trim(), /^sk-local-[A-Za-z0-9]{40}$/);
});

test("reset refuses without --yes, then wipes the state", async () => {
  const refused = await local(["reset"]);
  assert.notEqual(refused.code, 0);
  assert.ok(existsSync(join(stateDir, "state.db")));
  const done = await local(["reset", "--yes"]);
  assert.equal(done.code, 0);
  assert.equal(existsSync(stateDir), false);
});
