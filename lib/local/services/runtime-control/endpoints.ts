/**
 * Create/Get/Update/Delete/ListAgentRuntimeEndpoints. An endpoint names the version invocations
 * run (`liveVersion`); moving it to another version passes through UPDATING. The DEFAULT endpoint
 * belongs to the runtime: it follows the latest version and goes away only with the runtime.
 */
import { AwsError } from "../../errors.js";
import type { RequestContext, Shape } from "../../service.js";
import { assertName, endpointArn, newEndpointId } from "./ids.js";
import { idempotent } from "./idempotency.js";
import { conflict, DEFAULT_MAX_RESULTS, endpointArnFor, findEndpoint, findRuntime, invalidNextToken, notFound, runtimeArnFor } from "./lookup.js";
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
import { scheduleSettle, settleRuntime, settleAtFromNow } from "./status.js";

const authorizeEndpoint = (ctx: RequestContext, action: string, runtimeId: string, name: string) =>
  ctx.authorize(`bedrock-agentcore:${action}`, [runtimeArnFor(ctx, runtimeId), endpointArnFor(ctx, runtimeId, name)]);

function refuseDefault(name: string, what: string): void {
  if (name === DEFAULT_ENDPOINT) {
    throw new AwsError(
      "ValidationException",
      `The DEFAULT endpoint is managed by the runtime and cannot be ${what}: it follows the latest version (UpdateAgentRuntime) and is deleted with the runtime.`,
      400,
      { reason: "FieldValidationFailed", fieldList: [{ name: "endpointName", message: `DEFAULT cannot be ${what}` }] },
    );
  }
}

function requireVersion(ctx: RequestContext, runtime: RuntimeRecord, version: string): void {
  if (!ctx.local.store.get<RuntimeVersionRecord>(KIND.version, versionKey(runtime.agentRuntimeId, version))) {
    throw notFound(`Agent runtime ${runtime.agentRuntimeId} has no version ${version}.`);
  }
}

function requireNotDeleting(runtime: RuntimeRecord): void {
  if (runtime.status === "DELETING") throw conflict(`Agent runtime ${runtime.agentRuntimeId} is being deleted.`);
}

export function createAgentRuntimeEndpoint(input: Shape, ctx: RequestContext): Shape {
  ctx.authorize("bedrock-agentcore:CreateAgentRuntimeEndpoint", runtimeArnFor(ctx, input.agentRuntimeId));
  assertName("name", input.name);
  const { local } = ctx;
  return local.store.tx(() =>
    idempotent(local, "CreateAgentRuntimeEndpoint", input.agentRuntimeId, input, () => {
      const runtime = findRuntime(ctx, input.agentRuntimeId);
      requireNotDeleting(runtime);
      const name = input.name as string;
      const key = endpointKey(runtime.agentRuntimeId, name);
      if (local.store.get(KIND.endpoint, key)) {
        throw conflict(`Agent runtime ${runtime.agentRuntimeId} already has an endpoint named ${name}.`);
      }
      const version = (input.agentRuntimeVersion as string | undefined) ?? runtime.latestVersion;
      requireVersion(ctx, runtime, version);
      const now = local.now().toISOString();
      const settleAt = settleAtFromNow(local);
      const endpoint: RuntimeEndpointRecord = {
        name,
        id: newEndpointId(name),
        agentRuntimeId: runtime.agentRuntimeId,
        agentRuntimeArn: runtime.agentRuntimeArn,
        agentRuntimeEndpointArn: endpointArn(runtime.agentRuntimeArn, name),
        targetVersion: version,
        description: input.description,
        tags: input.tags ?? {},
        status: "CREATING",
        createdAt: now,
        lastUpdatedAt: now,
        settleAt,
      };
      local.store.put(KIND.endpoint, key, endpoint);
      scheduleSettle(local, runtime.agentRuntimeId, settleAt);
      return {
        targetVersion: version,
        agentRuntimeEndpointArn: endpoint.agentRuntimeEndpointArn,
        agentRuntimeArn: runtime.agentRuntimeArn,
        agentRuntimeId: runtime.agentRuntimeId,
        endpointName: name,
        status: "CREATING",
        createdAt: new Date(now),
      };
    }),
  );
}

export function getAgentRuntimeEndpoint(input: Shape, ctx: RequestContext): Shape {
  authorizeEndpoint(ctx, "GetAgentRuntimeEndpoint", input.agentRuntimeId, input.endpointName);
  return endpointView(findEndpoint(ctx, input.agentRuntimeId, input.endpointName));
}

