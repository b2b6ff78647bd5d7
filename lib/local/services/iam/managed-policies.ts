/**
 * Customer managed policies (CreatePolicy, GetPolicy, DeletePolicy) and their attachment to roles
 * (AttachRolePolicy, DetachRolePolicy, ListAttachedRolePolicies). One version (`v1`) per policy.
 */
import type { IamAttachmentRecord, IamManagedPolicyRecord } from "../../state/records.js";
import type { OperationHandler, Shape } from "../../service.js";
import type { Store } from "../../state/store.js";
import { authorizeOnRole } from "./access.js";
import { QUOTAS, checkDocument } from "./documents.js";
import {
  deleteConflict,
  entityAlreadyExists,
  invalidInput,
  limitExceeded,
  noSuchPolicy,
  notAttachable,
} from "./errors.js";
import { bumpIamGeneration } from "./generation.js";
import { type ParsedIamArn, newPolicyId, parseIamArn, policyArn } from "./ids.js";
import { compareKeys } from "../pagination.js";
import { ATTACHMENT, MANAGED_POLICY, attachmentId, listPage, requireRole } from "./lookup.js";
import { checkTagList, mergeTags } from "./tags.js";

const POLICIES_PER_ACCOUNT = 1500;

function parsePolicyArn(arn: string): ParsedIamArn {
  const parsed = parseIamArn(arn, "policy");
  if (!parsed) throw invalidInput(`ARN ${arn} is not valid.`);
  return parsed;
}

const attachmentsOf = (store: Store, arn: string): IamAttachmentRecord[] =>
  store.list<IamAttachmentRecord>(ATTACHMENT).filter((a) => a.PolicyArn === arn);

function policyShape(policy: IamManagedPolicyRecord, attachmentCount: number): Shape {
  return {
    PolicyName: policy.PolicyName,
    PolicyId: policy.PolicyId,
    Arn: policy.Arn,
    Path: policy.Path,
    DefaultVersionId: policy.DefaultVersionId,
    AttachmentCount: attachmentCount,
    PermissionsBoundaryUsageCount: 0,
    IsAttachable: true,
    ...(policy.Description !== undefined ? { Description: policy.Description } : {}),
    CreateDate: new Date(policy.CreateDate),
    UpdateDate: new Date(policy.UpdateDate),
    ...(policy.Tags.length > 0 ? { Tags: policy.Tags } : {}),
  };
}

export const CreatePolicy: OperationHandler = (input, ctx) => {
  const store = ctx.local.store;
  const name: string = input.PolicyName;
  const path: string = input.Path ?? "/";
  if (!/^(?:\/[A-Za-z0-9.,+@=_-]+)*\/$/.test(path)) throw invalidInput(`The specified value for path is invalid.`);
  const arn = policyArn(ctx.accountId, path, name);
  ctx.authorize("iam:CreatePolicy", arn);
  if (input.Tags?.length) ctx.authorize("iam:TagPolicy", arn);
  const document: string = input.PolicyDocument;
  checkDocument(document, "identity", { limit: "managed" });
  const tags = mergeTags([], checkTagList(input.Tags ?? []));

  return store.tx(() => {
    const policies = store.list<IamManagedPolicyRecord>(MANAGED_POLICY);
    // Policy names are unique in the account whatever their path, and not distinguished by case.
    if (policies.some((p) => p.PolicyName.toLowerCase() === name.toLowerCase())) {
      throw entityAlreadyExists(`A policy called ${name} already exists. Duplicate names are not allowed.`);
    }
    if (policies.length >= POLICIES_PER_ACCOUNT) {
      throw limitExceeded(`Cannot exceed quota for PoliciesPerAccount: ${POLICIES_PER_ACCOUNT}`);
    }
    const now = ctx.local.now().toISOString();
    const policy: IamManagedPolicyRecord = {
      PolicyName: name,
      PolicyId: newPolicyId(),
      Arn: arn,
      Path: path,
      DefaultVersionId: "v1",
      Document: document,
      ...(input.Description !== undefined ? { Description: input.Description as string } : {}),
      CreateDate: now,
      UpdateDate: now,
      Tags: tags,
    };
    store.insert(MANAGED_POLICY, arn, policy);
    bumpIamGeneration(store);
    return { Policy: policyShape(policy, 0) };
  });
};

