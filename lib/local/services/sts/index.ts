import type { ServiceImpl } from "../../service.js";

export const sts: ServiceImpl = {
  model: "sts",
  operations: {},
};
