/**
 * `prepare` with Local AgentCore's port held by another program: it must not pretend, must not run
 * the notebooks, must exit non-zero, and must say what to do (stop that program or pick a port).
 */
import assert from "node:assert/strict";
import { existsSync, readdirSync } from "node:fs";
import { createServer, type Server, type Socket } from "node:net";
import path from "node:path";
import { after, before, test } from "node:test";
import { ownWorkshop, type Workshop } from "./helpers.js";

let ws: Workshop;
let blocker: Server;
const sockets = new Set<Socket>();
let port: number;

before(async () => {
  ws = await ownWorkshop();
  // A plain TCP server that is not Local AgentCore: it accepts and drops connections.
  blocker = createServer((socket) => {
    sockets.add(socket);
    socket.destroy();
  });
  await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
  port = (blocker.address() as { port: number }).port;
  ws.env.AGENTCORE_LOCAL_PORT = String(port);
});

after(async () => {
  for (const s of sockets) s.destroy();
  await new Promise((resolve) => blocker?.close(resolve));
  await ws?.stop();
});

test("prepare with the port taken: exit 1, the checklist names the port and the fix, no notebook runs", async () => {
  const r = await ws.workshop(["prepare", "--out", ws.outDir]);
  assert.equal(r.code, 1, `expected exit 1\n${r.stdout}\n${r.stderr}`);
  assert.match(r.stdout, new RegExp(`✗ Local AgentCore start\\s+port ${port} is taken by another program`));
  assert.match(r.stdout, /AGENTCORE_LOCAL_PORT=<port> npm run workshop -- prepare/);
  assert.match(r.stdout, /✗ Notebook 01-outbound-auth-api-key\s+not run: Local AgentCore is not running/);
  assert.match(r.stdout, /NOT READY/);
  // The other checks still ran and are reported (a presenter fixes everything in one pass).
  assert.match(r.stdout, /✓ Node\.js/);
  assert.match(r.stdout, /Agent dependencies/);
  // Nothing was started and nothing was executed.
  assert.equal(existsSync(path.join(ws.stateDir, "server.pid")), false, "no Local AgentCore pid file");
  const executed = existsSync(ws.outDir) ? readdirSync(ws.outDir).filter((f) => f.endsWith(".ipynb")) : [];
  assert.deepEqual(executed, []);
});
