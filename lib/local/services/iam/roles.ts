/** IAM roles: CreateRole, GetRole, DeleteRole, ListRoles, UpdateAssumeRolePolicy. */
import type { IamRoleRecord } from "../../state/records.js";
import type { OperationHandler, Shape } from "../../service.js";
import { authorizeOnRole } from "./access.js";
import { checkDocument } from "./documents.js";
import { deleteConflict, entityAlreadyExists, invalidInput, limitExceeded } from "./errors.js";
import { bumpIamGeneration } from "./generation.js";
import { newRoleId, roleArn } from "./ids.js";
import { compareKeys } from "../pagination.js";
import { ATTACHMENT, ROLE, ROLE_POLICY, findRole, listPage, requireRole } from "./lookup.js";
import { checkTagList, mergeTags } from "./tags.js";

const ROLES_PER_ACCOUNT = 1000;
const DEFAULT_MAX_SESSION_DURATION = 3600;

/**
 * A role as IAM answers it. ListRoles leaves out Tags and RoleLastUsed (AWS documents that);
 * GetRole and CreateRole include them.
 */
export function roleShape(role: IamRoleRecord, detail: "full" | "list"): Shape {
  const shape: Shape = {
    Path: role.Path,
    RoleName: role.RoleName,
    RoleId: role.RoleId,
    Arn: role.Arn,
    CreateDate: new Date(role.CreateDate),
    AssumeRolePolicyDocument: role.AssumeRolePolicyDocument,
    MaxSessionDuration: role.MaxSessionDuration,
  };
  if (role.Description !== undefined) shape.Description = role.Description;
  if (detail === "full") {
    if (role.Tags.length > 0) shape.Tags = role.Tags;
    shape.RoleLastUsed = {};
  }
  return shape;
}

function checkPath(path: string): void {
  if (!/^\/(?:[\x21-\x7e]*\/)?$/.test(path)) {
    throw invalidInput(`The specified value for path is invalid. It must begin and end with / and contain only alphanumeric characters and/or / characters.`);
  }
}

export const CreateRole: OperationHandler = (input, ctx) => {
  const store = ctx.local.store;
  const name: string = input.RoleName;
  const path: string = input.Path ?? "/";
  checkPath(path);
  const arn = roleArn(ctx.accountId, path, name);
  ctx.authorize("iam:CreateRole", arn);
  if (input.Tags?.length) ctx.authorize("iam:TagRole", arn);
  if (input.PermissionsBoundary !== undefined) {
    throw invalidInput("Local AgentCore does not support permissions boundaries; create the role without PermissionsBoundary.");
  }
  const trust: string = input.AssumeRolePolicyDocument;
  checkDocument(trust, "trust");
  const tags = mergeTags([], checkTagList(input.Tags ?? []));

  return store.tx(() => {
    if (findRole(store, name)) throw entityAlreadyExists(`Role with name ${name} already exists.`);
    if (store.list(ROLE).length >= ROLES_PER_ACCOUNT) {
      throw limitExceeded(`Cannot exceed quota for RolesPerAccount: ${ROLES_PER_ACCOUNT}`);
    }
    const role: IamRoleRecord = {
      RoleName: name,
      RoleId: newRoleId(),
      Arn: arn,
      Path: path,
      CreateDate: ctx.local.now().toISOString(),
      AssumeRolePolicyDocument: trust,
      ...(input.Description !== undefined ? { Description: input.Description as string } : {}),
      MaxSessionDuration: input.MaxSessionDuration ?? DEFAULT_MAX_SESSION_DURATION,
      Tags: tags,
    };
    store.insert(ROLE, name, role);
    bumpIamGeneration(store);
    const shape = roleShape(role, "full");
    delete shape.RoleLastUsed; // CreateRole's answer has no RoleLastUsed
    return { Role: shape };
  });
};

export const GetRole: OperationHandler = (input, ctx) => {
  authorizeOnRole(ctx, "iam:GetRole", input.RoleName);
  return { Role: roleShape(requireRole(ctx.local.store, input.RoleName), "full") };
};

export const DeleteRole: OperationHandler = (input, ctx) => {
  const store = ctx.local.store;
  authorizeOnRole(ctx, "iam:DeleteRole", input.RoleName);
  store.tx(() => {
    const role = requireRole(store, input.RoleName);
    if (store.list(ROLE_POLICY, `${role.RoleName}/`).length > 0) {
      throw deleteConflict("Cannot delete entity, must delete policies first.");
    }
    if (store.list(ATTACHMENT, `${role.RoleName}|`).length > 0) {
      throw deleteConflict("Cannot delete entity, must detach all policies first.");
    }
    store.delete(ROLE, role.RoleName);
    bumpIamGeneration(store);
  });
};

export const ListRoles: OperationHandler = (input, ctx) => {
  ctx.authorize("iam:ListRoles", "*");
  const prefix: string = input.PathPrefix ?? "/";
  const roles = ctx.local.store
    .list<IamRoleRecord>(ROLE)
    .filter((r) => r.Path.startsWith(prefix))
    .sort((a, b) => compareKeys(a.RoleName, b.RoleName));
  return listPage("Roles", roles, (r) => r.RoleName, input, (r) => roleShape(r, "list"));
};

export const UpdateAssumeRolePolicy: OperationHandler = (input, ctx) => {
  const store = ctx.local.store;
  authorizeOnRole(ctx, "iam:UpdateAssumeRolePolicy", input.RoleName);
  const trust: string = input.PolicyDocument;
  checkDocument(trust, "trust");
  store.tx(() => {
    const role = requireRole(store, input.RoleName);
    store.put<IamRoleRecord>(ROLE, role.RoleName, { ...role, AssumeRolePolicyDocument: trust });
    bumpIamGeneration(store);
  });
};
