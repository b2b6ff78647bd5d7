/**
 * Finding IAM records. Role names are unique case-insensitively and IAM finds a role whatever
 * case the caller spells it in; records stay keyed by the name as created.
 */
import type { IamRoleRecord } from "../../state/records.js";
import type { Store } from "../../state/store.js";
import { noSuchRole } from "./errors.js";

export const ROLE = "iam-role";
export const ROLE_POLICY = "iam-role-policy";
export const MANAGED_POLICY = "iam-policy";
export const ATTACHMENT = "iam-attachment";

export function findRole(store: Store, roleName: string): IamRoleRecord | undefined {
  const exact = store.get<IamRoleRecord>(ROLE, roleName);
  if (exact) return exact;
  const wanted = roleName.toLowerCase();
  return store.list<IamRoleRecord>(ROLE).find((r) => r.RoleName.toLowerCase() === wanted);
}

export function requireRole(store: Store, roleName: string): IamRoleRecord {
  const role = findRole(store, roleName);
  if (!role) throw noSuchRole(roleName);
  return role;
}

export const rolePolicyId = (roleName: string, policyName: string): string => `${roleName}/${policyName}`;
export const attachmentId = (roleName: string, policyArn: string): string => `${roleName}|${policyArn}`;
