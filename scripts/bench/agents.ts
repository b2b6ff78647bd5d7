/**
 * Deploying benchmark agents to a bench's own Local AgentCore as real code bundles (zip → Local S3 →
 * CreateAgentRuntime → READY), and invoking them through the real InvokeAgentRuntimeCommand.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { buildCodeBundle } from "../../lib/agentcore/build/code-bundle.js";
import { strToU8, zipSync, type Zippable } from "fflate";
import { CreateAgentRuntimeCommand, GetAgentRuntimeCommand } from "@aws-sdk/client-bedrock-agentcore-control";
import { InvokeAgentRuntimeCommand } from "@aws-sdk/client-bedrock-agentcore";
import { CreateApiKeyCredentialProviderCommand } from "@aws-sdk/client-bedrock-agentcore-control";
import { CreateRoleCommand, PutRolePolicyCommand } from "@aws-sdk/client-iam";
import { CreateBucketCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import type { Clients, OwnLocal } from "./own-local.js";
import { PROJECT_DIR } from "./own-local.js";

export const BENCH_AGENT = fileURLToPath(new URL("../../bench/fixtures/agents/bench-agent.mjs", import.meta.url));
/** The tutorial's agent as the runtime-host tests deploy it (reused, not copied). */
export const TUTORIAL_AGENT = fileURLToPath(new URL("../../test/fixtures/agents/strands-agent.ts", import.meta.url));

/** The agent notebook 01 deploys (its calculator imports mathjs on first use). */
export const NOTEBOOK_AGENT = fileURLToPath(new URL("../../assets/agents/strands_agents_openai_identity.ts", import.meta.url));
const NOTEBOOK_PROVIDER = "openai-apikey-provider";

/**
 * The alternative to the notebook's agent: the same source with mathjs imported at the top, as it
 * was before (written under out/bench/agents/; returns its path). Throws when the notebook's agent
 * no longer has the lazy import this rewrites.
 */
export function eagerMathjsAgent(): string {
  const source = readFileSync(NOTEBOOK_AGENT, "utf8");
  const lazy = /\n {2}\/\/ mathjs takes[^\n]*\n {2}callback: async \(\{ expression \}\) => \{\n {4}const \{ evaluate \} = await import\("mathjs"\);\n {4}return String\(evaluate\(expression\)\);\n {2}\},/;
  if (!lazy.test(source)) throw new Error(`${NOTEBOOK_AGENT} has no lazily imported calculator to compare with`);
  const eager = source
    .replace(lazy, "\n  callback: ({ expression }) => String(evaluate(expression)),")
    .replace(/^(import \{ z \} from "zod";)$/m, 'import { evaluate } from "mathjs";\n$1');
  const dir = join(PROJECT_DIR, "out", "bench", "agents");
  mkdirSync(dir, { recursive: true });
  const file = join(dir, "eager_mathjs_agent.ts");
  writeFileSync(file, eager);
  return file;
}

/** A session id of the length AWS requires (≥ 33 characters). */
export const sessionId = (label: string) => `${label}-${"0".repeat(48)}`.slice(0, 48);

function zip(files: Record<string, string | Uint8Array>, symlinks: Record<string, string> = {}): Uint8Array {
  const z: Zippable = {};
  for (const [name, content] of Object.entries(files)) z[name] = [typeof content === "string" ? strToU8(content) : content, { level: 0 }];
  // zip -y style symlink entries (unix mode 120777), as the runtime host unpacks them.
  for (const [name, target] of Object.entries(symlinks)) z[name] = [strToU8(target), { level: 0, os: 3, attrs: (0o120777 << 16) >>> 0 }];
  return zipSync(z);
}

export const benchAgentBundle = () => zip({ "agent.mjs": readFileSync(BENCH_AGENT), "package.json": JSON.stringify({ name: "bench-agent", type: "module", private: true }) });

/**
 * The tutorial agent as notebook 01 bundles it: bundled with esbuild (or, with `bundleDependencies`
 * false, compiled alone with its whole dependency closure in node_modules), with package.json and a
 * lockfile (the node_modules zip cached under out/bench/).
 */
export async function tutorialAgentBundle(entrypoint = TUTORIAL_AGENT, agentName = "tutorial_agent", bundleDependencies = true): Promise<{ zip: Uint8Array; entryPoint: string }> {
  const built = await buildCodeBundle({ entrypoint, agentName, projectDir: PROJECT_DIR, cacheDir: join(PROJECT_DIR, "out", "bench", "bundles"), bundleDependencies });
  return { zip: built.zip, entryPoint: built.entryFile };
}

export const TUTORIAL_POLICY = {
  Version: "2012-10-17",
  Statement: [
    { Sid: "GetResourceAPIKey", Effect: "Allow", Action: ["bedrock-agentcore:GetResourceApiKey"], Resource: "*" },
    { Sid: "SecretManager", Effect: "Allow", Action: ["secretsmanager:GetSecretValue"], Resource: "arn:aws:secretsmanager:*:*:secret:bedrock-agentcore*" },
  ],
};

