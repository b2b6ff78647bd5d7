/**
 * Every service Local AgentCore serves; services sharing a model are merged by the router. The
 * data plane is built for the runtime host that runs its agents.
 */
import type { ServiceImpl } from "../service.js";
import type { RuntimeHost } from "../runtime-host/host.js";
import { iam } from "./iam/index.js";
import { sts } from "./sts/index.js";
import { identity } from "./identity/index.js";
import { identityData } from "./identity-data/index.js";
import { runtimeControl } from "./runtime-control/index.js";
import { ecr } from "./ecr/index.js";
import { s3 } from "./s3/index.js";
import { createRuntimeData } from "./runtime-data/index.js";

export function createServices(deps: { host: RuntimeHost }): ServiceImpl[] {
  return [iam, sts, identity, identityData, runtimeControl, ecr, s3, createRuntimeData(deps.host)];
}
