import type { ServiceImpl } from "../../service.js";

export const ecr: ServiceImpl = {
  model: "ecr",
  operations: {},
};
