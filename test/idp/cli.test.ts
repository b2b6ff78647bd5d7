/** `npm run local -- idp …` (scripts/local-idp.ts through scripts/local.ts) against a running Local AgentCore. */
import { after, before, it } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { startTestLocal, type TestLocal } from "../helpers/local.js";
import { localPaths } from "../../lib/local/client/paths.js";
import { writeEnvFile } from "../../lib/local/client/env-file.js";
import { PROJECT_DIR } from "../../lib/project-dir.js";

let t: TestLocal;
before(async () => {
  t = await startTestLocal();
  writeEnvFile(localPaths(PROJECT_DIR, { AGENTCORE_LOCAL_DIR: t.stateDir }), { endpoint: t.endpoint, region: t.region, accountId: t.accountId, credentials: t.admin });
});
after(() => t.stop());

// Asynchronous: the server runs in this process and must answer while the CLI waits.
function cli(args: string[], input?: string): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--import", "tsx", "scripts/local.ts", "idp", ...args], { cwd: PROJECT_DIR, env: { ...process.env, AGENTCORE_LOCAL_DIR: t.stateDir } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c) => (stdout += c));
    child.stderr.on("data", (c) => (stderr += c));
    child.on("close", (status) => resolve({ status, stdout, stderr }));
    if (input !== undefined) child.stdin.end(input);
    else child.stdin.end();
  });
}

it("has --help and --version", () => {
  const help = spawnSync(process.execPath, ["--import", "tsx", "scripts/local.ts", "idp", "--help"], { cwd: PROJECT_DIR, encoding: "utf8" });
  assert.equal(help.status, 0);
  assert.match(help.stdout, /create-client --client-id ID/);
  const version = spawnSync(process.execPath, ["--import", "tsx", "scripts/local.ts", "idp", "--version"], { cwd: PROJECT_DIR, encoding: "utf8" });
  assert.match(version.stdout, /^\d+\.\d+\.\d+/);
});

it("creates a client and a user and lists them", async () => {
  const client = await cli(["create-client", "--client-id", "cli-agent", "--scope", "calendar.read"]);
  assert.equal(client.status, 0, client.stderr);
  assert.match(client.stdout, /client secret \(shown once\): [A-Za-z0-9_-]{43}/);
  const user = await cli(["create-user", "--username", "erin", "--password-stdin"], "a long password\n");
  assert.equal(user.status, 0, user.stderr);
  const list = await cli(["list"]);
  assert.match(list.stdout, /erin/);
  assert.match(list.stdout, /cli-agent {2}confidential/);
  assert.doesNotMatch(list.stdout, /secret/i, "list shows no secret");
  const again = await cli(["create-client", "--client-id", "cli-agent"]);
  assert.equal(again.status, 1);
  assert.match(again.stderr, /ConflictException/);
  const bad = await cli(["create-user", "--username", "x"]);
  assert.equal(bad.status, 2);
});
