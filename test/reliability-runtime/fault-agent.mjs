// An agent on plain node:http that misbehaves on request, for the runtime host's fault handling.
// At start (FAULT_START): "exit" exits at once; "never-healthy" answers /ping with 503 forever.
// FAULT_IGNORE_TERM=1 ignores SIGTERM (the host must escalate to SIGKILL).
// Per invocation (JSON body): hang, streamThenHang, crashMidStream, crashMidJson, spawnHelper
// (starts a long-lived child process first, as an agent's MCP server or shell tool would), and
// work (milliseconds of async work while counting how many invocations overlap), and failOnCall
// (answers HTTP 500 when this is the n-th invocation the process has seen: `calls` is its memory).
import { createServer } from "node:http";
import { spawn } from "node:child_process";

if (process.env.FAULT_START === "exit") {
  console.error("fault-agent: exiting at start on purpose");
  process.exit(5);
}
if (process.env.FAULT_IGNORE_TERM === "1") process.on("SIGTERM", () => console.error("fault-agent: ignoring SIGTERM"));

let inFlight = 0;
let maxInFlight = 0;
let served = 0;
let calls = 0;
const json = (res, status, body) => {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
};
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const server = createServer(async (req, res) => {
  if (req.method === "GET" && req.url === "/ping") {
    if (process.env.FAULT_START === "never-healthy") return json(res, 503, { status: "Unhealthy" });
    return json(res, 200, { status: "Healthy" });
  }
  const chunks = [];
  for await (const c of req) chunks.push(c);
  const body = JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}");
  calls++;
  if (body.failOnCall === calls) return json(res, 500, { error: `failing call ${calls} on purpose`, calls });
  inFlight++;
  maxInFlight = Math.max(maxInFlight, inFlight);
  try {
    if (body.spawnHelper) {
      const helper = spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)", "fault-agent-helper"], { stdio: "ignore" });
      helper.unref();
    }
    if (body.hang) return await new Promise(() => {});
    if (body.streamThenHang || body.crashMidStream) {
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.write(`data: ${JSON.stringify({ part: 1 })}\n\n`);
      if (body.crashMidStream) {
        await sleep(30);
        process.exit(4);
      }
      return await new Promise(() => {});
    }
    if (body.crashMidJson) {
      res.writeHead(200, { "content-type": "application/json" });
      res.write('{"partial": "the agent dies befo');
      await sleep(30);
      process.exit(6);
    }
    if (body.work) await sleep(body.work);
    served++;
    json(res, 200, { pid: process.pid, seq: body.seq, served, calls, inFlight, maxInFlight });
  } finally {
    inFlight--;
  }
});
server.listen(Number(process.env.PORT ?? 8080), "127.0.0.1");
