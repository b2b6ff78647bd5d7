import type { ServiceImpl } from "../../service.js";

export const iam: ServiceImpl = {
  model: "iam",
  operations: {},
};
