/**
 * Create/Get/Update/Delete/ListAgentRuntimes.
 *
 * Each runtime gets, with version 1, a workload identity named after the runtime id (as AWS
 * names it, e.g. `myagent-AbCdEf1234`) and a DEFAULT endpoint that follows the latest version.
 */
import { AwsError } from "../../errors.js";
import type { RequestContext, Shape } from "../../service.js";
import type { WorkloadIdentityRecord } from "../../state/records.js";
import { AGENTCORE_SERVICE_PRINCIPAL } from "./artifacts.js";
import { assertName, newEndpointId, newRuntimeId, runtimeArn, workloadIdentityArn, endpointArn } from "./ids.js";
import { idempotent } from "./idempotency.js";
import { conflict, DEFAULT_MAX_RESULTS, findRuntime, invalidNextToken, notFound, runtimeArnFor } from "./lookup.js";
import { paginate } from "../pagination.js";
import {
  DEFAULT_ENDPOINT,
  KIND,
  endpointKey,
  versionKey,
  type RuntimeEndpointRecord,
  type RuntimeRecord,
  type RuntimeVersionRecord,
} from "./records.js";
import { scheduleSettle, settleAll, settleAtFromNow } from "./status.js";
import { buildVersion, nextVersion, summary, validateConfiguration } from "./versions.js";

const WORKLOAD_IDENTITY_KIND = "identity-workload-identity";

/** AWS requires the caller to be allowed to pass the execution role to AgentCore. */
function authorizePassRole(ctx: RequestContext, roleArn: string): void {
  ctx.authorize("iam:PassRole", roleArn, { "iam:PassedToService": AGENTCORE_SERVICE_PRINCIPAL });
}

export function createAgentRuntime(input: Shape, ctx: RequestContext): Shape {
  ctx.authorize("bedrock-agentcore:CreateAgentRuntime", "*");
  authorizePassRole(ctx, input.roleArn);
  assertName("agentRuntimeName", input.agentRuntimeName);
  validateConfiguration(input);
  const { local } = ctx;
  settleAll(local); // a runtime whose deletion is due no longer holds its name
  return local.store.tx(() =>
    idempotent(local, "CreateAgentRuntime", `${ctx.accountId}/${ctx.region}`, input, () => {
      const name = input.agentRuntimeName as string;
      const existing = local.store
        .list<RuntimeRecord>(KIND.runtime, `${name}-`)
        .find((r) => r.agentRuntimeName === name && r.region === ctx.region && r.accountId === ctx.accountId);
      if (existing) {
        throw conflict(
          `An agent runtime named ${name} already exists (${existing.agentRuntimeId}). Choose another name, or change it with UpdateAgentRuntime.`,
        );
      }
      const now = local.now().toISOString();
      const settleAt = settleAtFromNow(local);
      const runtime = newRuntimeRecord(ctx, name, input.tags ?? {}, now);
      runtime.authorizerConfiguration = input.authorizerConfiguration;

      local.store.put(KIND.runtime, runtime.agentRuntimeId, runtime);
      local.store.put(KIND.version, versionKey(runtime.agentRuntimeId, "1"), buildVersion(input, runtime, "1", "CREATING", now, settleAt));
      const defaultEndpoint: RuntimeEndpointRecord = {
        name: DEFAULT_ENDPOINT,
        id: newEndpointId(DEFAULT_ENDPOINT),
        agentRuntimeId: runtime.agentRuntimeId,
        agentRuntimeArn: runtime.agentRuntimeArn,
        agentRuntimeEndpointArn: endpointArn(runtime.agentRuntimeArn, DEFAULT_ENDPOINT),
        targetVersion: "1",
        tags: {},
        status: "CREATING",
        createdAt: now,
        lastUpdatedAt: now,
        settleAt,
      };
      local.store.put(KIND.endpoint, endpointKey(runtime.agentRuntimeId, DEFAULT_ENDPOINT), defaultEndpoint);
      scheduleSettle(local, runtime.agentRuntimeId, settleAt);
      local.log(`runtime ${runtime.agentRuntimeId}: CREATING version 1`);
      return {
        agentRuntimeArn: runtime.agentRuntimeArn,
        agentRuntimeId: runtime.agentRuntimeId,
        agentRuntimeVersion: "1",
        createdAt: new Date(now),
        status: "CREATING",
        workloadIdentityDetails: { workloadIdentityArn: runtime.workloadIdentityArn },
      };
    }),
  );
}

