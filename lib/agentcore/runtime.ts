/**
 * `Runtime`: the toolkit's notebook API (configure / launch / status / invoke / destroy) in
 * TypeScript, target-agnostic. `configure` writes `.agentcore.json`, a Dockerfile and .dockerignore
 * next to the entrypoint; `launch` builds (code bundle or container), creates or updates the runtime
 * (a re-run makes a new version; a runtime deleted out of band is recreated); `waitUntilReady`
 * polls with progress; `invoke` reuses one session id per Runtime object.
 */
import { copyFileSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import {
  CreateAgentRuntimeCommand,
  GetAgentRuntimeCommand,
  GetAgentRuntimeEndpointCommand,
  ListAgentRuntimesCommand,
  UpdateAgentRuntimeCommand,
  type AgentRuntime,
  type AgentRuntimeArtifact,
  type AuthorizerConfiguration,
  type GetAgentRuntimeCommandOutput,
  type GetAgentRuntimeEndpointCommandOutput,
} from "@aws-sdk/client-bedrock-agentcore-control";
import { session as defaultSession, type Session } from "../session.js";
import { Ledger, scopeOf, type LedgerEntry } from "./ledger.js";
import { ledgerTags, taggedFor } from "./ownership.js";
import { errorName, isNotFound } from "./aws-errors.js";
import { createExecutionRole } from "./iam.js";
import { ensureRepository, imageTagFor, putImageManifest, registryLogin, repositoryNameFor } from "./ecr.js";
import { codeBucketName, ensureBucket, uploadObject } from "./s3.js";
import { buildCodeBundle, entryBaseName, findProjectDir } from "./build/code-bundle.js";
import { AGENTCORE_PLATFORM, renderDockerfile, renderDockerignore } from "./build/dockerfile.js";
import { buildCommand, findEngine, inspectImage, localImageManifest, loginCommand, pushCommand, runEngine, type Engine } from "./build/container.js";
import { configPathFor, readConfig, updateAgentConfig, writeConfig, type AgentConfig, type Deployment, type DeploymentType } from "./runtime-config.js";
import { invokeRuntime, invokeRuntimeStream, newSessionId, type InvokeResult, type InvokeStream } from "./invoke.js";
import { createProgress, pollUntil, type ProgressMode } from "./wait.js";
import { cleanup, type CleanupReport } from "./cleanup.js";
import type { LibOptions } from "./identity.js";
import { shownPath, withConsoleView } from "./console-view.js";

const AGENT_NAME = /^[a-zA-Z][a-zA-Z0-9_]{0,47}$/;

/** A printed configure result: what was configured and which files it wrote (the Dockerfile only matters for a container). */
function configureView(r: ConfigureResult): Record<string, unknown> {
  return {
    agentName: r.agentName,
    deploymentType: r.deploymentType,
    target: r.target,
    region: r.region,
    accountId: r.accountId,
    config: shownPath(r.configPath),
    dockerfile: r.deploymentType === "container" ? shownPath(r.dockerfilePath) : undefined,
    executionRole: r.executionRole ?? (r.autoCreateExecutionRole ? "created by launch()" : undefined),
    ecrRepository: r.ecrRepository,
  };
}

export interface ConfigureOptions {
  entrypoint: string;
  /** Default: the entry's file name (`strands_agents_openai`). */
  agentName?: string;
  /** An existing role's ARN; or `autoCreateExecutionRole: true`. */
  executionRole?: string;
  autoCreateExecutionRole?: boolean;
  /** Default true (container deploys). */
  autoCreateEcr?: boolean;
  ecrRepository?: string;
  /** Default: `code` for local, `container` for aws. */
  deploymentType?: DeploymentType;
  /** Must match the session's region (AWS_REGION, or Local AgentCore's). */
  region?: string;
  envVars?: Record<string, string>;
  /** Container platform (default linux/arm64, what AgentCore Runtime runs). */
  platform?: string;
  baseImage?: string;
  containerRuntime?: Engine;
  /** The folder whose node_modules the agent's packages come from. */
  projectDir?: string;
  /**
   * Default true: the agent and its packages are bundled with esbuild into a few files (only the
   * packages loaded through `createRequire` stay in node_modules/). `false` ships every package in
   * node_modules/ as installed: for a package that does not work bundled (e.g. one reading its own
   * files next to its code).
   */
  bundleDependencies?: boolean;
  /**
   * Inbound auth: `{ customJWTAuthorizer: { discoveryUrl, allowedClients?, allowedAudience? } }` makes
   * the runtime take callers' JWTs (invoke with `bearerToken`) instead of SigV4.
   */
  authorizerConfiguration?: AuthorizerConfiguration;
  /** Request headers passed to the agent (`Authorization` for a JWT runtime, `X-Amzn-Bedrock-AgentCore-Runtime-Custom-*`, …). */
  requestHeaderAllowlist?: string[];
}

export interface ConfigureResult {
  configPath: string;
  dockerfilePath: string;
  dockerignorePath: string;
  agentName: string;
  region: string;
  accountId: string;
  target: Session["target"];
  deploymentType: DeploymentType;
  executionRole?: string;
  autoCreateExecutionRole: boolean;
  ecrRepository?: string;
}

export interface LaunchResult {
  mode: DeploymentType;
  agentId: string;
  agentArn: string;
  agentRuntimeVersion: string;
  /** `created`, `updated` (a new version), or `recreated` (it had been deleted out of band). */
  action: "created" | "updated" | "recreated";
  roleArn: string;
  ecrUri?: string;
  codeLocation?: { bucket: string; key: string };
  envVars: Record<string, string>;
}

export interface StatusResult {
  config: { name: string; entrypoint: string; deploymentType: DeploymentType; region: string; target: Session["target"]; agentId?: string; agentArn?: string };
  agent?: GetAgentRuntimeCommandOutput;
  endpoint?: GetAgentRuntimeEndpointCommandOutput;
}

export interface InvokeOptions {
  userId?: string;
  /** For a runtime configured with a JWT authorizer: the caller's JWT (sent instead of SigV4). */
  bearerToken?: string;
  /** Default: this Runtime's session id (generated once, reused). */
  sessionId?: string;
  stream?: boolean;
}

export interface RuntimeOptions extends LibOptions {
  /** How waitUntilReady shows progress (default: detected from stdout). */
  progress?: ProgressMode;
}

export class RuntimeFailedError extends Error {
  constructor(
    readonly status: string,
    readonly reason: string,
  ) {
    super(`The agent runtime is ${status}: ${reason}\n→ Fix the cause above, then run launch() again (it updates the runtime to a new version).`);
    this.name = "RuntimeFailedError";
  }
}

export class Runtime {
  private configPath?: string;
  private name?: string;
  private sessionPromise?: Promise<Session>;
  private sessionIdValue?: string;
  private readonly ledger: Ledger;
  private readonly log: (line: string) => void;

  constructor(private readonly opts: RuntimeOptions = {}) {
    this.ledger = opts.ledger ?? new Ledger();
    this.log = opts.log ?? console.log;
    if (opts.session) this.sessionPromise = Promise.resolve(opts.session);
  }

  /** The session id `invoke()` uses unless told otherwise. */
  get sessionId(): string {
    this.sessionIdValue ??= newSessionId();
    return this.sessionIdValue;
  }

  private session(): Promise<Session> {
    this.sessionPromise ??= defaultSession();
    return this.sessionPromise;
  }

  private libOpts(s: Session): LibOptions {
    return { session: s, ledger: this.ledger, log: this.log };
  }

  async configure(o: ConfigureOptions): Promise<ConfigureResult> {
    const s = await this.session();
    const entryPath = resolve(o.entrypoint);
    const agentName = o.agentName ?? entryBaseName(entryPath);
    if (!AGENT_NAME.test(agentName)) {
      throw new Error(`Agent name "${agentName}" is not valid: a letter, then up to 47 letters, digits or underscores (no hyphens). Pass agentName.`);
    }
    if (!o.executionRole && !o.autoCreateExecutionRole) {
      throw new Error("configure() needs executionRole (a role ARN) or autoCreateExecutionRole: true.");
    }
    if (o.region && o.region !== s.region) {
      throw new Error(
        `configure({ region: "${o.region}" }) but the session uses ${s.region}. ` +
          (s.target === "aws" ? `Set AWS_REGION=${o.region} and restart the kernel.` : `Local AgentCore serves ${s.region}; drop region or set AGENTCORE_LOCAL_REGION.`),
      );
    }
    const deploymentType = o.deploymentType ?? (s.target === "local" ? "code" : "container");
    const configPath = configPathFor(entryPath);
    const dir = dirname(entryPath);
    const previous = readConfig(configPath);
    const agent: AgentConfig = {
      name: agentName,
      entrypoint: relative(dir, entryPath),
      deploymentType,
      runtime: "NODE_22",
      platform: o.platform ?? AGENTCORE_PLATFORM,
      region: s.region,
      executionRole: o.executionRole,
      executionRoleAutoCreate: !o.executionRole && !!o.autoCreateExecutionRole,
      ecrRepository: o.ecrRepository,
      ecrAutoCreate: o.autoCreateEcr ?? true,
      containerRuntime: o.containerRuntime,
      baseImage: o.baseImage,
      envVars: o.envVars ?? {},
      ...(o.authorizerConfiguration ? { authorizerConfiguration: o.authorizerConfiguration } : {}),
      ...(o.requestHeaderAllowlist ? { requestHeaderAllowlist: o.requestHeaderAllowlist } : {}),
      projectDir: o.projectDir ? resolve(o.projectDir) : undefined,
      ...(o.bundleDependencies === false ? { bundleDependencies: false } : {}),
      // Keep what earlier launches deployed: configure() again must not orphan a runtime.
      deployments: previous.agents[agentName]?.deployments ?? {},
    };
    writeConfig(configPath, { ...previous, defaultAgent: agentName, agents: { ...previous.agents, [agentName]: agent } });
    const dockerfilePath = join(dir, "Dockerfile");
    const dockerignorePath = join(dir, ".dockerignore");
    writeFileSync(dockerfilePath, renderDockerfile({ agentName, entry: entryBaseName(entryPath), platform: agent.platform, baseImage: agent.baseImage, env: { AWS_REGION: s.region, AWS_DEFAULT_REGION: s.region } }));
    writeFileSync(dockerignorePath, renderDockerignore());
    this.configPath = configPath;
    this.name = agentName;
    this.sessionIdValue = undefined;
    const accountId = await s.accountId();
    return withConsoleView({
      configPath,
      dockerfilePath,
      dockerignorePath,
      agentName,
      region: s.region,
      accountId,
      target: s.target,
      deploymentType,
      executionRole: o.executionRole,
      autoCreateExecutionRole: agent.executionRoleAutoCreate,
      ecrRepository: o.ecrRepository ?? (deploymentType === "container" ? repositoryNameFor(agentName) : undefined),
    }, configureView);
  }

  private agentConfig(): AgentConfig {
    if (!this.configPath || !this.name) throw new Error("Run configure() first.");
    const agent = readConfig(this.configPath).agents[this.name];
    if (!agent) throw new Error(`${this.configPath} has no agent ${this.name}: run configure() again.`);
    return agent;
  }

  private async deployment(): Promise<Deployment> {
    const s = await this.session();
    const d = this.agentConfig().deployments[s.target];
    if (!d?.agentRuntimeId) throw new Error(`The agent ${this.name} is not launched on ${s.target} yet: run launch() first.`);
    return d;
  }

  private saveDeployment(target: Session["target"], change: (d: Deployment) => Deployment | undefined): void {
    updateAgentConfig(this.configPath!, this.name!, (agent) => {
      const next = change(agent.deployments[target] ?? {});
      const deployments = { ...agent.deployments };
      if (next) deployments[target] = next;
      else delete deployments[target];
      return { ...agent, deployments };
    });
  }

  async launch(o: { envVars?: Record<string, string>; autoUpdateOnConflict?: boolean } = {}): Promise<LaunchResult> {
    const s = await this.session();
    const agent = this.agentConfig();
    const lib = this.libOpts(s);
    const entryPath = resolve(dirname(this.configPath!), agent.entrypoint);
    const envVars = { ...agent.envVars, ...o.envVars };

    let repositoryName: string | undefined;
    let repositoryUri: string | undefined;
    if (agent.deploymentType === "container") {
      repositoryName = agent.ecrRepository ?? repositoryNameFor(agent.name);
      if (agent.ecrAutoCreate) repositoryUri = (await ensureRepository(repositoryName, lib)).repositoryUri;
    }

    const roleArn = agent.executionRoleAutoCreate
      ? (await createExecutionRole({ agentName: agent.name, repositoryName }, lib)).roleArn
      : agent.executionRole!;

    let artifact: AgentRuntimeArtifact;
    let codeLocation: LaunchResult["codeLocation"];
    let ecrUri: string | undefined;
    if (agent.deploymentType === "code") {
      const bundle = await buildCodeBundle({ entrypoint: entryPath, agentName: agent.name, projectDir: agent.projectDir, bundleDependencies: agent.bundleDependencies });
      const bucket = codeBucketName(await s.accountId(), s.region);
      await ensureBucket(bucket, lib);
      const key = `${agent.name}/${bundle.sha256.slice(0, 32)}.zip`;
      const upload = await uploadObject(bucket, key, bundle.zip, lib);
      this.log(
        `Code bundle ${bundle.entryFile} (${bundle.mode === "bundled" ? "bundled with esbuild, " : ""}${bundle.packageCount} packages in node_modules, ${bundle.fileCount} files, ${(bundle.zip.length / 1e6).toFixed(1)} MB${bundle.dependenciesCached ? ", dependencies cached" : ""}): s3://${bucket}/${key} ${upload}.`,
      );
      codeLocation = { bucket, key };
      artifact = { codeConfiguration: { code: { s3: { bucket, prefix: key } }, runtime: "NODE_22", entryPoint: [bundle.entryFile] } };
    } else {
      ecrUri = await this.buildContainer(s, agent, entryPath, repositoryName!, repositoryUri);
      artifact = { containerConfiguration: { containerUri: ecrUri } };
    }

    const { id, arn, version, action } = await this.createOrUpdate(s, agent, artifact, roleArn, envVars, o.autoUpdateOnConflict ?? false);
    this.saveDeployment(s.target, (d) => ({
      ...d,
      agentRuntimeId: id,
      agentRuntimeArn: arn,
      agentRuntimeVersion: version,
      roleArn,
      codeLocation,
      containerUri: ecrUri,
      launchedAt: new Date().toISOString(),
    }));
    this.log(`${action === "created" ? "Created" : action === "updated" ? "Updated" : "Recreated"} agent runtime ${id} (version ${version}).`);
    return withConsoleView({ mode: agent.deploymentType, agentId: id, agentArn: arn, agentRuntimeVersion: version, action, roleArn, ecrUri, codeLocation, envVars }, (r) => ({ ...r }));
  }

  /** Builds the image from a staged context, then pushes it (aws) or records it in Local ECR (local). */
  private async buildContainer(s: Session, agent: AgentConfig, entryPath: string, repositoryName: string, repositoryUri: string | undefined): Promise<string> {
    const accountId = await s.accountId();
    const uri = repositoryUri ?? `${accountId}.dkr.ecr.${s.region}.amazonaws.com/${repositoryName}`;
    const tag = imageTagFor();
    const image = `${uri}:${tag}`;
    const engine = agent.containerRuntime ?? (await findEngine());
    const context = await stageContainerContext(entryPath, agent);
    this.log(`Building ${image} with ${engine} for ${agent.platform}…`);
    await runEngine(buildCommand({ engine, tag: image, dockerfile: join(context, "Dockerfile"), context, platform: agent.platform }), { quiet: true });
    if (s.target === "aws") {
      const login = await registryLogin(this.libOpts(s));
      await runEngine(loginCommand(engine, login.registry, login.username), { input: login.password });
      // The push creates the image in ECR: recorded before it starts (a push that dies half-way
      // leaves an intent, which cleanup's BatchDeleteImage finds gone or deletes).
      const entry = this.ledger.intend(await scopeOf(s), { kind: "ecr-image", repositoryName, imageTag: tag });
      await runEngine(pushCommand(engine, image), { quiet: true });
      this.ledger.confirm(entry.id);
    } else {
      const info = await inspectImage(engine, image);
      await putImageManifest({ repositoryName, imageTag: tag, manifest: localImageManifest(info) }, this.libOpts(s));
    }
    return image;
  }

  private async createOrUpdate(
    s: Session,
    agent: AgentConfig,
    artifact: AgentRuntimeArtifact,
    roleArn: string,
    envVars: Record<string, string>,
    autoUpdateOnConflict: boolean,
  ): Promise<{ id: string; arn: string; version: string; action: LaunchResult["action"] }> {
    const config = {
      agentRuntimeArtifact: artifact,
      roleArn,
      networkConfiguration: { networkMode: "PUBLIC" as const },
      ...(Object.keys(envVars).length ? { environmentVariables: envVars } : {}),
      ...(agent.authorizerConfiguration ? { authorizerConfiguration: agent.authorizerConfiguration } : {}),
      ...(agent.requestHeaderAllowlist?.length ? { requestHeaderConfiguration: { requestHeaderAllowlist: agent.requestHeaderAllowlist } } : {}),
    };
    const scope = await scopeOf(s);
    let knownId = agent.deployments[s.target]?.agentRuntimeId;
    if (!knownId) {
      // Ours from a run whose config was lost (the ledger says so), or someone else's (only with consent).
      // Ours: the ledger recorded its id, or (a create never confirmed) it carries the entry's tag.
      const found = await findRuntimeByName(s, agent.name);
      const existing = found?.agentRuntimeId;
      const entry = this.ledger.find(scope, { kind: "agent-runtime", agentRuntimeName: agent.name }) as Extract<LedgerEntry, { kind: "agent-runtime" }> | undefined;
      const ours = !!found && !!entry && (entry.agentRuntimeId === existing || (!entry.agentRuntimeId && (await taggedFor(s, found.agentRuntimeArn!, entry)) === true));
      if (existing && (ours || autoUpdateOnConflict)) knownId = existing;
      else if (existing) {
        throw new Error(
          `An agent runtime named ${agent.name} already exists (${existing}) and was not created by this notebook. ` +
            `Choose another agentName in configure(), or launch({ autoUpdateOnConflict: true }) to update it.`,
        );
      }
    }
    if (knownId) {
      const current = await this.settled(s, knownId);
      if (current) {
        const out = await withIamRetry(s, () => s.clients.control.send(new UpdateAgentRuntimeCommand({ agentRuntimeId: knownId, ...config })));
        return { id: out.agentRuntimeId!, arn: out.agentRuntimeArn!, version: out.agentRuntimeVersion!, action: "updated" };
      }
      // The ledger still holding the runtime means it was deleted behind our back; without an entry,
      // cleanup() deleted it (the config file next to the entrypoint outlives a cleanup): start afresh.
      if (this.ledger.find(scope, { kind: "agent-runtime", agentRuntimeName: agent.name })) {
        this.log(`Agent runtime ${knownId} no longer exists (deleted outside this notebook): creating it again.`);
      } else knownId = undefined;
    }
    // A create the SDK retries keeps its client token (the SDK fills one in), so a lost answer gets
    // the runtime the first attempt made, not a conflict. The tag marks the runtime as ours.
    const out = await this.ledger.record(
      scope,
      { kind: "agent-runtime", agentRuntimeName: agent.name },
      (entry) =>
        withIamRetry(s, () =>
          s.clients.control.send(new CreateAgentRuntimeCommand({ agentRuntimeName: agent.name, ...config, tags: ledgerTags(entry) })),
        ),
      { extra: (r) => ({ agentRuntimeId: r.agentRuntimeId }) },
    );
    return { id: out.agentRuntimeId!, arn: out.agentRuntimeArn!, version: out.agentRuntimeVersion!, action: knownId ? "recreated" : "created" };
  }

  /** Waits out a CREATING/UPDATING runtime (an update would conflict); undefined when it is gone. */
  private async settled(s: Session, id: string): Promise<GetAgentRuntimeCommandOutput | undefined> {
    const read = async () => {
      try {
        return await s.clients.control.send(new GetAgentRuntimeCommand({ agentRuntimeId: id }));
      } catch (e) {
        if (isNotFound(e)) return undefined;
        throw e;
      }
    };
    return pollUntil({
      read,
      statusOf: (r) => r?.status ?? "GONE",
      isDone: (r) => !r || !["CREATING", "UPDATING", "DELETING"].includes(r.status ?? "") ,
      timeoutMs: s.target === "local" ? 60_000 : 600_000,
      timeoutMessage: (r) => `Agent runtime ${id} is still ${r?.status}; wait and run launch() again.`,
    }).then((r) => (r?.status === "DELETING" ? undefined : r));
  }

  async status(): Promise<StatusResult> {
    const s = await this.session();
    const agent = this.agentConfig();
    const d = agent.deployments[s.target];
    const config = { name: agent.name, entrypoint: agent.entrypoint, deploymentType: agent.deploymentType, region: s.region, target: s.target, agentId: d?.agentRuntimeId, agentArn: d?.agentRuntimeArn };
    if (!d?.agentRuntimeId) return { config };
    const [agentOut, endpoint] = await Promise.all([
      s.clients.control.send(new GetAgentRuntimeCommand({ agentRuntimeId: d.agentRuntimeId })).catch((e) => (isNotFound(e) ? undefined : Promise.reject(e))),
      s.clients.control
        .send(new GetAgentRuntimeEndpointCommand({ agentRuntimeId: d.agentRuntimeId, endpointName: "DEFAULT" }))
        .catch((e) => (isNotFound(e) ? undefined : Promise.reject(e))),
    ]);
    return { config, agent: agentOut, endpoint };
  }

  /** Polls (with backoff) until the runtime and its DEFAULT endpoint are READY; throws on any *_FAILED with the reason. */
  async waitUntilReady(o: { timeoutMs?: number; progress?: ProgressMode } = {}): Promise<StatusResult> {
    const s = await this.session();
    await this.deployment();
    const progress = createProgress(`Agent runtime ${this.name}`, o.progress ?? this.opts.progress);
    const summary = (st: StatusResult) => `${st.agent?.status ?? "NOT_FOUND"} / endpoint ${st.endpoint?.status ?? "NOT_FOUND"}`;
    const failed = (st: StatusResult) => [st.agent?.status, st.endpoint?.status].some((x) => x?.endsWith("_FAILED")) || !st.agent;
    try {
      const final = await pollUntil({
        read: () => this.status(),
        statusOf: summary,
        isDone: (st) => failed(st) || (st.agent?.status === "READY" && st.endpoint?.status === "READY"),
        timeoutMs: o.timeoutMs ?? (s.target === "local" ? 120_000 : 900_000),
        initialDelayMs: s.target === "local" ? 100 : 1000,
        maxDelayMs: s.target === "local" ? 1000 : 10_000,
        progress,
        timeoutMessage: (st) => `The agent runtime is still ${summary(st)}; call waitUntilReady() again, or check status().`,
      });
      if (failed(final)) {
        progress.done(`Agent runtime ${this.name}: ${summary(final)}`);
        if (!final.agent) throw new Error(`The agent runtime ${final.config.agentId} no longer exists. Run launch() to create it again.`);
        const status = final.agent.status?.endsWith("_FAILED") ? final.agent.status : final.endpoint!.status!;
        throw new RuntimeFailedError(status, final.agent.failureReason ?? final.endpoint?.failureReason ?? "no reason given");
      }
      progress.done(`Agent runtime ${this.name}: READY (version ${final.agent?.agentRuntimeVersion})`);
      return final;
    } catch (e) {
      progress.done(`Agent runtime ${this.name}: stopped waiting`);
      throw e;
    }
  }

  /** Invokes the DEFAULT endpoint; decoded answer, or (with `stream: true`) chunks as they come. */
  invoke(payload: unknown, o: InvokeOptions & { stream: true }): Promise<InvokeStream>;
  invoke(payload: unknown, o?: InvokeOptions & { stream?: false }): Promise<InvokeResult>;
  async invoke(payload: unknown, o: InvokeOptions = {}): Promise<InvokeResult | InvokeStream> {
    const s = await this.session();
    const d = await this.deployment();
    // The toolkit's sticky session: the one saved by an earlier invoke of this agent, else a new one.
    this.sessionIdValue ??= d.agentSessionId;
    const sessionId = o.sessionId ?? this.sessionId;
    if (sessionId.length < 33) throw new Error(`sessionId must be at least 33 characters (got ${sessionId.length}); omit it to use this runtime's own.`);
    if (d.agentSessionId !== sessionId && !o.sessionId) this.saveDeployment(s.target, (x) => ({ ...x, agentSessionId: sessionId }));
    const request = { agentRuntimeArn: d.agentRuntimeArn!, payload, sessionId, userId: o.userId, ...(o.bearerToken !== undefined ? { bearerToken: o.bearerToken } : {}) };
    return o.stream ? invokeRuntimeStream(s, request) : invokeRuntime(s, request);
  }

  /** Deletes this agent's runtime and what launch() created for it (from the ledger); not credential providers. */
  async destroy(): Promise<CleanupReport> {
    const s = await this.session();
    const agent = this.agentConfig();
    const d = agent.deployments[s.target];
    const repo = agent.ecrRepository ?? repositoryNameFor(agent.name);
    const roleArn = d?.roleArn;
    const roleName = agent.executionRoleAutoCreate && roleArn ? roleArn.slice(roleArn.lastIndexOf("/") + 1) : undefined;
    const report = await cleanup({
      ...this.libOpts(s),
      filter: (e) =>
        (e.kind === "agent-runtime" && e.agentRuntimeName === agent.name) ||
        ((e.kind === "ecr-image" || e.kind === "ecr-repository") && e.repositoryName === repo) ||
        ((e.kind === "iam-role" || e.kind === "iam-role-policy") && e.roleName === roleName) ||
        (e.kind === "s3-object" && e.key.startsWith(`${agent.name}/`)),
    });
    if (report.ok) this.saveDeployment(s.target, () => undefined);
    this.sessionIdValue = undefined;
    return report;
  }
}

async function findRuntimeByName(s: Session, name: string): Promise<AgentRuntime | undefined> {
  let nextToken: string | undefined;
  do {
    const page = await s.clients.control.send(new ListAgentRuntimesCommand({ nextToken }));
    const hit = page.agentRuntimes?.find((r) => r.agentRuntimeName === name);
    if (hit) return hit;
    nextToken = page.nextToken;
  } while (nextToken);
  return undefined;
}

/**
 * A new role (or its trust policy) takes seconds to be assumable on AWS, and AgentCore answers
 * `ValidationException: Role validation failed for '<arn>'…` meanwhile (the starter toolkit's
 * create_with_iam_eventual_consistency retries the same). A malformed roleArn fails the same way
 * but with "failed to satisfy constraint": that is not retried.
 */
export function isRolePropagationError(e: unknown): boolean {
  const message = String((e as Error)?.message ?? "");
  return errorName(e) === "ValidationException" && /role/i.test(message) && /validation failed|assum|trust/i.test(message) && !/satisfy constraint/i.test(message);
}

async function withIamRetry<T>(s: Session, call: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + (s.target === "aws" ? 60_000 : 0);
  for (let delay = 2000; ; delay = Math.min(delay * 2, 10_000)) {
    try {
      return await call();
    } catch (e) {
      const retryable = isRolePropagationError(e);
      if (!retryable || Date.now() + delay > deadline) throw e;
      await new Promise((r) => setTimeout(r, delay));
    }
  }
}

/** The build context: compiled entry, package.json, lock and node_modules (from the code bundle's closure), Dockerfile, .dockerignore. */
async function stageContainerContext(entryPath: string, agent: AgentConfig): Promise<string> {
  const { unzipSync } = await import("fflate");
  const bundle = await buildCodeBundle({
    entrypoint: entryPath,
    agentName: agent.name,
    projectDir: agent.projectDir ?? findProjectDir(dirname(entryPath)),
    bundleDependencies: agent.bundleDependencies,
  });
  const context = join(dirname(entryPath), ".agentcore-build", agent.name, "context");
  rmSync(context, { recursive: true, force: true });
  for (const [name, data] of Object.entries(unzipSync(bundle.zip))) {
    const file = join(context, name);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, data);
  }
  copyFileSync(join(dirname(entryPath), "Dockerfile"), join(context, "Dockerfile"));
  copyFileSync(join(dirname(entryPath), ".dockerignore"), join(context, ".dockerignore"));
  return context;
}
