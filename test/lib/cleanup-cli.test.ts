/**
 * `npm run cleanup`: its flags (parsed strictly), and a dry run that lists without deleting, then
 * a real run, each as one table, against a Local AgentCore the CLI finds by its state folder.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CreateBucketCommand, HeadBucketCommand, S3Client } from "@aws-sdk/client-s3";
import { Ledger, LEDGER_FILE } from "../../lib/agentcore/ledger.js";
import { localPaths, readEnvFile, startDetached, stopLocal, type LocalPaths } from "../../lib/local/client/index.js";
import { freePort } from "../../lib/local/free-port.js";
import { PROJECT_DIR } from "../../lib/project-dir.js";

let tmp: string;
let paths: LocalPaths;
let localEnv: Record<string, string>;

before(async () => {
  tmp = mkdtempSync(join(tmpdir(), "cleanup-cli-"));
  localEnv = { AGENTCORE_LOCAL_DIR: join(tmp, "state"), AGENTCORE_LOCAL_PORT: String(await freePort()) };
  paths = localPaths(PROJECT_DIR, localEnv);
});
after(async () => {
  if (paths) await stopLocal(paths);
  rmSync(tmp, { recursive: true, force: true });
});

const run = (args: string[], env: NodeJS.ProcessEnv = {}) => {
  const base: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith("AGENTCORE_") && !k.startsWith("AWS_")) base[k] = v;
  return spawnSync(process.execPath, ["--import", "tsx", "scripts/cleanup.ts", ...args], { encoding: "utf8", env: { ...base, ...env }, timeout: 120_000 });
};

test("npm run cleanup: --help, --version, unknown flags and bad targets are usage errors, an empty ledger folder", () => {
  const help = run(["--help"]);
  assert.equal(help.status, 0);
  assert.match(help.stdout, /Usage: npm run cleanup/);
  assert.match(help.stdout, /--dry-run/);
  assert.match(help.stdout, /--target aws/);
  assert.match(help.stdout, /notebooks\/\.agentcore-ledger\.json/);

  const version = run(["--version"]);
  assert.equal(version.status, 0);
  assert.equal(version.stdout.trim(), (JSON.parse(readFileSync(join(PROJECT_DIR, "package.json"), "utf8")) as { version: string }).version);

  const bad = run(["--force"]);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /Unknown option '--force'/);
  assert.match(bad.stderr, /Usage: npm run cleanup/);

  const target = run(["--target", "gcp"]);
  assert.equal(target.status, 2);
  assert.match(target.stderr, /--target must be local or aws \(got "gcp"\)/);

  const two = run(["a", "b"]);
  assert.equal(two.status, 2);

  const dir = mkdtempSync(join(tmp, "empty-"));
  const byArg = run([dir]);
  assert.equal(byArg.status, 0);
  assert.match(byArg.stdout, new RegExp(`Nothing recorded in ${dir}/\\.agentcore-ledger\\.json`));
  const byEnv = run([], { AGENTCORE_LEDGER_DIR: dir });
  assert.equal(byEnv.status, 0);
  assert.match(byEnv.stdout, new RegExp(`Nothing recorded in ${dir}/\\.agentcore-ledger\\.json:`));
});

test("--dry-run lists what would be deleted as one table and deletes nothing; the real run deletes it", async () => {
  const started = await startDetached(paths, 60_000);
  const env = readEnvFile(paths.envFile)!;
  const s3 = new S3Client({
    endpoint: started.endpoint,
    region: env.AWS_REGION ?? paths.region,
    forcePathStyle: true,
    credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID!, secretAccessKey: env.AWS_SECRET_ACCESS_KEY! },
  });
  try {
    const dir = mkdtempSync(join(tmp, "ledger-"));
    const ledger = new Ledger(dir);
    const scope = { target: "local" as const, region: env.AWS_REGION ?? paths.region, accountId: started.accountId };
    await s3.send(new CreateBucketCommand({ Bucket: "cli-dry-run" }));
    ledger.confirm(ledger.intend(scope, { kind: "s3-bucket", bucket: "cli-dry-run" }).id);
    ledger.intend(scope, { kind: "iam-role", roleName: "never-made" });
    const before = readFileSync(join(dir, LEDGER_FILE), "utf8");

    const dry = run(["--dry-run", "--target", "local", dir], localEnv);
    assert.equal(dry.status, 0, dry.stderr);
    assert.match(dry.stdout, /^LEDGER +KIND +RESOURCE +OUTCOME +DETAIL$/m);
    assert.match(dry.stdout, /s3-bucket +s3:\/\/cli-dry-run +would delete/);
    assert.match(dry.stdout, /iam-role +never-made +would delete +if it exists and is this entry's/);
    assert.match(dry.stdout, /Dry run: nothing was deleted/);
    await s3.send(new HeadBucketCommand({ Bucket: "cli-dry-run" }));
    assert.equal(readFileSync(join(dir, LEDGER_FILE), "utf8"), before, "the ledger is left as it is");

    const real = run([dir], localEnv);
    assert.equal(real.status, 0, real.stderr);
    assert.equal(real.stdout.match(/^LEDGER/gm)?.length, 1, "one table");
    assert.match(real.stdout, /iam-role +never-made +already gone/);
    assert.match(real.stdout, /s3-bucket +s3:\/\/cli-dry-run +deleted/);
    await assert.rejects(s3.send(new HeadBucketCommand({ Bucket: "cli-dry-run" })));
    assert.deepEqual(new Ledger(dir).entries(), []);
  } finally {
    s3.destroy();
  }
});