/** The runtime record, with its workload identity created (a fresh id if the name is taken). */
function newRuntimeRecord(ctx: RequestContext, name: string, tags: Record<string, string>, now: string): RuntimeRecord {
  const { local } = ctx;
  for (let attempt = 0; attempt < 5; attempt++) {
    const id = newRuntimeId(name);
    if (local.store.get(KIND.runtime, id)) continue;
    const arn = runtimeArn(ctx.region, ctx.accountId, id);
    const identity: WorkloadIdentityRecord = {
      name: id,
      workloadIdentityArn: workloadIdentityArn(ctx.region, ctx.accountId, id),
      allowedResourceOauth2ReturnUrls: [],
      createdTime: now,
      lastUpdatedTime: now,
      managedByRuntimeArn: arn,
    };
    // Keyed by ARN: workload identities are regional (see identity/records.ts).
    if (!local.store.insert(WORKLOAD_IDENTITY_KIND, identity.workloadIdentityArn, identity)) continue;
    return {
      agentRuntimeId: id,
      agentRuntimeName: name,
      agentRuntimeArn: arn,
      region: ctx.region,
      accountId: ctx.accountId,
      latestVersion: "1",
      status: "CREATING",
      workloadIdentityName: identity.name,
      workloadIdentityArn: identity.workloadIdentityArn,
      tags,
      createdAt: now,
      lastUpdatedAt: now,
    };
  }
  throw new AwsError("InternalServerException", "Could not allocate a unique agent runtime id; retry the request.", 500);
}

export function getAgentRuntime(input: Shape, ctx: RequestContext): Shape {
  ctx.authorize("bedrock-agentcore:GetAgentRuntime", runtimeArnFor(ctx, input.agentRuntimeId));
  const runtime = findRuntime(ctx, input.agentRuntimeId);
  const requested = input.agentRuntimeVersion as string | undefined;
  const versionNumber = requested ?? runtime.latestVersion;
  const version = ctx.local.store.get<RuntimeVersionRecord>(KIND.version, versionKey(runtime.agentRuntimeId, versionNumber));
  if (!version) throw notFound(`Agent runtime ${runtime.agentRuntimeId} has no version ${versionNumber}.`);
  const deleting = runtime.status === "DELETING";
  return {
    agentRuntimeArn: runtime.agentRuntimeArn,
    agentRuntimeName: runtime.agentRuntimeName,
    agentRuntimeId: runtime.agentRuntimeId,
    agentRuntimeVersion: version.agentRuntimeVersion,
    // The runtime's creation time; a specific version's own when one was asked for.
    createdAt: new Date(requested ? version.createdAt : runtime.createdAt),
    lastUpdatedAt: new Date(deleting ? runtime.lastUpdatedAt : version.lastUpdatedAt),
    roleArn: version.roleArn,
    networkConfiguration: version.networkConfiguration,
    status: deleting ? "DELETING" : version.status,
    lifecycleConfiguration: version.lifecycleConfiguration,
    failureReason: deleting ? undefined : version.failureReason,
    description: version.description,
    workloadIdentityDetails: { workloadIdentityArn: version.workloadIdentityArn },
    agentRuntimeArtifact: version.artifact,
    protocolConfiguration: version.protocolConfiguration,
    environmentVariables: version.environmentVariables,
    authorizerConfiguration: version.authorizerConfiguration,
    requestHeaderConfiguration: version.requestHeaderConfiguration,
    metadataConfiguration: version.metadataConfiguration,
    filesystemConfigurations: version.filesystemConfigurations,
    capacityProviderConfiguration: version.capacityProviderConfiguration,
    platformVersion: version.platformVersion,
  };
}

export function updateAgentRuntime(input: Shape, ctx: RequestContext): Shape {
  ctx.authorize("bedrock-agentcore:UpdateAgentRuntime", runtimeArnFor(ctx, input.agentRuntimeId));
  authorizePassRole(ctx, input.roleArn);
  validateConfiguration(input);
  const { local } = ctx;
  return local.store.tx(() =>
    idempotent(local, "UpdateAgentRuntime", input.agentRuntimeId, input, () => {
      const runtime = findRuntime(ctx, input.agentRuntimeId);
      if (runtime.status === "CREATING" || runtime.status === "UPDATING" || runtime.status === "DELETING") {
        throw conflict(`Agent runtime ${runtime.agentRuntimeId} is ${runtime.status}. Wait until it is READY (or failed) and retry.`);
      }
      const version = nextVersion(runtime);
      const now = local.now().toISOString();
      const settleAt = settleAtFromNow(local);
      local.store.put(KIND.version, versionKey(runtime.agentRuntimeId, version), buildVersion(input, runtime, version, "UPDATING", now, settleAt));
      local.store.put<RuntimeRecord>(KIND.runtime, runtime.agentRuntimeId, {
        ...runtime,
        latestVersion: version,
        authorizerConfiguration: input.authorizerConfiguration,
        status: "UPDATING",
        failureReason: undefined,
        lastUpdatedAt: now,
      });
      // The DEFAULT endpoint follows the latest version; it keeps serving the old one meanwhile.
      const defaultKey = endpointKey(runtime.agentRuntimeId, DEFAULT_ENDPOINT);
      const defaultEndpoint = local.store.get<RuntimeEndpointRecord>(KIND.endpoint, defaultKey);
      if (defaultEndpoint) {
        local.store.put<RuntimeEndpointRecord>(KIND.endpoint, defaultKey, {
          ...defaultEndpoint,
          targetVersion: version,
          status: defaultEndpoint.liveVersion ? "UPDATING" : "CREATING",
          failureReason: undefined,
          lastUpdatedAt: now,
          settleAt,
        });
      }
      scheduleSettle(local, runtime.agentRuntimeId, settleAt);
      local.log(`runtime ${runtime.agentRuntimeId}: UPDATING to version ${version}`);
      return {
        agentRuntimeArn: runtime.agentRuntimeArn,
        agentRuntimeId: runtime.agentRuntimeId,
        workloadIdentityDetails: { workloadIdentityArn: runtime.workloadIdentityArn },
        agentRuntimeVersion: version,
        createdAt: new Date(runtime.createdAt),
        lastUpdatedAt: new Date(now),
        status: "UPDATING",
      };
    }),
  );
}

