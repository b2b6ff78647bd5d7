/**
 * Policy documents as IAM handles them: checked by the shared parser, sized as IAM sizes them
 * (white space does not count), stored as the JSON text received and answered as that text: the
 * awsQuery protocol URL-encodes every `policyDocumentType` string in its XML, as real IAM does.
 */
import { parsePolicyDocument } from "../../iam-policy/parse.js";
import type { PolicyDocument } from "../../service.js";
import { limitExceeded } from "./errors.js";

/** IAM's default quotas, in characters without white space. */
export const QUOTAS = {
  trustPolicy: 2048,
  inlinePoliciesPerRole: 10240,
  managedPolicy: 6144,
  attachedPoliciesPerRole: 10,
  tagsPerRole: 50,
} as const;

/** Throws `MalformedPolicyDocument` (from the parser) when the text is not a valid policy of that kind. */
export function checkDocument(text: string, kind: "identity" | "trust"): PolicyDocument {
  return parsePolicyDocument(text, kind);
}

export const policySize = (text: string): number => text.replace(/\s/g, "").length;

export function checkTrustPolicySize(text: string): void {
  if (policySize(text) > QUOTAS.trustPolicy) {
    throw limitExceeded(`Cannot exceed quota for ACLSizePerRole: ${QUOTAS.trustPolicy}`);
  }
}

export function checkManagedPolicySize(text: string): void {
  if (policySize(text) > QUOTAS.managedPolicy) {
    throw limitExceeded(`Cannot exceed quota for PolicySize: ${QUOTAS.managedPolicy}`);
  }
}
