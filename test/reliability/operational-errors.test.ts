/**
 * The CLI (`npm run local -- start`) facing a port in use, a state folder it
 * cannot write, a corrupted database, and a missing master key beside an existing vault: each
 * ends with a non-zero exit and one line that explains and says how to fix it, and the files
 * already in the state folder keep every byte.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { CreateApiKeyCredentialProviderCommand } from "@aws-sdk/client-bedrock-agentcore-control";
import { startLocalServer } from "../../lib/local/http/server.js";
import { makeClients } from "../helpers/local.js";
import { freePort, runCli, type CliResult } from "./child-local.js";

/** sha256 of every file in a folder (recursively), by relative path. */
function snapshot(dir: string, prefix = ""): Map<string, string> {
  const out = new Map<string, string>();
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) for (const [k, v] of snapshot(path, `${prefix}${name}/`)) out.set(k, v);
    else out.set(prefix + name, createHash("sha256").update(readFileSync(path)).digest("hex"));
  }
  return out;
}

function assertUnchanged(dir: string, before: Map<string, string>): void {
  const now = snapshot(dir);
  for (const [file, hash] of before) assert.equal(now.get(file), hash, `${file} was changed or removed`);
}

/** Exit code non-zero and exactly one line on stderr, matching every pattern. */
function assertOneLineFailure(r: CliResult, ...patterns: RegExp[]): string {
  assert.equal(r.signal, null, `the CLI hung and was killed:\n${r.stdout}${r.stderr}`);
  assert.notEqual(r.code, 0, `expected a failure, got exit 0:\n${r.stdout}`);
  const lines = r.stderr.trim().split("\n");
  assert.equal(lines.length, 1, `expected one line, got:\n${r.stderr}`);
  for (const p of patterns) assert.match(lines[0]!, p);
  return lines[0]!;
}

describe("operational errors: one line, a fix, nothing overwritten", { timeout: 120_000 }, () => {
  const root = mkdtempSync(join(tmpdir(), "agentcore-reliability-ops-"));
  const pristine = join(root, "pristine");
  let copies = 0;
  /** A fresh copy of a state folder that holds an account and a vaulted secret. */
  const stateCopy = () => {
    const dir = join(root, `state-${copies++}`);
    cpSync(pristine, dir, { recursive: true });
    return dir;
  };

  before(async () => {
    const server = await startLocalServer({ stateDir: pristine, port: 0 });
    const clients = makeClients(server.endpoint, server.region, server.admin);
    await clients.control.send(new CreateApiKeyCredentialProviderCommand({ name: "kept", apiKey: "sk-must-survive" }));
    Object.values(clients).forEach((c) => c.destroy());
    await server.close();
    assert.ok(existsSync(join(pristine, "master.key")));
  });

  after(() => rmSync(root, { recursive: true, force: true }));

  it("the port in use: exit 1, says so and how to choose another", async () => {
    const port = await freePort();
    const blocker: Server = createServer((socket) => socket.destroy()); // another program on the port
    await new Promise<void>((r) => blocker.listen(port, "127.0.0.1", () => r()));
    try {
      for (const args of [["start", "--foreground"], ["start"]]) {
        const dir = stateCopy();
        const before = snapshot(dir);
        const r = await runCli(args, dir, port);
        assertOneLineFailure(r, new RegExp(`Port ${port} is already in use`), /AGENTCORE_LOCAL_PORT=/);
        assertUnchanged(dir, before);
      }
    } finally {
      await new Promise((r) => blocker.close(r));
    }
  });

  it("a state folder that cannot be created (a path under a regular file): names the folder and the fix", async () => {
    const file = join(root, "regular-file");
    writeFileSync(file, "not a folder\n");
    for (const args of [["start", "--foreground"], ["start"]]) {
      const r = await runCli(args, join(file, "state"), await freePort());
      assertOneLineFailure(r, /cannot (create|write)/i, new RegExp(file.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")), /AGENTCORE_LOCAL_DIR=/);
    }
    assert.equal(readFileSync(file, "utf8"), "not a folder\n");
  });

  it("a corrupted database file: says it is damaged, changes nothing, and says how to recover", async () => {
    for (const args of [["start", "--foreground"], ["start"]]) {
      const dir = stateCopy();
      const garbage = Buffer.alloc(64 * 1024);
      for (let i = 0; i < garbage.length; i++) garbage[i] = (i * 7919) & 0xff;
      writeFileSync(join(dir, "state.db"), garbage);
      const before = snapshot(dir);
      const r = await runCli(args, dir, await freePort());
      assertOneLineFailure(r, /state\.db/, /damaged|not a database|malformed/i, /backup|move .* aside|mv /i);
      assertUnchanged(dir, before);
      assert.ok(!existsSync(join(dir, "state.db-wal")) || statSync(join(dir, "state.db-wal")).size === 0);
    }
  });

  it("a missing master key beside a vault with secrets: refuses to start, never makes a new key", async () => {
    for (const args of [["start", "--foreground"], ["start"]]) {
      const dir = stateCopy();
      unlinkSync(join(dir, "master.key"));
      const before = snapshot(dir);
      const r = await runCli(args, dir, await freePort());
      assertOneLineFailure(r, /master key .*master\.key is missing/, /Restore master\.key/);
      assertUnchanged(dir, before);
      assert.ok(!existsSync(join(dir, "master.key")), "a new master key was made, orphaning the vault");
      assert.ok(!existsSync(join(dir, "env")), "the env file was written for a server that cannot run");
    }
  });
});
