/**
 * The ledger loses nothing: two processes writing at once keep every entry, a ledger that cannot
 * be read is kept (by the ledger and by `workshop reset`), and a create whose answer was lost and
 * that the SDK retried into "already exists" is recorded as ours, not dropped.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { GetRoleCommand } from "@aws-sdk/client-iam";
import { GetApiKeyCredentialProviderCommand } from "@aws-sdk/client-bedrock-agentcore-control";
import { startTestLocal, type TestLocal } from "../helpers/local.js";
import { session, type Session } from "../../lib/session.js";
import { Ledger, LEDGER_FILE } from "../../lib/agentcore/ledger.js";
import { withFileLock } from "../../lib/agentcore/file-lock.js";
import { cleanup } from "../../lib/agentcore/cleanup.js";
import { createExecutionRole } from "../../lib/agentcore/iam.js";
import { createApiKeyCredentialProvider } from "../../lib/agentcore/identity.js";
import { performReset } from "../../lib/workshop/reset.js";
import { localPaths } from "../../lib/local/client/index.js";

const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), "agentcore-ledger-safety-"));
  dirs.push(d);
  return d;
};
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
const quiet = () => {};

describe("two writers", () => {
  test("two processes recording at once lose no entry", async () => {
    const dir = tempDir();
    const count = 120;
    const writers = ["a", "b"].map((prefix) => {
      const child = spawn(process.execPath, ["--import", "tsx", "test/lib/fixtures/ledger-writer.ts", dir, prefix, String(count)], { stdio: ["ignore", "pipe", "pipe"] });
      let err = "";
      child.stderr.on("data", (d) => (err += d));
      const ready = new Promise<void>((res) => child.stdout.once("data", () => res()));
      const done = new Promise<void>((res, rej) => child.on("exit", (code) => (code === 0 ? res() : rej(new Error(`writer ${prefix} exited ${code}: ${err}`)))));
      return { ready, done };
    });
    await Promise.all(writers.map((w) => w.ready));
    writeFileSync(join(dir, "go"), "");
    await Promise.all(writers.map((w) => w.done));
    const entries = new Ledger(dir).entries();
    const keys = new Set(entries.map((e) => (e.kind === "s3-object" ? e.key : "")));
    assert.equal(keys.size, 2 * count, `${2 * count - keys.size} entries lost`);
    assert.equal(entries.filter((e) => e.state === "created").length, count, "every confirmation kept");
    assert.deepEqual(readdirSync(dir).sort(), [LEDGER_FILE, "go"].sort(), "no lock or temp file left");
  });

  test("a ledger folder that does not exist yet is made on the first write", () => {
    const dir = join(tempDir(), "not", "yet");
    const ledger = new Ledger(dir);
    assert.deepEqual(ledger.entries(), []);
    ledger.intend({ target: "local", region: "r", accountId: "1" }, { kind: "iam-role", roleName: "first" });
    assert.equal(new Ledger(dir).entries().length, 1);
  });

  test("a lock left by a process that died is taken over; a live one makes the writer wait", () => {
    const dir = tempDir();
    const file = join(dir, LEDGER_FILE);
    // A lock left by a pid that is not running on this host.
    writeFileSync(`${file}.lock`, JSON.stringify({ pid: 2 ** 22 + 17, host: hostname(), at: Date.now() }));
    new Ledger(dir).intend({ target: "local", region: "r", accountId: "1" }, { kind: "iam-role", roleName: "after-stale" });
    assert.equal(new Ledger(dir).entries().length, 1);
    assert.ok(!existsSync(`${file}.lock`));
    // Held by this (live) process: a second taker gives up with the fix after its timeout.
    withFileLock(file, () => {
      assert.throws(() => withFileLock(file, () => 0, { timeoutMs: 200 }), /is held by process .*delete .*\.lock/);
    });
  });
});

describe("an unreadable ledger", () => {
  test("workshop reset keeps a ledger it cannot read", async () => {
    const project = tempDir();
    const notebooks = join(project, "notebooks");
    mkdirSync(notebooks);
    const ledgerFile = join(notebooks, LEDGER_FILE);
    writeFileSync(ledgerFile, '{"version":1,"entries":[{"kind":"iam-role","roleName":"real-aws-ro');
    const result = await performReset({ local: localPaths(project, {}), ledgers: [ledgerFile], notebookFiles: [], outDir: join(project, "out") });
    assert.deepEqual(result.kept.map((k) => k.path), [ledgerFile]);
    assert.match(result.kept[0]!.reason, /could not be read and was kept as/);
    const aside = readdirSync(notebooks).filter((f) => f.startsWith(`${LEDGER_FILE}.unreadable-`));
    assert.equal(aside.length, 1);
    assert.match(readFileSync(join(notebooks, aside[0]!), "utf8"), /real-aws-ro$/);
  });
});

describe("a create retried after a lost answer", () => {
  let local: TestLocal;
  let s: Session;
  before(async () => {
    local = await startTestLocal();
    s = await session({ target: "local", endpoint: local.endpoint, credentials: local.admin, region: local.region, maxAttempts: 3 });
  });
  after(async () => {
    s?.close();
    await local?.stop();
  });

  /**
   * The first answer to `commandName` is dropped after the service acted on it, as a connection
   * reset would: the SDK's retry middleware sends the create again and gets "already exists".
   */
  function dropFirstAnswer(client: { middlewareStack: { add: (...a: any[]) => void } }, commandName: string): { dropped: () => number } {
    let dropped = 0;
    client.middlewareStack.add(
      (next: (a: unknown) => Promise<unknown>, context: { commandName?: string }) => async (args: unknown) => {
        const out = await next(args);
        if (context.commandName === commandName && dropped === 0) {
          dropped++;
          throw Object.assign(new Error("socket hang up"), { code: "ECONNRESET" });
        }
        return out;
      },
      { step: "deserialize", priority: "low", name: `dropFirst${commandName}` },
    );
    return { dropped: () => dropped };
  }

  test("the role the first attempt created is recorded as ours and cleaned up", async () => {
    const drop = dropFirstAnswer(s.clients.iam, "CreateRoleCommand");
    const ledger = new Ledger(tempDir());
    const role = await createExecutionRole({ agentName: "lost_answer" }, { session: s, ledger, log: quiet });
    assert.equal(drop.dropped(), 1, "the first answer was dropped");
    assert.equal(role.action, "created");
    const entry = ledger.entries().find((e) => e.kind === "iam-role");
    assert.equal(entry?.state, "created", "the intent was adopted, not dropped");
    const report = await cleanup({ session: s, ledger, log: quiet });
    assert.ok(report.ok, JSON.stringify(report.steps));
    await assert.rejects(s.clients.iam.send(new GetRoleCommand({ RoleName: role.roleName })), /cannot be found|NoSuchEntity/, "no orphan left");
  });

  test("the provider the first attempt created is recorded as ours and cleaned up", async () => {
    const drop = dropFirstAnswer(s.clients.control, "CreateApiKeyCredentialProviderCommand");
    const ledger = new Ledger(tempDir());
    const p = await createApiKeyCredentialProvider({ name: "lost-answer-key", apiKey: "sk-lost-12345678" }, { session: s, ledger, log: quiet });
    assert.equal(drop.dropped(), 1);
    assert.equal(p.action, "created");
    assert.equal(ledger.entries()[0]?.state, "created");
    await cleanup({ session: s, ledger, log: quiet });
    await assert.rejects(s.clients.control.send(new GetApiKeyCredentialProviderCommand({ name: "lost-answer-key" })), /not found/);
  });
});
