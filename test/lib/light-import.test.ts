/**
 * Importing the library must not load Local AgentCore's server. A notebook's first cell runs
 * `require("agentcore-kit")` (tslab cells are CommonJS); it should get the library and Local
 * AgentCore's *client* (find, start, health), never the HTTP server, its services, its state or
 * better-sqlite3, on either target. So the aws target also works on a machine where
 * better-sqlite3's native build failed.
 *
 * Each case runs in a child process of its own (fixtures/light-import/cell.cjs) so the module
 * caches start empty: require.cache records CommonJS loads, an ESM loader hook records the rest.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { localPaths, stopLocal } from "../../lib/local/client/index.js";
import { freePort } from "../../lib/local/free-port.js";

const projectDir = join(import.meta.dirname, "..", "..");
const fixtures = join(import.meta.dirname, "fixtures", "light-import");

/** Modules under lib/local/ that the client may load: its own folder and these shared leaves (Node built-ins only). */
const CLIENT_FOLDER = "lib/local/client/";
const SHARED_LEAVES = ["lib/local/defaults.ts", "lib/local/port-in-use.ts", "lib/local/local-routes.ts", "lib/local/private-folder.ts", "lib/local/node-runtime.ts"];

interface CellResult {
  entry: string;
  targetFromEnv: string;
  masked: string;
  sessions: {
    aws?: { target: string; region: string; endpoint: string | null; clients: string[] };
    local?: { target: string; region: string; endpoint: string; account: string; knownAccount: string };
  };
  betterSqlite3: string;
  loaded: string[];
}

interface Run {
  code: number;
  stdout: string;
  stderr: string;
  result?: CellResult;
  /** Every file the child loaded, CommonJS and ESM, relative to the project (`/` separators). */
  files: string[];
  /** Those the ESM loader recorded. */
  esmFiles: string[];
}

let tmp: string;
let stateDir: string;
let port: number;

before(async () => {
  tmp = mkdtempSync(join(tmpdir(), "agentcore-light-import-"));
  stateDir = join(tmp, "state");
  port = await freePort();
});

after(async () => {
  await stopLocal(localPaths(projectDir, { AGENTCORE_LOCAL_DIR: stateDir, AGENTCORE_LOCAL_PORT: String(port) }));
  rmSync(tmp, { recursive: true, force: true });
});

/** A kernel-like environment: no AWS settings, no tsx preloaded, this test's Local AgentCore. */
function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (k.startsWith("AWS_") || k.startsWith("AGENTCORE_") || k === "NODE_OPTIONS" || k === "OPENAI_API_KEY") continue;
    env[k] = v;
  }
  return { ...env, AGENTCORE_LOCAL_DIR: stateDir, AGENTCORE_LOCAL_PORT: String(port), NO_COLOR: "1", ...extra };
}

function runCell(name: string, targets: string[], opts: { failedSqliteBuild?: boolean } = {}): Promise<Run> {
  const loadLog = join(tmp, `${name}.esm-loads`);
  const nodeArgs = ["--import", join(fixtures, "record-loads.mjs")];
  if (opts.failedSqliteBuild) nodeArgs.push("--require", join(fixtures, "no-better-sqlite3.cjs"));
  const env = childEnv({ LOAD_LOG: loadLog, ...(opts.failedSqliteBuild ? { REFUSE_PACKAGES: "better-sqlite3" } : {}) });
  return new Promise((resolve) => {
    execFile(process.execPath, [...nodeArgs, join(fixtures, "cell.cjs"), ...targets], { cwd: join(projectDir, "notebooks"), env, timeout: 120_000 }, (err, stdout, stderr) => {
      const line = stdout.split("\n").find((l) => l.startsWith("RESULT "));
      const result = line ? (JSON.parse(line.slice("RESULT ".length)) as CellResult) : undefined;
      let esm: string[] = [];
      try {
        esm = readFileSync(loadLog, "utf8").split("\n").filter((u) => u.startsWith("file:")).map((u) => fileURLToPath(u));
      } catch {
        /* nothing went through the ESM loader */
      }
      const fromProject = (f: string) => relative(projectDir, f).split(sep).join("/");
      const files = [...new Set([...(result?.loaded ?? []), ...esm])].map(fromProject);
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr, result, files, esmFiles: esm.map(fromProject) });
    });
  });
}

const serverModules = (files: string[]) => files.filter((f) => f.startsWith("lib/local/") && !f.startsWith(CLIENT_FOLDER) && !SHARED_LEAVES.includes(f));
const sqliteModules = (files: string[]) => files.filter((f) => f.includes("node_modules/better-sqlite3/"));

test("a cell's require loads Local AgentCore's client, never its server, on either target", { timeout: 180_000 }, async () => {
  const run = await runCell("both", ["aws", "local"]);
  assert.equal(run.code, 0, run.stderr);
  const r = run.result!;
  assert.equal(relative(projectDir, r.entry), "tslab-entry.cjs", "the package is loaded through its CommonJS entry, as tslab does");
  assert.deepEqual(r.sessions.aws, { target: "aws", region: "eu-west-1", endpoint: null, clients: ["cognito", "control", "data", "ecr", "iam", "s3", "sts"] });
  assert.equal(r.sessions.local?.endpoint, `http://127.0.0.1:${port}`, "the session started this test's Local AgentCore on demand");
  assert.match(r.sessions.local!.account, /^\d{12}$/);
  assert.equal(r.sessions.local!.knownAccount, r.sessions.local!.account);

  // The record is real: the library and the client were loaded through it, and the ESM hook ran.
  assert.ok(run.files.includes("lib/index.ts"), "lib/index.ts is among the loaded modules");
  assert.ok(run.esmFiles.includes("test/lib/fixtures/light-import/cell.cjs"), "the ESM loader hook recorded the entry script");
  assert.ok(run.files.some((f) => f.startsWith(CLIENT_FOLDER)), "the client was loaded");
  assert.equal(r.betterSqlite3, "loads", "better-sqlite3 works on this machine, so its absence below is the library's doing");

  assert.deepEqual(serverModules(run.files), [], "modules of Local AgentCore's server side loaded by the library");
  assert.deepEqual(sqliteModules(run.files), [], "better-sqlite3 loaded by the library");
});

test("the aws target works on a machine where better-sqlite3 failed to build", { timeout: 120_000 }, async () => {
  const run = await runCell("no-sqlite", ["aws"], { failedSqliteBuild: true });
  assert.equal(run.code, 0, run.stderr);
  const r = run.result!;
  assert.match(r.betterSqlite3, /^fails: Could not locate the bindings file/, "the simulated failed build is in force");
  assert.equal(r.targetFromEnv, "aws");
  assert.match(run.stdout, /^display works$/m);
  assert.equal(r.masked, "sk-…abcd");
  assert.deepEqual(r.sessions.aws, { target: "aws", region: "eu-west-1", endpoint: null, clients: ["cognito", "control", "data", "ecr", "iam", "s3", "sts"] });
  assert.deepEqual(serverModules(run.files), []);
});
