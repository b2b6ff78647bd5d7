/**
 * The doctor's checks against real things: this project's install, a test Local AgentCore (also
 * standing in for "AWS" through AWS_ENDPOINT_URL, so the STS and AgentCore calls are real SDK
 * calls), a port held by another program, and the CLI's exit codes.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import { startTestLocal, type TestLocal } from "../helpers/local.js";
import { checkAws, checkCodeDeployNode, checkDependencies, checkLocalAgentCore, checkNode, formatChecks, passed, runChecks, targetFrom, type Check } from "../../lib/doctor/checks.js";

const PROJECT = join(import.meta.dirname, "..", "..");
const require = createRequire(import.meta.url);
let local: TestLocal;
let emptyDir: string;

before(async () => {
  local = await startTestLocal();
  emptyDir = mkdtempSync(join(tmpdir(), "doctor-test-"));
});
after(async () => {
  await local?.stop();
  rmSync(emptyDir, { recursive: true, force: true });
});

function awsEnv(overrides: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    AWS_REGION: local.region,
    AWS_ENDPOINT_URL: local.endpoint,
    AWS_ACCESS_KEY_ID: local.admin.accessKeyId,
    AWS_SECRET_ACCESS_KEY: local.admin.secretAccessKey,
    ...overrides,
  };
}

test("Node: 20.19 or newer", () => {
  assert.equal(checkNode("20.18.3").ok, false);
  assert.match(checkNode("v20.18.3").fix ?? "", /Install Node 22 .*20\.19\.0 is the oldest that works/);
  assert.equal(checkNode("20.19.0").ok, true);
  assert.equal(checkNode("22.1.0").ok, true);
  assert.equal(checkNode("21.0.0").ok, true);
});

test("Node 20: the doctor says once what changes and when; Node 22 has nothing to add", () => {
  assert.match(checkNode("20.19.0").detail, /past its end of life \(April 2026\).*published after the first week of January 2027 need Node 22/);
  assert.equal(checkNode("22.1.0").detail, "v22.1.0");
});

test("code-deploy Node: without Node 22 at hand the doctor says the agents run on the host's Node and how to fetch 22", async () => {
  const check = await checkCodeDeployNode({ AGENTCORE_LOCAL_DIR: emptyDir, AGENTCORE_LOCAL_NODE22: join(emptyDir, "no-node") }, PROJECT);
  if (process.version.startsWith("v22.")) {
    assert.equal(check.ok, true, "the host's Node is Node 22");
    assert.match(check.detail, /^Node v22\.\S+ \(host\)$/);
  } else {
    assert.equal(check.ok, false);
    assert.equal(check.required, false);
    assert.match(check.detail, /host's Node v\d+.*not Node 22/);
    assert.match(check.fix ?? "", /npm run local -- node install/);
  }
});

test("CLI: --json is the checks as JSON, --version, and an unknown flag is a usage error", async () => {
  const json = await doctor(["--json"], { AGENTCORE_LOCAL_DIR: emptyDir, HOME: emptyDir, PATH: process.env.PATH! });
  const report = JSON.parse(json.stdout) as { target: string; ready: boolean; checks: Check[] };
  assert.equal(report.target, "local");
  assert.equal(json.status, report.ready ? 0 : 1);
  assert.ok(report.checks.some((c) => c.name === "Node.js" && c.ok));
  assert.ok(report.checks.some((c) => c.name === "Code-deploy Node"));
  const version = await doctor(["--version"]);
  assert.equal(version.status, 0);
  assert.match(version.stdout, /agentcore-kit \d+\.\d+\.\d+/);
  const bad = await doctor(["--jsn"]);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /Unknown option '--jsn'/);
});

test("dependencies: this project's load; a folder without node_modules gets npm ci", () => {
  assert.deepEqual(checkDependencies(PROJECT), { name: "Dependencies", ok: true, required: true, detail: "installed; better-sqlite3 loads" });
  const bare = checkDependencies(emptyDir);
  assert.equal(bare.ok, false);
  assert.equal(bare.fix, "Run npm ci in the project folder.");
});

test("Local AgentCore: healthy, not running, and a port held by another program", async () => {
  const stateDir = join(emptyDir, "state");
  const running = await checkLocalAgentCore({ AGENTCORE_LOCAL_PORT: String(local.server.port), AGENTCORE_LOCAL_DIR: stateDir }, PROJECT);
  assert.equal(running.ok, true);
  assert.match(running.detail, new RegExp(`running at ${local.endpoint} \\(account ${local.accountId}`));

  const sockets = new Set<Socket>();
  const squatter: Server = createServer((s) => {
    sockets.add(s);
    s.on("error", () => {}); // the probe hangs up abruptly
    s.end("not http\r\n");
  });
  await new Promise<void>((r) => squatter.listen(0, "127.0.0.1", r));
  const port = (squatter.address() as { port: number }).port;
  try {
    const taken = await checkLocalAgentCore({ AGENTCORE_LOCAL_PORT: String(port), AGENTCORE_LOCAL_DIR: stateDir }, PROJECT);
    assert.equal(taken.ok, false);
    assert.equal(taken.required, true);
    assert.match(taken.detail, new RegExp(`port ${port} is taken by another program`));
    assert.match(taken.fix ?? "", /AGENTCORE_LOCAL_PORT/);
  } finally {
    sockets.forEach((s) => s.destroy());
    await new Promise((r) => squatter.close(r));
  }
  const free = await checkLocalAgentCore({ AGENTCORE_LOCAL_PORT: String(port), AGENTCORE_LOCAL_DIR: stateDir }, PROJECT);
  assert.equal(free.ok, true);
  assert.match(free.detail, /not running; notebooks start it on first use/);

  const bad = await checkLocalAgentCore({ AGENTCORE_LOCAL_PORT: "99999" }, PROJECT);
  assert.equal(bad.ok, false);
});

test("AWS: region, credentials (GetCallerIdentity) and AgentCore (ListAgentRuntimes), all real SDK calls", async () => {
  const checks = await checkAws(awsEnv());
  assert.deepEqual(
    checks.map((c) => [c.name, c.ok]),
    [
      ["AWS region", true],
      ["AWS credentials", true],
      ["AgentCore", true],
    ],
  );
  assert.match(checks[1]!.detail, new RegExp(`account ${local.accountId}`));
  assert.match(checks[2]!.detail, /available in us-east-1/);
});

test("AWS: a wrong secret fails at credentials, with a fix and without the secret", async () => {
  const wrong = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
  const checks = await checkAws(awsEnv({ AWS_SECRET_ACCESS_KEY: wrong }));
  assert.deepEqual(
    checks.map((c) => [c.name, c.ok]),
    [
      ["AWS region", true],
      ["AWS credentials", false],
    ],
  );
  assert.match(checks[1]!.detail, /SignatureDoesNotMatch|InvalidClientTokenId/);
  assert.match(checks[1]!.fix ?? "", /aws configure/);
  assert.ok(!JSON.stringify(checks).includes(wrong));
});

test("AWS: no region is a failure that says how to set one, and credentials are still checked", async () => {
  const checks = await checkAws({ AWS_ENDPOINT_URL: local.endpoint });
  assert.deepEqual(checks.map((c) => c.name), ["AWS region", "AWS credentials"]);
  assert.equal(checks[0]!.ok, false);
  assert.match(checks[0]!.fix ?? "", /export AWS_REGION=/);
  assert.equal(checks[1]!.ok, false, "no credentials were given either");
});

test("the verdict ignores optional failures; the report shows each fix under its line", () => {
  const checks: Check[] = [
    { name: "Node.js", ok: true, required: true, detail: "v20.20.2" },
    { name: "tslab kernel", ok: false, required: false, detail: "not registered", fix: "Run npm run kernel:install." },
  ];
  assert.equal(passed(checks), true);
  assert.equal(passed([...checks, { name: "AWS region", ok: false, required: true, detail: "not set" }]), false);
  assert.equal(
    formatChecks(checks),
    "✓ Node.js       v20.20.2\n✗ tslab kernel  not registered (optional)\n                → Run npm run kernel:install.",
  );
  assert.equal(targetFrom({}), "local");
  assert.equal(targetFrom({ AGENTCORE_TARGET: "aws" }), "aws");
  assert.throws(() => targetFrom({ AGENTCORE_TARGET: "azure" }), /AGENTCORE_TARGET must be "local" or "aws" \(got "azure"\)/);
});

/** Runs the CLI asynchronously: the test server lives in this process and must keep answering. */
function doctor(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const clean = { ...process.env };
  for (const name of Object.keys(clean)) if (/^AWS_|^AGENTCORE_/.test(name)) delete clean[name];
  const child = spawn(process.execPath, [require.resolve("tsx/cli"), join(PROJECT, "scripts", "doctor.ts"), ...args], {
    cwd: PROJECT,
    env: { ...clean, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
  child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
  const guard = setTimeout(() => child.kill(), 60_000);
  return new Promise((resolve) =>
    child.on("close", (status) => {
      clearTimeout(guard);
      resolve({ status, stdout, stderr });
    }),
  );
}

test("CLI: --help, a usage error, and a full aws run that passes (exit 0) against the test server", async () => {
  const help = await doctor(["--help"]);
  assert.equal(help.status, 0);
  assert.match(help.stdout, /Usage: npm run doctor/);
  const usage = await doctor(["--target", "mars"]);
  assert.equal(usage.status, 2);
  assert.match(usage.stderr, /AGENTCORE_TARGET must be "local" or "aws"/);

  const run = await doctor([], { ...awsEnv(), AGENTCORE_TARGET: "aws", HOME: emptyDir });
  assert.equal(run.status, 0, run.stdout + run.stderr);
  assert.match(run.stdout, /^✓ Node\.js/m);
  assert.match(run.stdout, /^✓ AWS credentials .*account/m);
  assert.match(run.stdout, /^✓ AgentCore/m);
  assert.match(run.stdout, /Ready for target "aws"/);
  assert.doesNotMatch(run.stderr, /NodeVersionSupportWarning/);

  const failing = await doctor([], { ...awsEnv({ AWS_SECRET_ACCESS_KEY: "x".repeat(40) }), AGENTCORE_TARGET: "aws", HOME: emptyDir });
  assert.equal(failing.status, 1);
  assert.match(failing.stdout, /^✗ AWS credentials/m);
  assert.match(failing.stdout, /→ Configure credentials/);
});

/** A stand-in "python" that answers like `python -m jupyter` and leaves a mark each time it starts. */
function fakePython(dir: string): { python: string; ran: () => boolean } {
  const mark = join(dir, "python-ran");
  const python = join(dir, "fake-python");
  writeFileSync(python, `#!/bin/sh\necho x >> '${mark}'\ncase "$*" in *kernelspec*) echo '{"kernelspecs":{"tslab":{}}}';; *) echo 'jupyter_core     : 9.9.9';; esac\n`);
  chmodSync(python, 0o755);
  return { python, ran: () => existsSync(mark) };
}

test("all checks, run at once, come back in the order a person fixes them; Jupyter is asked its version once", async () => {
  const dir = mkdtempSync(join(emptyDir, "all-"));
  const { python } = fakePython(dir);
  const env = { AGENTCORE_LOCAL_PORT: String(local.server.port), AGENTCORE_LOCAL_DIR: join(dir, "state") };
  const checks = await runChecks("local", { env, projectDir: PROJECT, python });
  assert.deepEqual(
    checks.map((c) => c.name),
    ["Node.js", "Dependencies", "Jupyter", "tslab kernel", "Container engine", "Code-deploy Node", "Local AgentCore"],
  );
  assert.equal(checks[2]!.detail, `${python} -m jupyter (jupyter_core 9.9.9)`);
  assert.equal(checks[3]!.ok, true);
  const { readFileSync } = await import("node:fs");
  assert.equal(readFileSync(join(dir, "python-ran"), "utf8").split("\n").filter(Boolean).length, 2, "--version once, kernelspec list once");
});

test("only the required checks: Jupyter, the container engine and the code-deploy Node are not run at all", async () => {
  const dir = mkdtempSync(join(emptyDir, "required-"));
  const { python, ran } = fakePython(dir);
  const env = { AGENTCORE_LOCAL_PORT: String(local.server.port), AGENTCORE_LOCAL_DIR: join(dir, "state") };
  const checks = await runChecks("local", { env, projectDir: PROJECT, python, only: "required" });
  assert.deepEqual(checks.map((c) => c.name), ["Node.js", "Dependencies", "Local AgentCore"]);
  assert.ok(checks.every((c) => c.required && c.ok), formatChecks(checks));
  assert.equal(ran(), false, "no Python started");
});