export function deleteAgentRuntime(input: Shape, ctx: RequestContext): Shape {
  ctx.authorize("bedrock-agentcore:DeleteAgentRuntime", runtimeArnFor(ctx, input.agentRuntimeId));
  const { local } = ctx;
  return local.store.tx(() =>
    idempotent(local, "DeleteAgentRuntime", input.agentRuntimeId, input, () => {
      const runtime = findRuntime(ctx, input.agentRuntimeId);
      if (input.agentRuntimeVersion !== undefined) return deleteVersion(ctx, runtime, input.agentRuntimeVersion);
      if (runtime.status !== "DELETING") {
        const now = local.now().toISOString();
        const settleAt = settleAtFromNow(local);
        local.store.put<RuntimeRecord>(KIND.runtime, runtime.agentRuntimeId, {
          ...runtime,
          status: "DELETING",
          failureReason: undefined,
          lastUpdatedAt: now,
          settleAt,
        });
        for (const e of local.store.list<RuntimeEndpointRecord>(KIND.endpoint, `${runtime.agentRuntimeId}/`)) {
          local.store.put<RuntimeEndpointRecord>(KIND.endpoint, endpointKey(e.agentRuntimeId, e.name), {
            ...e,
            status: "DELETING",
            lastUpdatedAt: now,
            settleAt,
          });
        }
        scheduleSettle(local, runtime.agentRuntimeId, settleAt);
        local.log(`runtime ${runtime.agentRuntimeId}: DELETING`);
      }
      return { status: "DELETING", agentRuntimeId: runtime.agentRuntimeId, agentRuntimeVersion: runtime.latestVersion };
    }),
  );
}

/** Deletes one older version that no endpoint uses. */
function deleteVersion(ctx: RequestContext, runtime: RuntimeRecord, version: string): Shape {
  const { store } = ctx.local;
  const key = versionKey(runtime.agentRuntimeId, version);
  if (!store.get(KIND.version, key)) throw notFound(`Agent runtime ${runtime.agentRuntimeId} has no version ${version}.`);
  if (version === runtime.latestVersion) {
    throw conflict(`Version ${version} is the latest version of ${runtime.agentRuntimeId}; delete the runtime instead, or update it first.`);
  }
  const user = store
    .list<RuntimeEndpointRecord>(KIND.endpoint, `${runtime.agentRuntimeId}/`)
    .find((e) => e.liveVersion === version || e.targetVersion === version);
  if (user) throw conflict(`Version ${version} is used by endpoint ${user.name}; point the endpoint at another version first.`);
  store.delete(KIND.version, key);
  return { status: "DELETING", agentRuntimeId: runtime.agentRuntimeId, agentRuntimeVersion: version };
}

export function listAgentRuntimes(input: Shape, ctx: RequestContext): Shape {
  ctx.authorize("bedrock-agentcore:ListAgentRuntimes", "*");
  const { local } = ctx;
  settleAll(local);
  const runtimes = local.store
    .list<RuntimeRecord>(KIND.runtime)
    .filter((r) => r.region === ctx.region && r.accountId === ctx.accountId);
  const page = paginate(runtimes, (r) => r.agentRuntimeId, { token: input.nextToken, pageSize: input.maxResults ?? DEFAULT_MAX_RESULTS, invalidToken: invalidNextToken });
  return {
    agentRuntimes: page.items.flatMap((r) => {
      const latest = local.store.get<RuntimeVersionRecord>(KIND.version, versionKey(r.agentRuntimeId, r.latestVersion));
      return latest ? [summary(latest, r.status, r.lastUpdatedAt)] : [];
    }),
    nextToken: page.nextToken,
  };
}
