/** Authorizing IAM calls on a role: the role's own ARN (with its path) when it exists, as IAM does. */
import type { IamRoleRecord } from "../../state/records.js";
import type { ContextValues, RequestContext } from "../../service.js";
import { roleArn } from "./ids.js";
import { findRole } from "./lookup.js";

/** Authorizes `action` on the named role and returns the role when it exists. */
export function authorizeOnRole(
  ctx: RequestContext,
  action: string,
  roleName: string,
  context?: ContextValues,
): IamRoleRecord | undefined {
  const role = findRole(ctx.local.store, roleName);
  ctx.authorize(action, role?.Arn ?? roleArn(ctx.accountId, "/", roleName), context);
  return role;
}
