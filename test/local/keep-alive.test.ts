/**
 * Idle keep-alive connections. The AWS SDK keeps sockets open and reuses them whenever the next
 * request comes; if the server closes an idle socket just as a request is written to it, the SDK
 * sees ECONNRESET (a flaky "read ECONNRESET" in long tests). AWS endpoints keep idle connections
 * for about a minute, so Local AgentCore must outlast the few seconds between a notebook's calls.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { Agent, request } from "node:http";
import { setTimeout as sleep } from "node:timers/promises";
import { HEALTH_PATH } from "../../lib/local/local-routes.js";
import { startTestLocal, type TestLocal } from "../helpers/local.js";

let local: TestLocal;
before(async () => {
  local = await startTestLocal();
});
after(async () => {
  await local.stop();
});

function get(agent: Agent): Promise<{ status: number; reusedSocket: boolean }> {
  return new Promise((resolve, reject) => {
    const req = request(`${local.endpoint}${HEALTH_PATH}`, { agent }, (res) => {
      res.resume();
      res.on("end", () => resolve({ status: res.statusCode!, reusedSocket: req.reusedSocket }));
    });
    req.on("error", reject);
    req.end();
  });
}

test("an idle keep-alive connection stays open well past Node's 5 s default", async () => {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  try {
    assert.equal((await get(agent)).status, 200);
    const [socket] = Object.values(agent.freeSockets).flat();
    assert.ok(socket, "the first request's socket is kept for reuse");
    let closedByServer = false;
    socket!.on("close", () => (closedByServer = true));
    await sleep(7000);
    assert.equal(closedByServer, false, "the server closed an idle connection after less than 7 s");
    const second = await get(agent);
    assert.equal(second.status, 200);
    assert.equal(second.reusedSocket, true);
  } finally {
    agent.destroy();
  }
});
