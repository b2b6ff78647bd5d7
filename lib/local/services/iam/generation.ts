/**
 * The IAM generation counter: bumped inside every transaction that changes roles, policies,
 * attachments or role tags, so the authorizer can tell when its cached decisions are stale.
 */
import type { Store } from "../../state/store.js";

export const IAM_GENERATION_KEY = "iam-generation";

export function bumpIamGeneration(store: Store): void {
  const n = Number(store.getMeta(IAM_GENERATION_KEY) ?? "0");
  store.setMeta(IAM_GENERATION_KEY, String((Number.isFinite(n) ? n : 0) + 1));
}
