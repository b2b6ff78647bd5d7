/**
 * What the runtime host tests share: real code bundles (zips made with fflate), uploaded to Local
 * S3 with the S3 client, deployed with CreateAgentRuntime, and helpers to invoke and to read the
 * process table.
 */
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import { strToU8, zipSync, type Zippable } from "fflate";
import { CreateBucketCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { CreateAgentRuntimeCommand } from "@aws-sdk/client-bedrock-agentcore-control";
import { InvokeAgentRuntimeCommand, type InvokeAgentRuntimeCommandInput } from "@aws-sdk/client-bedrock-agentcore";
import type { TestLocal } from "../helpers/local.js";
import { createRole, settledRuntime } from "../runtime-control/setup.js";

export { createRole, settledRuntime };
export const PROJECT_DIR = fileURLToPath(new URL("../..", import.meta.url));
export const FIXTURES = fileURLToPath(new URL("../fixtures/agents/", import.meta.url));

export interface BundleSpec {
  files: Record<string, string | Uint8Array>;
  /** Symlink entries (name → target), e.g. `node_modules` → the project's installed packages. */
  symlinks?: Record<string, string>;
}

/** A zip as AWS expects a code bundle; symlinks carry unix mode 120777 like `zip -y` writes them. */
export function zipBundle(spec: BundleSpec): Uint8Array {
  const z: Zippable = {};
  for (const [name, content] of Object.entries(spec.files)) z[name] = [typeof content === "string" ? strToU8(content) : content, { level: 0 }];
  for (const [name, target] of Object.entries(spec.symlinks ?? {})) z[name] = [strToU8(target), { level: 0, os: 3, attrs: (0o120777 << 16) >>> 0 }];
  return zipSync(z);
}

/** The echo agent with a tiny dependency in node_modules and a lockfile naming it. */
export function echoBundle(lockSalt = "1"): Uint8Array {
  return zipBundle({
    files: {
      "agent.mjs": readFileSync(join(FIXTURES, "echo-agent.mjs")),
      "package.json": JSON.stringify({ name: "echo-agent", type: "module", dependencies: { "echo-dep": "1.0.0" } }),
      "package-lock.json": JSON.stringify({ name: "echo-agent", lockfileVersion: 3, packages: { "node_modules/echo-dep": { version: "1.0.0" } }, salt: lockSalt }),
      "node_modules/echo-dep/package.json": JSON.stringify({ name: "echo-dep", version: "1.0.0", type: "module", exports: "./index.js" }),
      "node_modules/echo-dep/index.js": 'export const tag = "echo-dep 1.0.0";\n',
    },
  });
}

const bucketMade = new WeakSet<TestLocal>();
export async function uploadBundle(local: TestLocal, key: string, zip: Uint8Array): Promise<{ bucket: string; prefix: string }> {
  const bucket = "agent-bundles";
  if (!bucketMade.has(local)) {
    await local.clients.s3.send(new CreateBucketCommand({ Bucket: bucket }));
    bucketMade.add(local);
  }
  await local.clients.s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: zip, ContentType: "application/zip" }));
  return { bucket, prefix: key };
}

export async function deployBundle(
  local: TestLocal,
  opts: { name: string; roleArn: string; key: string; zip: Uint8Array; entryPoint?: string[]; environmentVariables?: Record<string, string>; idle?: number },
): Promise<{ id: string; arn: string }> {
  const s3 = await uploadBundle(local, opts.key, opts.zip);
  const created = await local.clients.control.send(
    new CreateAgentRuntimeCommand({
      agentRuntimeName: opts.name,
      agentRuntimeArtifact: { codeConfiguration: { code: { s3 }, runtime: "NODE_22", entryPoint: opts.entryPoint ?? ["agent.mjs"] } },
      roleArn: opts.roleArn,
      networkConfiguration: { networkMode: "PUBLIC" },
      environmentVariables: opts.environmentVariables,
      lifecycleConfiguration: opts.idle ? { idleRuntimeSessionTimeout: opts.idle, maxLifetime: 3600 } : undefined,
    }),
  );
  const settled = await settledRuntime(local.clients.control, created.agentRuntimeId!);
  if (settled.status !== "READY") throw new Error(`runtime ${opts.name} is ${settled.status}: ${settled.failureReason}`);
  return { id: created.agentRuntimeId!, arn: created.agentRuntimeArn! };
}

/** A session id of the length AWS requires (≥ 33 characters). */
export const sessionId = (label: string) => `${label}-session-${"0".repeat(40)}`.slice(0, 48);

export async function invokeJson(
  local: TestLocal,
  input: Omit<InvokeAgentRuntimeCommandInput, "payload"> & { payload: unknown },
  client = local.clients.data,
): Promise<{ status?: number; contentType?: string; body: any }> {
  const out = await client.send(new InvokeAgentRuntimeCommand({ ...input, payload: Buffer.from(JSON.stringify(input.payload)) }));
  const text = await out.response!.transformToString();
  return { status: out.statusCode, contentType: out.contentType, body: out.contentType?.includes("json") ? JSON.parse(text) : text };
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Waits until `check` holds (bounded; fails with `what`). */
export async function until(check: () => boolean | Promise<boolean>, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Pids of running processes whose command line mentions `needle` (Linux /proc). */
export function processesMentioning(needle: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSafe("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmd = readFileSync(`/proc/${entry}/cmdline`, "utf8").replace(/\0/g, " ");
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      if (cmd.includes(needle) && !/\) Z /.test(stat)) pids.push(Number(entry));
    } catch {
      // the process ended meanwhile
    }
  }
  return pids;
}

function readdirSafe(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}