export function updateAgentRuntimeEndpoint(input: Shape, ctx: RequestContext): Shape {
  authorizeEndpoint(ctx, "UpdateAgentRuntimeEndpoint", input.agentRuntimeId, input.endpointName);
  refuseDefault(input.endpointName, "updated");
  const { local } = ctx;
  return local.store.tx(() =>
    idempotent(local, "UpdateAgentRuntimeEndpoint", `${input.agentRuntimeId}/${input.endpointName}`, input, () => {
      const runtime = findRuntime(ctx, input.agentRuntimeId);
      requireNotDeleting(runtime);
      const endpoint = findEndpoint(ctx, input.agentRuntimeId, input.endpointName);
      if (endpoint.status === "CREATING" || endpoint.status === "UPDATING" || endpoint.status === "DELETING") {
        throw conflict(`Endpoint ${endpoint.name} is ${endpoint.status}. Wait until it settles and retry.`);
      }
      const version = (input.agentRuntimeVersion as string | undefined) ?? endpoint.targetVersion;
      requireVersion(ctx, runtime, version);
      const now = local.now().toISOString();
      const settleAt = settleAtFromNow(local);
      const updated: RuntimeEndpointRecord = {
        ...endpoint,
        targetVersion: version,
        description: input.description ?? endpoint.description,
        status: endpoint.liveVersion ? "UPDATING" : "CREATING",
        failureReason: undefined,
        lastUpdatedAt: now,
        settleAt,
      };
      local.store.put(KIND.endpoint, endpointKey(runtime.agentRuntimeId, endpoint.name), updated);
      scheduleSettle(local, runtime.agentRuntimeId, settleAt);
      return {
        liveVersion: updated.liveVersion,
        targetVersion: updated.targetVersion,
        agentRuntimeEndpointArn: updated.agentRuntimeEndpointArn,
        agentRuntimeArn: updated.agentRuntimeArn,
        status: updated.status,
        createdAt: new Date(updated.createdAt),
        lastUpdatedAt: new Date(now),
      };
    }),
  );
}

export function deleteAgentRuntimeEndpoint(input: Shape, ctx: RequestContext): Shape {
  authorizeEndpoint(ctx, "DeleteAgentRuntimeEndpoint", input.agentRuntimeId, input.endpointName);
  refuseDefault(input.endpointName, "deleted");
  const { local } = ctx;
  return local.store.tx(() =>
    idempotent(local, "DeleteAgentRuntimeEndpoint", `${input.agentRuntimeId}/${input.endpointName}`, input, () => {
      const endpoint = findEndpoint(ctx, input.agentRuntimeId, input.endpointName);
      if (endpoint.status !== "DELETING") {
        const settleAt = settleAtFromNow(local);
        local.store.put<RuntimeEndpointRecord>(KIND.endpoint, endpointKey(endpoint.agentRuntimeId, endpoint.name), {
          ...endpoint,
          status: "DELETING",
          lastUpdatedAt: local.now().toISOString(),
          settleAt,
        });
        scheduleSettle(local, endpoint.agentRuntimeId, settleAt);
      }
      return { status: "DELETING", agentRuntimeId: endpoint.agentRuntimeId, endpointName: endpoint.name };
    }),
  );
}

export function listAgentRuntimeEndpoints(input: Shape, ctx: RequestContext): Shape {
  ctx.authorize("bedrock-agentcore:ListAgentRuntimeEndpoints", "*");
  const { local } = ctx;
  const runtimeId = input.agentRuntimeId as string;
  // No ResourceNotFound is modeled for this operation: an unknown runtime has no endpoints.
  const endpoints = local.store.tx(() => {
    settleRuntime(local, runtimeId);
    const runtime = local.store.get<RuntimeRecord>(KIND.runtime, runtimeId);
    if (!runtime || runtime.region !== ctx.region || runtime.accountId !== ctx.accountId) return [];
    return local.store.list<RuntimeEndpointRecord>(KIND.endpoint, `${runtimeId}/`);
  });
  const page = paginate(endpoints, (e) => e.name, { token: input.nextToken, pageSize: input.maxResults ?? DEFAULT_MAX_RESULTS, invalidToken: invalidNextToken });
  return {
    runtimeEndpoints: page.items.map((e) => {
      const { failureReason: _reason, ...view } = endpointView(e);
      return view;
    }),
    nextToken: page.nextToken,
  };
}

function endpointView(e: RuntimeEndpointRecord): Shape {
  return {
    name: e.name,
    id: e.id,
    liveVersion: e.liveVersion,
    targetVersion: e.targetVersion,
    agentRuntimeEndpointArn: e.agentRuntimeEndpointArn,
    agentRuntimeArn: e.agentRuntimeArn,
    description: e.description,
    status: e.status,
    failureReason: e.failureReason,
    createdAt: new Date(e.createdAt),
    lastUpdatedAt: new Date(e.lastUpdatedAt),
  };
}
