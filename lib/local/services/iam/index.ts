/** IAM for Local AgentCore: roles, inline and customer managed policies, attachments, role tags. */
import type { ServiceImpl } from "../../service.js";
import {
  AttachRolePolicy,
  CreatePolicy,
  DeletePolicy,
  DetachRolePolicy,
  GetPolicy,
  ListAttachedRolePolicies,
} from "./managed-policies.js";
import { DeleteRolePolicy, GetRolePolicy, ListRolePolicies, PutRolePolicy } from "./role-policies.js";
import { CreateRole, DeleteRole, GetRole, ListRoles, UpdateAssumeRolePolicy } from "./roles.js";
import { ListRoleTags, TagRole, UntagRole } from "./tags.js";

export const iam: ServiceImpl = {
  model: "iam",
  operations: {
    CreateRole,
    GetRole,
    DeleteRole,
    ListRoles,
    UpdateAssumeRolePolicy,
    PutRolePolicy,
    GetRolePolicy,
    ListRolePolicies,
    DeleteRolePolicy,
    CreatePolicy,
    GetPolicy,
    DeletePolicy,
    AttachRolePolicy,
    DetachRolePolicy,
    ListAttachedRolePolicies,
    TagRole,
    UntagRole,
    ListRoleTags,
  },
};
