/** STS for Local AgentCore: GetCallerIdentity and AssumeRole (trust policies enforced). */
import type { ServiceImpl } from "../../service.js";
import { AssumeRole } from "./assume-role.js";
import { GetCallerIdentity } from "./caller-identity.js";

export { assumeRoleAsService, AGENTCORE_SERVICE_PRINCIPAL, type ServiceAssumeRoleRequest } from "./assume-role.js";

export const sts: ServiceImpl = {
  model: "sts",
  operations: { GetCallerIdentity, AssumeRole },
};
