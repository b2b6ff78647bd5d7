/**
 * The agent runtime control plane (bedrock-agentcore-control): runtimes, their immutable versions
 * and endpoints, with the status transitions and checks AgentCore runs. Running the agents is the
 * runtime host's job; it reads the records described in `records.ts` through `status.ts`'s readers.
 */
import type { ServiceImpl } from "../../service.js";
import {
  createAgentRuntimeEndpoint,
  deleteAgentRuntimeEndpoint,
  getAgentRuntimeEndpoint,
  listAgentRuntimeEndpoints,
  updateAgentRuntimeEndpoint,
} from "./endpoints.js";
import { createAgentRuntime, deleteAgentRuntime, getAgentRuntime, listAgentRuntimes, updateAgentRuntime } from "./runtimes.js";
import { listAgentRuntimeVersions } from "./versions.js";

export type * from "./records.js";
export { KIND as RUNTIME_KINDS, DEFAULT_ENDPOINT, endpointKey, versionKey } from "./records.js";
export { readEndpoint, readRuntime, readVersion, settleDelayMs } from "./status.js";
export { readLiveTarget, type LiveTarget } from "./live-target.js";
export { parseContainerUri } from "./ids.js";

export const runtimeControl: ServiceImpl = {
  model: "bedrock-agentcore-control",
  operations: {
    CreateAgentRuntime: createAgentRuntime,
    GetAgentRuntime: getAgentRuntime,
    UpdateAgentRuntime: updateAgentRuntime,
    DeleteAgentRuntime: deleteAgentRuntime,
    ListAgentRuntimes: listAgentRuntimes,
    ListAgentRuntimeVersions: listAgentRuntimeVersions,
    CreateAgentRuntimeEndpoint: createAgentRuntimeEndpoint,
    GetAgentRuntimeEndpoint: getAgentRuntimeEndpoint,
    UpdateAgentRuntimeEndpoint: updateAgentRuntimeEndpoint,
    DeleteAgentRuntimeEndpoint: deleteAgentRuntimeEndpoint,
    ListAgentRuntimeEndpoints: listAgentRuntimeEndpoints,
  },
};
