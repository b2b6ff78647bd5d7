/**
 * Finding and listing IAM records. Role names are unique case-insensitively and IAM finds a role
 * whatever case the caller spells it in; records stay keyed by the name as created.
 */
import type { IamRoleRecord } from "../../state/records.js";
import type { Store } from "../../state/store.js";
import type { Shape } from "../../service.js";
import { paginate } from "../pagination.js";
import { invalidMarker, noSuchRole } from "./errors.js";

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

/** IAM's page size when `MaxItems` is omitted. */
export const DEFAULT_MAX_ITEMS = 100;

/**
 * One page of an IAM list as its output members: `<member>`, `IsTruncated`, and `Marker` when
 * truncated. `sorted` must be in `compareKeys` order of `keyOf`.
 */
export function listPage<T>(
  member: string,
  sorted: T[],
  keyOf: (item: T) => string,
  input: Shape,
  map: (item: T) => unknown = (x) => x,
): Record<string, unknown> {
  const page = paginate(sorted, keyOf, { token: input.Marker, pageSize: input.MaxItems ?? DEFAULT_MAX_ITEMS, invalidToken: invalidMarker });
  return { [member]: page.items.map(map), IsTruncated: page.nextToken !== undefined, ...(page.nextToken ? { Marker: page.nextToken } : {}) };
}
