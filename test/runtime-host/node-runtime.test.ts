/**
 * A code deploy with runtime NODE_22 runs on Node 22, like AgentCore Runtime: from the path in
 * AGENTCORE_LOCAL_NODE22, or from the copy `npm run local -- node install` fetched into the state
 * folder's cache. Without one, the agent runs on the host's Node and the invoke log says so.
 * The Node 22 binary is fetched from the npm registry once into a temporary cache shared by test
 * runs (the test skips, saying why, only when the registry cannot be reached).
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { startTestLocal, type TestLocal } from "../helpers/local.js";
import { agentLogFile } from "../../lib/local/runtime-host/agent-logs.js";
import { cachedNodeBinary, chooseNode, installNode } from "../../lib/local/node-runtime.js";
import { createRole, deployBundle, invokeJson, sessionId, zipBundle } from "./setup.js";

const VERSION_AGENT = `import { createServer } from "node:http";
createServer((req, res) => {
  res.writeHead(200, { "content-type": "application/json" });
  res.end(JSON.stringify(req.url === "/ping" ? { status: "Healthy" } : { version: process.version }));
}).listen(Number(process.env.PORT ?? 8080), "127.0.0.1");
`;

/** Shared across test runs: fetching Node is the slow part. */
const NODE_CACHE_STATE = join(tmpdir(), "agentcore-kit-test-node-cache");

function registryReachable(): boolean {
  try {
    execFileSync("npm", ["ping"], { stdio: "ignore", timeout: 60_000 });
    return true;
  } catch {
    return false;
  }
}

let node22: string | undefined;
let skipReason: string | undefined;
let local: TestLocal;
let runtime: { id: string; arn: string };
const savedEnv = process.env.AGENTCORE_LOCAL_NODE22;
const serverLog: string[] = [];

before(async () => {
  if (existsSync(cachedNodeBinary(NODE_CACHE_STATE, 22)) || registryReachable()) {
    const progress: string[] = [];
    const got = await installNode(NODE_CACHE_STATE, 22, (line) => progress.push(line));
    if (got.installed) assert.match(progress[0], /^Fetching Node 22 from the npm registry/, "the install says what it does");
    node22 = got.path;
  } else {
    skipReason = "the npm registry is unreachable (npm ping failed), so Node 22 cannot be fetched";
  }
  local = await startTestLocal();
  local.server.services.log = (line) => serverLog.push(line);
  const roleArn = await createRole(local, "version-agent-role");
  runtime = await deployBundle(local, { name: "version_agent", roleArn, key: "version/v1.zip", zip: zipBundle({ files: { "agent.mjs": VERSION_AGENT } }) });
});
after(async () => {
  if (savedEnv === undefined) delete process.env.AGENTCORE_LOCAL_NODE22;
  else process.env.AGENTCORE_LOCAL_NODE22 = savedEnv;
  await local?.stop();
});

async function agentVersion(label: string): Promise<{ version: string; log: string }> {
  const session = sessionId(label);
  const out = await invokeJson(local, { agentRuntimeArn: runtime.arn, runtimeSessionId: session, payload: {}, accept: "application/json" });
  assert.equal(out.status, 200, JSON.stringify(out.body));
  return { version: out.body.version, log: readFileSync(agentLogFile(local.stateDir, runtime.id, session), "utf8") };
}

test("a NODE_22 code deploy runs on Node 22 from AGENTCORE_LOCAL_NODE22", async (t) => {
  if (skipReason) return t.skip(skipReason);
  process.env.AGENTCORE_LOCAL_NODE22 = node22;
  const { version, log } = await agentVersion("configured");
  assert.match(version, /^v22\./, "the agent reports Node 22");
  assert.match(log, /starting node v22\.\S+ \(configured\)/);
  assert.doesNotMatch(log, /warning/);
});

test("a NODE_22 code deploy runs on the copy `node install` fetched into the state folder's cache", async (t) => {
  if (skipReason) return t.skip(skipReason);
  delete process.env.AGENTCORE_LOCAL_NODE22;
  const progress: string[] = [];
  // A fresh state folder has no copy: install one (from the shared cache's npm cache, so quick).
  const got = await installNode(local.stateDir, 22, (line) => progress.push(line));
  assert.equal(got.installed, true);
  assert.match(got.version, /^v22\./);
  const again = await installNode(local.stateDir, 22, () => assert.fail("a working copy is not fetched again"));
  assert.equal(again.installed, false);
  const { version, log } = await agentVersion("cached");
  assert.match(version, /^v22\./);
  assert.match(log, /starting node v22\.\S+ \(cache\)/);
});

test("without Node 22 at hand the agent runs on the host's Node, and the invoke log and server log say so once", async () => {
  process.env.AGENTCORE_LOCAL_NODE22 = join(tmpdir(), "no-such-node-binary");
  const choice = await chooseNode({ stateDir: join(tmpdir(), "no-such-state"), runtime: "NODE_22", host: { path: process.execPath, version: "v20.19.0" } });
  assert.equal(choice.source, "host");
  assert.match(choice.warning ?? "", /runs on Node 22 in AWS.*does not run.*host's Node v20\.19\.0.*npm run local -- node install/);

  // The test server's state folder may hold the copy fetched above: this session must not use it.
  const hostIs22 = process.version.startsWith("v22.");
  const { rmSync } = await import("node:fs");
  rmSync(join(local.stateDir, "cache"), { recursive: true, force: true });
  const first = await agentVersion("fallback-1");
  const second = await agentVersion("fallback-2");
  assert.equal(first.version, process.version, "the host's Node ran the agent");
  if (hostIs22) {
    assert.doesNotMatch(first.log, /warning/, "the host's Node is Node 22: nothing to warn about");
  } else {
    assert.match(first.log, /warning: runtime NODE_22 runs on Node 22 in AWS/);
    assert.match(second.log, /warning: runtime NODE_22 runs on Node 22 in AWS/);
    assert.equal(serverLog.filter((l) => l.includes("runs on Node 22 in AWS")).length, 1, "the server log says it once");
  }
});
