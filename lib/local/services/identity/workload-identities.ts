/**
 * Workload identities: the identity an agent acts as when it asks the token vault for credentials.
 * Users create their own; the runtime control plane creates one per agent runtime (marked with
 * `managedByRuntimeArn`) in the same record shape, and deletes it with the runtime.
 */
import type { OperationHandler, RequestContext, Shape } from "../../service.js";
import { workloadIdentityArn, workloadIdentityDirectoryArn } from "./arns.js";
import { DEFAULT_PAGE_SIZE, invalid, invalidNextToken, notFound } from "./errors.js";
import { paginate } from "../pagination.js";
import { KIND_WORKLOAD_IDENTITY, type StoredWorkloadIdentity } from "./records.js";

function authorize(ctx: RequestContext, operation: string, name: string): void {
  ctx.authorize(`bedrock-agentcore:${operation}`, [workloadIdentityArn(ctx, name), workloadIdentityDirectoryArn(ctx)]);
}

/** Regional and keyed by ARN (see records.ts): the request's region finds only its own. */
function load(ctx: RequestContext, name: string): StoredWorkloadIdentity {
  const record = ctx.local.store.get<StoredWorkloadIdentity>(KIND_WORKLOAD_IDENTITY, workloadIdentityArn(ctx, name));
  if (!record) throw notFound(`Workload identity with name ${name} not found.`);
  return record;
}

function describe(record: StoredWorkloadIdentity): Shape {
  return {
    name: record.name,
    workloadIdentityArn: record.workloadIdentityArn,
    allowedResourceOauth2ReturnUrls: record.allowedResourceOauth2ReturnUrls,
    createdTime: new Date(record.createdTime),
    lastUpdatedTime: new Date(record.lastUpdatedTime),
  };
}

const create: OperationHandler = (input, ctx) => {
  const name = input.name as string;
  authorize(ctx, "CreateWorkloadIdentity", name);
  const now = ctx.local.now().toISOString();
  const record: StoredWorkloadIdentity = {
    name,
    workloadIdentityArn: workloadIdentityArn(ctx, name),
    allowedResourceOauth2ReturnUrls: (input.allowedResourceOauth2ReturnUrls as string[] | undefined) ?? [],
    createdTime: now,
    lastUpdatedTime: now,
    ...(input.tags ? { tags: input.tags as Record<string, string> } : {}),
  };
  const inserted = ctx.local.store.tx(() => ctx.local.store.insert(KIND_WORKLOAD_IDENTITY, record.workloadIdentityArn, record));
  if (!inserted) {
    // CreateWorkloadIdentity models no ConflictException; ValidationException (reason
    // ResourceConflict) is the modeled error that fits a taken name.
    throw invalid("name", `Workload identity with name ${name} already exists.`, "ResourceConflict");
  }
  return {
    name: record.name,
    workloadIdentityArn: record.workloadIdentityArn,
    allowedResourceOauth2ReturnUrls: record.allowedResourceOauth2ReturnUrls,
  };
};

const get: OperationHandler = (input, ctx) => {
  const name = input.name as string;
  authorize(ctx, "GetWorkloadIdentity", name);
  return describe(load(ctx, name));
};

/**
 * Replaces the allowed return URLs (omitting them clears the list: the operation sets the identity's
 * whole mutable state). Allowed on runtime-managed identities too: that is how a user lets an
 * agent runtime's OAuth flows return to their app.
 */
const update: OperationHandler = (input, ctx) => {
  const name = input.name as string;
  authorize(ctx, "UpdateWorkloadIdentity", name);
  const { store } = ctx.local;
  return store.tx(() => {
    const record: StoredWorkloadIdentity = {
      ...load(ctx, name),
      allowedResourceOauth2ReturnUrls: (input.allowedResourceOauth2ReturnUrls as string[] | undefined) ?? [],
      lastUpdatedTime: ctx.local.now().toISOString(),
    };
    store.put(KIND_WORKLOAD_IDENTITY, record.workloadIdentityArn, record);
    return describe(record);
  });
};

const remove: OperationHandler = (input, ctx) => {
  const name = input.name as string;
  authorize(ctx, "DeleteWorkloadIdentity", name);
  const { store } = ctx.local;
  store.tx(() => {
    const record = load(ctx, name);
    if (record.managedByRuntimeArn) {
      // DeleteWorkloadIdentity models no ConflictException, so a runtime's identity is refused with
      // the modeled ValidationException; the runtime removes it when the runtime is deleted.
      throw invalid(
        "name",
        `Workload identity ${name} is managed by agent runtime ${record.managedByRuntimeArn} and is deleted with it; delete the agent runtime instead.`,
        "ResourceConflict",
      );
    }
    store.delete(KIND_WORKLOAD_IDENTITY, record.workloadIdentityArn);
  });
  return {};
};

const list: OperationHandler = (input, ctx) => {
  ctx.authorize("bedrock-agentcore:ListWorkloadIdentities", [workloadIdentityArn(ctx, "*"), workloadIdentityDirectoryArn(ctx)]);
  const all = ctx.local.store.list<StoredWorkloadIdentity>(KIND_WORKLOAD_IDENTITY, workloadIdentityArn(ctx, ""));
  const page = paginate(all, (r) => r.name, { token: input.nextToken, pageSize: input.maxResults ?? DEFAULT_PAGE_SIZE, invalidToken: invalidNextToken });
  return {
    workloadIdentities: page.items.map((r) => ({ name: r.name, workloadIdentityArn: r.workloadIdentityArn })),
    ...(page.nextToken ? { nextToken: page.nextToken } : {}),
  };
};

export const workloadIdentityOperations: Record<string, OperationHandler> = {
  CreateWorkloadIdentity: create,
  GetWorkloadIdentity: get,
  UpdateWorkloadIdentity: update,
  DeleteWorkloadIdentity: remove,
  ListWorkloadIdentities: list,
};