export const GetPolicy: OperationHandler = (input, ctx) => {
  const store = ctx.local.store;
  const arn: string = input.PolicyArn;
  parsePolicyArn(arn);
  ctx.authorize("iam:GetPolicy", arn);
  const policy = store.get<IamManagedPolicyRecord>(MANAGED_POLICY, arn);
  if (!policy) throw noSuchPolicy(arn);
  return { Policy: policyShape(policy, attachmentsOf(store, arn).length) };
};

export const DeletePolicy: OperationHandler = (input, ctx) => {
  const store = ctx.local.store;
  const arn: string = input.PolicyArn;
  parsePolicyArn(arn);
  ctx.authorize("iam:DeletePolicy", arn);
  store.tx(() => {
    if (!store.get(MANAGED_POLICY, arn)) throw noSuchPolicy(arn);
    if (attachmentsOf(store, arn).length > 0) throw deleteConflict("Cannot delete a policy attached to entities.");
    store.delete(MANAGED_POLICY, arn);
    bumpIamGeneration(store);
  });
};

export const AttachRolePolicy: OperationHandler = (input, ctx) => {
  const store = ctx.local.store;
  const arn: string = input.PolicyArn;
  parsePolicyArn(arn);
  authorizeOnRole(ctx, "iam:AttachRolePolicy", input.RoleName, { "iam:PolicyARN": arn });
  store.tx(() => {
    const role = requireRole(store, input.RoleName);
    const policy = store.get<IamManagedPolicyRecord>(MANAGED_POLICY, arn);
    if (!policy) throw notAttachable(arn); // AWS managed policies are not served locally
    const id = attachmentId(role.RoleName, arn);
    if (store.get(ATTACHMENT, id)) return; // attaching twice changes nothing, as in IAM
    if (store.list(ATTACHMENT, `${role.RoleName}|`).length >= QUOTAS.attachedPoliciesPerRole) {
      throw limitExceeded(`Cannot exceed quota for PoliciesPerRole: ${QUOTAS.attachedPoliciesPerRole}`);
    }
    store.insert<IamAttachmentRecord>(ATTACHMENT, id, { RoleName: role.RoleName, PolicyArn: arn, PolicyName: policy.PolicyName });
    bumpIamGeneration(store);
  });
};

export const DetachRolePolicy: OperationHandler = (input, ctx) => {
  const store = ctx.local.store;
  const arn: string = input.PolicyArn;
  parsePolicyArn(arn);
  authorizeOnRole(ctx, "iam:DetachRolePolicy", input.RoleName, { "iam:PolicyARN": arn });
  store.tx(() => {
    const role = requireRole(store, input.RoleName);
    if (!store.delete(ATTACHMENT, attachmentId(role.RoleName, arn))) throw noSuchPolicy(arn);
    bumpIamGeneration(store);
  });
};

export const ListAttachedRolePolicies: OperationHandler = (input, ctx) => {
  const store = ctx.local.store;
  authorizeOnRole(ctx, "iam:ListAttachedRolePolicies", input.RoleName);
  const role = requireRole(store, input.RoleName);
  const prefix: string = input.PathPrefix ?? "/";
  const attached = store
    .list<IamAttachmentRecord>(ATTACHMENT, `${role.RoleName}|`)
    .filter((a) => (parseIamArn(a.PolicyArn, "policy")?.path ?? "/").startsWith(prefix))
    .sort((a, b) => compareKeys(a.PolicyArn, b.PolicyArn));
  return listPage("AttachedPolicies", attached, (a) => a.PolicyArn, input, (a) => ({ PolicyName: a.PolicyName, PolicyArn: a.PolicyArn }));
};
