import type { ServiceImpl } from "../../service.js";

export const runtimeControl: ServiceImpl = {
  model: "bedrock-agentcore-control",
  operations: {},
};
