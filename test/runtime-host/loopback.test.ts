/**
 * Agents are reachable from this machine only. `BedrockAgentCoreApp` binds 0.0.0.0 by default,
 * and an agent's own helpers may listen without a host (all interfaces): after an invoke, every
 * listening TCP socket of the agent process, read from /proc, must be on a loopback address,
 * and the agent must still answer through Local AgentCore.
 */
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from "node:fs";
import { buildCodeBundle } from "../../lib/agentcore/build/code-bundle.js";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { startTestLocal, type TestLocal } from "../helpers/local.js";
import { createRole, deployBundle, invokeJson, PROJECT_DIR, sessionId, zipBundle } from "./setup.js";

let local: TestLocal;
let roleArn: string;

before(async () => {
  local = await startTestLocal();
  roleArn = await createRole(local, "loopback-role");
});
after(() => local?.stop());

/** The socket inodes a process holds. */
function socketInodes(pid: number): Set<string> {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m) inodes.add(m[1]!);
    } catch {
      // closed meanwhile
    }
  }
  return inodes;
}

/** Decodes a /proc/net/tcp{,6} hex address (32-bit words in host byte order, little-endian here). */
function decodeAddress(hex: string): string {
  const words = hex.match(/.{8}/g)!.map((w) => w.match(/../g)!.reverse().join(""));
  const bytes = words.join("").match(/../g)!.map((b) => parseInt(b, 16));
  if (bytes.length === 4) return bytes.join(".");
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i]! << 8) | bytes[i + 1]!).toString(16));
  return groups.join(":");
}

const isLoopback = (addr: string) => addr.startsWith("127.") || addr === "0:0:0:0:0:0:0:1" || /^0:0:0:0:0:ffff:7f/.test(addr);

/** The local addresses (`addr port`) on which the process has listening TCP sockets. */
function listeningAddresses(pid: number): string[] {
  const mine = socketInodes(pid);
  const found: string[] = [];
  for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    for (const line of readFileSync(table, "utf8").split("\n").slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols.length < 10 || cols[3] !== "0A" || !mine.has(cols[9]!)) continue; // 0A: LISTEN
      const [addr, port] = cols[1]!.split(":");
      found.push(`${decodeAddress(addr!)} ${parseInt(port!, 16)}`);
    }
  }
  return found;
}

async function assertOnlyLoopback(runtimeArn: string, label: string, extraListeners: number) {
  const session = sessionId(label);
  const out = await invokeJson(local, { agentRuntimeArn: runtimeArn, runtimeSessionId: session, contentType: "application/json", payload: { prompt: "hi" } });
  assert.equal(out.status, 200);
  const runtimeId = runtimeArn.split("/").pop()!;
  const pid = local.server.runtimeHost.sessionInstance(runtimeId, session)!.pid!;
  const addresses = listeningAddresses(pid);
  assert.ok(addresses.length >= 1 + extraListeners, `the agent's listeners were found: ${addresses.join(", ")}`);
  const exposed = addresses.filter((a) => !isLoopback(a.split(" ")[0]!));
  assert.deepEqual(exposed, [], `the agent listens beyond this machine on ${exposed.join(", ")}`);
}

test("a node:http agent listening without a host, plus helpers on 0.0.0.0 and ::, listens on loopback only", async () => {
  const agent = `
import { createServer } from "node:http";
import net from "node:net";
await new Promise((r) => net.createServer().listen({ port: 0, host: "0.0.0.0" }, r));
await new Promise((r) => net.createServer().listen(0, "::", r));
createServer((req, res) => {
  if (req.url === "/ping") { res.writeHead(200, { "content-type": "application/json" }); return res.end('{"status":"Healthy"}'); }
  req.resume();
  req.on("end", () => { res.writeHead(200, { "content-type": "application/json" }); res.end('{"ok":true}'); });
}).listen(Number(process.env.PORT));
`;
  const r = await deployBundle(local, { name: "open_listener", roleArn, key: "loopback/open.zip", zip: zipBundle({ files: { "agent.mjs": agent, "package.json": '{"type":"module"}' } }) });
  await assertOnlyLoopback(r.arn, "open", 2);
});

test("BedrockAgentCoreApp (0.0.0.0 by default) listens on loopback only", async () => {
  const agent = `
import { BedrockAgentCoreApp } from "bedrock-agentcore/runtime";
const app = new BedrockAgentCoreApp({ invocationHandler: { process: async (payload: unknown) => ({ echo: payload }) } });
app.run({ port: Number(process.env.PORT) });
`;
  // Built as notebook 01 builds a code deploy: the compiled agent with its installed dependencies.
  mkdirSync(join(PROJECT_DIR, "out"), { recursive: true });
  const dir = mkdtempSync(join(PROJECT_DIR, "out", "loopback-agent-"));
  try {
    writeFileSync(join(dir, "sdk_listener.ts"), agent);
    const built = await buildCodeBundle({
      entrypoint: join(dir, "sdk_listener.ts"),
      agentName: "sdk_listener",
      projectDir: PROJECT_DIR,
      cacheDir: join(PROJECT_DIR, "out", "test-bundles"),
    });
    const r = await deployBundle(local, { name: "sdk_listener", roleArn, key: "loopback/sdk.zip", zip: built.zip, entryPoint: [built.entryFile] });
    await assertOnlyLoopback(r.arn, "sdk", 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
