/** STS GetCallerIdentity: who signed the request. No permission is needed, as in AWS. */
import type { OperationHandler, Principal } from "../../service.js";

/** `UserId` as AWS reports it: the user's id, or `<RoleId>:<SessionName>` for a role session. */
export const userIdOf = (p: Principal): string =>
  p.kind === "admin" ? p.userId : p.kind === "bearer" ? "anonymous" : `${p.roleId}:${p.sessionName}`;

export const GetCallerIdentity: OperationHandler = (_input, ctx) => ({
  UserId: userIdOf(ctx.principal),
  Account: ctx.principal.accountId,
  Arn: ctx.principal.arn,
});
