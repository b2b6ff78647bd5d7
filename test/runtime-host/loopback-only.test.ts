/**
 * The loopback preload on its own, in a real node process: every way a TCP server can be asked to
 * listen on all interfaces (or on another address) ends on 127.0.0.1; loopback hosts and Unix
 * sockets are left as they are; callbacks still run.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { test } from "node:test";

const PRELOAD = fileURLToPath(new URL("../../lib/local/runtime-host/loopback-only.mjs", import.meta.url));

test("every listen form ends on loopback; Unix sockets and loopback hosts are untouched", () => {
  const dir = mkdtempSync(join(tmpdir(), "loopback-only-"));
  try {
    const script = `
import net from "node:net";
import http from "node:http";
const sock = ${JSON.stringify(join(dir, "agent.sock"))};
const forms = {
  "listen()": (s, cb) => s.listen(cb),
  "listen(0)": (s, cb) => s.listen(0, cb),
  "listen('0')": (s, cb) => s.listen("0", cb),
  "listen(0, '0.0.0.0')": (s, cb) => s.listen(0, "0.0.0.0", cb),
  "listen(0, '::')": (s, cb) => s.listen(0, "::", cb),
  "listen(0, backlog)": (s, cb) => s.listen(0, 511, cb),
  "listen({ port: 0 })": (s, cb) => s.listen({ port: 0 }, cb),
  "listen({ port: 0, host: '0.0.0.0' })": (s, cb) => s.listen({ port: 0, host: "0.0.0.0" }, cb),
  "http listen(0, '::', backlog)": (s, cb) => s.listen(0, "::", 100, cb),
  "listen(0, '127.0.0.2')": (s, cb) => s.listen(0, "127.0.0.2", cb),
  "listen(0, '::1')": (s, cb) => s.listen(0, "::1", cb),
  "listen(path)": (s, cb) => s.listen(sock, cb),
};
const out = {};
for (const [name, listen] of Object.entries(forms)) {
  const server = name.startsWith("http") ? http.createServer() : net.createServer();
  try {
    await new Promise((resolve, reject) => { server.once("error", reject); listen(server, resolve); });
    const a = server.address();
    out[name] = typeof a === "string" ? "unix" : a.address;
    server.close();
  } catch (e) {
    out[name] = "error: " + e.code;
  }
}
console.log(JSON.stringify(out));
`;
    const out = JSON.parse(execFileSync(process.execPath, ["--import", PRELOAD, "--input-type=module", "-e", script], { encoding: "utf8" })) as Record<string, string>;
    for (const [form, address] of Object.entries(out)) {
      if (form === "listen(path)") assert.equal(address, "unix", form);
      else if (form === "listen(0, '127.0.0.2')") assert.equal(address, "127.0.0.2", form);
      else if (form === "listen(0, '::1')") assert.ok(address === "::1" || address.startsWith("error: EADDRNOTAVAIL"), `${form}: ${address}`);
      else assert.equal(address, "127.0.0.1", form);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
