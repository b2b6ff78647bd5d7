/** Role tags: TagRole, UntagRole, ListRoleTags. Tag keys are case-insensitive in IAM. */
import type { IamRoleRecord } from "../../state/records.js";
import type { OperationHandler } from "../../service.js";
import { authorizeOnRole } from "./access.js";
import { QUOTAS } from "./documents.js";
import { invalidInput, limitExceeded } from "./errors.js";
import { bumpIamGeneration } from "./generation.js";
import { compareKeys } from "../pagination.js";
import { ROLE, listPage, requireRole } from "./lookup.js";

export type Tag = { Key: string; Value: string };

/** Rejects a tag list naming one key twice (in any case), as IAM does. */
export function checkTagList(tags: Tag[]): Tag[] {
  const seen = new Set<string>();
  for (const t of tags) {
    const k = t.Key.toLowerCase();
    if (seen.has(k)) throw invalidInput("Duplicate tag keys found. Please note that Tag keys are case insensitive.");
    seen.add(k);
  }
  return tags.map((t) => ({ Key: t.Key, Value: t.Value ?? "" }));
}

/** Adds or overwrites tags (a key matching case-insensitively is replaced) within the quota. */
export function mergeTags(existing: Tag[], added: Tag[]): Tag[] {
  const addedKeys = new Set(added.map((t) => t.Key.toLowerCase()));
  const merged = [...existing.filter((t) => !addedKeys.has(t.Key.toLowerCase())), ...added];
  if (merged.length > QUOTAS.tagsPerRole) throw limitExceeded(`Cannot exceed quota for TagsPerRole: ${QUOTAS.tagsPerRole}`);
  return merged;
}

export const TagRole: OperationHandler = (input, ctx) => {
  const store = ctx.local.store;
  authorizeOnRole(ctx, "iam:TagRole", input.RoleName);
  const added = checkTagList(input.Tags ?? []);
  store.tx(() => {
    const role = requireRole(store, input.RoleName);
    store.put<IamRoleRecord>(ROLE, role.RoleName, { ...role, Tags: mergeTags(role.Tags, added) });
    bumpIamGeneration(store);
  });
};

export const UntagRole: OperationHandler = (input, ctx) => {
  const store = ctx.local.store;
  authorizeOnRole(ctx, "iam:UntagRole", input.RoleName);
  const removed = new Set((input.TagKeys as string[]).map((k) => k.toLowerCase()));
  store.tx(() => {
    const role = requireRole(store, input.RoleName);
    const Tags = role.Tags.filter((t) => !removed.has(t.Key.toLowerCase()));
    store.put<IamRoleRecord>(ROLE, role.RoleName, { ...role, Tags });
    bumpIamGeneration(store);
  });
};

export const ListRoleTags: OperationHandler = (input, ctx) => {
  authorizeOnRole(ctx, "iam:ListRoleTags", input.RoleName);
  const role = requireRole(ctx.local.store, input.RoleName);
  const sorted = [...role.Tags].sort((a, b) => compareKeys(a.Key, b.Key));
  return listPage("Tags", sorted, (t) => t.Key, input);
};
