import type { ServiceImpl } from "../../service.js";

export const s3: ServiceImpl = {
  model: "s3",
  operations: {},
};