export async function createRole(local: OwnLocal, roleName: string, policy?: object): Promise<string> {
  const trust = {
    Version: "2012-10-17",
    Statement: [{ Effect: "Allow", Principal: { Service: "bedrock-agentcore.amazonaws.com" }, Action: "sts:AssumeRole" }],
  };
  const out = await local.clients.iam.send(new CreateRoleCommand({ RoleName: roleName, AssumeRolePolicyDocument: JSON.stringify(trust) }));
  if (policy) await local.clients.iam.send(new PutRolePolicyCommand({ RoleName: roleName, PolicyName: "bench", PolicyDocument: JSON.stringify(policy) }));
  return out.Role!.Arn!;
}

export async function waitReady(control: Clients["control"], agentRuntimeId: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = await control.send(new GetAgentRuntimeCommand({ agentRuntimeId }));
    if (r.status === "READY") return;
    if (r.status?.endsWith("FAILED")) throw new Error(`runtime ${agentRuntimeId} is ${r.status}: ${r.failureReason}`);
    if (Date.now() > deadline) throw new Error(`runtime ${agentRuntimeId} still ${r.status} after ${timeoutMs} ms`);
    await new Promise((res) => setTimeout(res, 50));
  }
}

const buckets = new WeakSet<OwnLocal>();

export async function deploy(
  local: OwnLocal,
  o: { name: string; roleArn: string; zip: Uint8Array; entryPoint?: string; environmentVariables?: Record<string, string> },
): Promise<{ id: string; arn: string }> {
  const bucket = "bench-bundles";
  if (!buckets.has(local)) {
    await local.clients.s3.send(new CreateBucketCommand({ Bucket: bucket }));
    buckets.add(local);
  }
  const key = `${o.name}.zip`;
  await local.clients.s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: o.zip, ContentType: "application/zip" }));
  const created = await local.clients.control.send(
    new CreateAgentRuntimeCommand({
      agentRuntimeName: o.name,
      agentRuntimeArtifact: { codeConfiguration: { code: { s3: { bucket, prefix: key } }, runtime: "NODE_22", entryPoint: [o.entryPoint ?? "agent.mjs"] } },
      roleArn: o.roleArn,
      networkConfiguration: { networkMode: "PUBLIC" },
      environmentVariables: o.environmentVariables,
      lifecycleConfiguration: { idleRuntimeSessionTimeout: 3600, maxLifetime: 28800 },
    }),
  );
  await waitReady(local.clients.control, created.agentRuntimeId!);
  return { id: created.agentRuntimeId!, arn: created.agentRuntimeArn! };
}

/** The tutorial agent deployed with its credential provider, the tutorial's policy and a stand-in model key. */
export async function deployTutorialAgent(local: OwnLocal, name = "tutorial_agent"): Promise<{ id: string; arn: string }> {
  const apiKey = local.issueModelKey("bench");
  await local.clients.control.send(new CreateApiKeyCredentialProviderCommand({ name: "openai-key", apiKey }));
  const roleArn = await createRole(local, `${name}-role`, TUTORIAL_POLICY);
  const bundle = await tutorialAgentBundle();
  return deploy(local, { name, roleArn, zip: bundle.zip, entryPoint: bundle.entryPoint, environmentVariables: { OPENAI_BASE_URL: `${local.endpoint}/_local/openai/v1` } });
}

/**
 * An agent file of notebook 01's kind (key from the provider notebook 01 creates, stand-in model)
 * deployed as notebook 01 deploys it; the provider and role are made on first use.
 */
export async function deployNotebookAgent(local: OwnLocal, name: string, entrypoint = NOTEBOOK_AGENT, bundleDependencies = true): Promise<{ id: string; arn: string }> {
  if (!notebookRoles.has(local)) {
    await local.clients.control.send(new CreateApiKeyCredentialProviderCommand({ name: NOTEBOOK_PROVIDER, apiKey: local.issueModelKey("bench-notebook") }));
    notebookRoles.set(local, await createRole(local, "bench-notebook-agent-role", TUTORIAL_POLICY));
  }
  const bundle = await tutorialAgentBundle(entrypoint, name, bundleDependencies);
  return deploy(local, {
    name,
    roleArn: notebookRoles.get(local)!,
    zip: bundle.zip,
    entryPoint: bundle.entryPoint,
    environmentVariables: { OPENAI_PROVIDER: "local", OPENAI_BASE_URL: `${local.endpoint}/_local/openai/v1`, API_KEY_PROVIDER_NAME: NOTEBOOK_PROVIDER },
  });
}
const notebookRoles = new WeakMap<OwnLocal, string>();

export interface InvokeOptions {
  arn: string;
  session: string;
  payload: unknown;
  userId?: string;
  accept?: string;
}

/** InvokeAgentRuntime with a JSON payload; the body as text. Throws on anything but 200. */
export async function invoke(data: Clients["data"], o: InvokeOptions): Promise<string> {
  const out = await data.send(
    new InvokeAgentRuntimeCommand({
      agentRuntimeArn: o.arn,
      runtimeSessionId: o.session,
      runtimeUserId: o.userId,
      contentType: "application/json",
      accept: o.accept ?? "application/json",
      payload: Buffer.from(JSON.stringify(o.payload)),
    }),
  );
  const text = await out.response!.transformToString();
  if (out.statusCode !== 200) throw new Error(`invoke answered ${out.statusCode}: ${text.slice(0, 200)}`);
  return text;
}
