/**
 * A clean AWS environment for one test: every AWS_* and AGENTCORE_* variable removed, HOME and the
 * shared config files pointed at a temporary folder, the instance metadata service switched off
 * (so a credential chain that finds nothing fails here instead of reaching for the network), and a
 * Local AgentCore env file of its own, whose admin key must never reach the aws target.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { resetSession } from "../../lib/session.js";

export const LOCAL_ADMIN_KEY = "AKIA_LOCAL_ADMIN_KEY";
export const LOCAL_ADMIN_SECRET = "localAdminSecretKeyThatMustNotLeak000001";
export const LOCAL_ENDPOINT = "http://127.0.0.1:4599";

export interface AwsEnv {
  dir: string;
  /** Writes ~/.aws/config and ~/.aws/credentials (through AWS_CONFIG_FILE / AWS_SHARED_CREDENTIALS_FILE). */
  profiles(config: string, credentials: string): void;
  restore(): void;
}

export function cleanAwsEnv(vars: Record<string, string> = {}): AwsEnv {
  const saved = { ...process.env };
  const dir = mkdtempSync(join(tmpdir(), "aws-target-"));
  for (const name of Object.keys(process.env)) if (/^(AWS_|AGENTCORE_)/.test(name)) delete process.env[name];
  const localDir = join(dir, "local-state");
  mkdirSync(localDir);
  writeFileSync(
    join(localDir, "env"),
    [`export AWS_ENDPOINT_URL=${LOCAL_ENDPOINT}`, `export AWS_ACCESS_KEY_ID=${LOCAL_ADMIN_KEY}`, `export AWS_SECRET_ACCESS_KEY=${LOCAL_ADMIN_SECRET}`, "export AWS_REGION=us-east-1", ""].join("\n"),
  );
  // Distinct file names per test: the SDK caches shared files by path.
  const suffix = Math.random().toString(36).slice(2);
  Object.assign(process.env, {
    HOME: dir,
    AWS_CONFIG_FILE: join(dir, `config-${suffix}`),
    AWS_SHARED_CREDENTIALS_FILE: join(dir, `credentials-${suffix}`),
    AWS_EC2_METADATA_DISABLED: "true",
    AGENTCORE_LOCAL_DIR: localDir,
    AGENTCORE_LEDGER_DIR: dir,
    ...vars,
  });
  resetSession();
  return {
    dir,
    profiles(config, credentials) {
      writeFileSync(process.env.AWS_CONFIG_FILE!, config);
      writeFileSync(process.env.AWS_SHARED_CREDENTIALS_FILE!, credentials);
    },
    restore() {
      resetSession();
      for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name];
      Object.assign(process.env, saved);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
