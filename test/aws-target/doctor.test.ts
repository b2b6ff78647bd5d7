/**
 * `npm run doctor -- --target aws` on a machine without a region or without credentials: each is a
 * ✗ line with its one-line fix and exit code 1, without any AWS call leaving the machine (the
 * instance metadata service is switched off; the credential chain finds nothing locally).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const PROJECT = resolve(import.meta.dirname, "..", "..");
const require = createRequire(import.meta.url);

function doctor(env: Record<string, string>): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const home = mkdtempSync(join(tmpdir(), "aws-doctor-"));
  const clean = { ...process.env };
  for (const name of Object.keys(clean)) if (/^(AWS_|AGENTCORE_)/.test(name)) delete clean[name];
  const child = spawn(process.execPath, [require.resolve("tsx/cli"), join(PROJECT, "scripts", "doctor.ts"), "--target", "aws"], {
    cwd: PROJECT,
    env: { ...clean, HOME: home, AWS_CONFIG_FILE: join(home, "config"), AWS_SHARED_CREDENTIALS_FILE: join(home, "credentials"), AWS_EC2_METADATA_DISABLED: "true", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
  child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
  const guard = setTimeout(() => child.kill(), 90_000);
  return new Promise((done) =>
    child.on("close", (status) => {
      clearTimeout(guard);
      rmSync(home, { recursive: true, force: true });
      done({ status, stdout, stderr });
    }),
  );
}

test("doctor --target aws: no region, then no credentials, each one ✗ line with its fix", async () => {
  const noRegion = await doctor({ AWS_ACCESS_KEY_ID: "AKIA_DOCTOR_EXAMPLE1", AWS_SECRET_ACCESS_KEY: "doctorSecretExample000000000000000000001" });
  assert.equal(noRegion.status, 1, noRegion.stdout + noRegion.stderr);
  assert.match(noRegion.stdout, /Checking this machine for target "aws"/);
  assert.match(noRegion.stdout, /^✗ AWS region +not set$/m);
  assert.match(noRegion.stdout, /→ .*export AWS_REGION=/);
  assert.match(noRegion.stdout, /Not ready for target "aws"/);
  assert.ok(!noRegion.stdout.includes("doctorSecretExample"), "the secret key is never printed");

  const noCredentials = await doctor({ AWS_REGION: "us-west-2" });
  assert.equal(noCredentials.status, 1, noCredentials.stdout + noCredentials.stderr);
  assert.match(noCredentials.stdout, /^✓ AWS region +us-west-2$/m);
  assert.match(noCredentials.stdout, /^✗ AWS credentials +CredentialsProviderError: Could not load credentials from any providers/m);
  assert.match(noCredentials.stdout, /→ Configure credentials: aws configure/);
  assert.doesNotMatch(noCredentials.stdout, /AgentCore +available/, "AgentCore is not probed without credentials");
});
