/** Every service Local AgentCore serves; services sharing a model are merged by the router. */
import type { ServiceImpl } from "../service.js";
import { iam } from "./iam/index.js";
import { sts } from "./sts/index.js";
import { identity } from "./identity/index.js";
import { identityData } from "./identity-data/index.js";
import { runtimeControl } from "./runtime-control/index.js";
import { ecr } from "./ecr/index.js";
import { s3 } from "./s3/index.js";
import { runtimeData } from "./runtime-data/index.js";

export const services: ServiceImpl[] = [iam, sts, identity, identityData, runtimeControl, ecr, s3, runtimeData];
