/**
 * The server log is written a turn's lines at a time: a line is never lost to that batching — not
 * the last request's before a stop, nor the lines held when the process exits or crashes.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { localPaths, startDetached, stopLocal } from "../../lib/local/client/index.js";
import { readEnvFile } from "../../lib/local/client/env-file.js";
import { freePort } from "../../lib/local/free-port.js";

const projectDir = join(import.meta.dirname, "..", "..");
const sinkModule = join(projectDir, "lib", "local", "http", "log-sink.ts");

test("the last request before a stop is in the server log", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "agentcore-local-log-"));
  const paths = localPaths(projectDir, { AGENTCORE_LOCAL_DIR: dir, AGENTCORE_LOCAL_PORT: String(await freePort()) });
  t.after(async () => {
    await stopLocal(paths);
    rmSync(dir, { recursive: true, force: true });
  });
  const started = await startDetached(paths, 60_000);
  const env = readEnvFile(paths.envFile)!;
  const sts = new STSClient({
    endpoint: started.endpoint,
    region: env.AWS_REGION,
    credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID!, secretAccessKey: env.AWS_SECRET_ACCESS_KEY! },
    maxAttempts: 1,
  });
  const out = await sts.send(new GetCallerIdentityCommand({}));
  sts.destroy();
  await stopLocal(paths); // at once: the line may still be held when SIGTERM arrives
  const log = readFileSync(paths.logFile, "utf8");
  const requestId = out.$metadata.requestId!;
  assert.match(log, new RegExp(`^\\S+Z POST sts GetCallerIdentity 200 \\d+ms ${requestId}$`, "m"), log.slice(-2000));
  assert.match(log, /SIGTERM: stopping/);
});

/** Runs a script that logs through a sink and then ends as `ending` says; its stdout. */
function runSink(ending: string): Promise<{ stdout: string; code: number | null }> {
  const script = `import { createLogSink } from ${JSON.stringify(sinkModule)};
    const log = createLogSink();
    log("first line"); log("second line");
    ${ending}`;
  return new Promise((resolve) => {
    execFile(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], { cwd: projectDir }, (err, stdout) =>
      resolve({ stdout, code: err ? ((err as { code?: number }).code ?? 1) : 0 }),
    );
  });
}

for (const [how, ending, code] of [
  ["process.exit", "process.exit(3);", 3],
  ["an uncaught error", "throw new Error('boom');", 1],
  ["a rejected promise", "await Promise.reject(new Error('boom'));", 1],
] as const) {
  test(`the lines held when the process ends by ${how} are written`, async () => {
    const r = await runSink(ending);
    assert.equal(r.code, code);
    assert.match(r.stdout, /^\S+Z first line\n\S+Z second line\n$/);
  });
}

test("the lines of one turn go out in one write, in order", async () => {
  const writes: string[] = [];
  const { createLogSink } = await import("../../lib/local/http/log-sink.js");
  const log = createLogSink({ write: (s: string) => writes.push(s) }, () => new Date(0));
  log("a");
  log("b");
  assert.deepEqual(writes, [], "held until the turn ends");
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(writes, ["1970-01-01T00:00:00.000Z a\n1970-01-01T00:00:00.000Z b\n"]);
  log("c");
  log.flush();
  assert.deepEqual(writes.at(-1), "1970-01-01T00:00:00.000Z c\n");
});
