import type { ServiceImpl } from "../../service.js";

export const identity: ServiceImpl = {
  model: "bedrock-agentcore-control",
  operations: {},
};
