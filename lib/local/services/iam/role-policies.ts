/** Inline role policies: PutRolePolicy, GetRolePolicy, ListRolePolicies, DeleteRolePolicy. */
import type { IamRolePolicyRecord } from "../../state/records.js";
import type { OperationHandler } from "../../service.js";
import type { Store } from "../../state/store.js";
import { authorizeOnRole } from "./access.js";
import { QUOTAS, checkDocument, policySize } from "./documents.js";
import { limitExceeded, noSuchRolePolicy } from "./errors.js";
import { bumpIamGeneration } from "./generation.js";
import { compareKeys } from "../pagination.js";
import { ROLE_POLICY, listPage, requireRole, rolePolicyId } from "./lookup.js";

const inlinePolicies = (store: Store, roleName: string): IamRolePolicyRecord[] =>
  store.list<IamRolePolicyRecord>(ROLE_POLICY, `${roleName}/`);

export const PutRolePolicy: OperationHandler = (input, ctx) => {
  const store = ctx.local.store;
  authorizeOnRole(ctx, "iam:PutRolePolicy", input.RoleName);
  const document: string = input.PolicyDocument;
  checkDocument(document, "identity", { roleName: input.RoleName });
  store.tx(() => {
    const role = requireRole(store, input.RoleName);
    // The quota is on all of a role's inline policies together (a replaced policy no longer counts).
    const others = inlinePolicies(store, role.RoleName).filter((p) => p.PolicyName !== input.PolicyName);
    const total = others.reduce((n, p) => n + policySize(p.PolicyDocument), policySize(document));
    if (total > QUOTAS.inlinePoliciesPerRole) {
      throw limitExceeded(`Maximum policy size of ${QUOTAS.inlinePoliciesPerRole} bytes exceeded for role ${role.RoleName}.`);
    }
    store.put<IamRolePolicyRecord>(ROLE_POLICY, rolePolicyId(role.RoleName, input.PolicyName), {
      RoleName: role.RoleName,
      PolicyName: input.PolicyName,
      PolicyDocument: document,
    });
    bumpIamGeneration(store);
  });
};

export const GetRolePolicy: OperationHandler = (input, ctx) => {
  const store = ctx.local.store;
  authorizeOnRole(ctx, "iam:GetRolePolicy", input.RoleName);
  const role = requireRole(store, input.RoleName);
  const policy = store.get<IamRolePolicyRecord>(ROLE_POLICY, rolePolicyId(role.RoleName, input.PolicyName));
  if (!policy) throw noSuchRolePolicy(input.PolicyName);
  return { RoleName: role.RoleName, PolicyName: policy.PolicyName, PolicyDocument: policy.PolicyDocument };
};

export const ListRolePolicies: OperationHandler = (input, ctx) => {
  authorizeOnRole(ctx, "iam:ListRolePolicies", input.RoleName);
  const role = requireRole(ctx.local.store, input.RoleName);
  const names = inlinePolicies(ctx.local.store, role.RoleName)
    .map((p) => p.PolicyName)
    .sort(compareKeys);
  return listPage("PolicyNames", names, (n) => n, input);
};

export const DeleteRolePolicy: OperationHandler = (input, ctx) => {
  const store = ctx.local.store;
  authorizeOnRole(ctx, "iam:DeleteRolePolicy", input.RoleName);
  store.tx(() => {
    const role = requireRole(store, input.RoleName);
    if (!store.delete(ROLE_POLICY, rolePolicyId(role.RoleName, input.PolicyName))) throw noSuchRolePolicy(input.PolicyName);
    bumpIamGeneration(store);
  });
};
