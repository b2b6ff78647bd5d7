/**
 * Policy documents as IAM handles them: checked by the shared parser (syntax and the per-document
 * size quotas), stored as the JSON text received and answered as that text: the awsQuery protocol
 * URL-encodes every `policyDocumentType` string in its XML, as real IAM does.
 */
import { POLICY_SIZE_LIMITS, type ParseOptions, nonWhitespaceLength, parsePolicyDocument } from "../../iam-policy/parse.js";
import type { PolicyDocument } from "../../service.js";

/** IAM's default quotas (policy sizes in characters without white space). */
export const QUOTAS = {
  inlinePoliciesPerRole: POLICY_SIZE_LIMITS.inline,
  attachedPoliciesPerRole: 10,
  tagsPerRole: 50,
} as const;

/**
 * Throws `MalformedPolicyDocument` when the text is not a valid policy of that kind, and
 * `LimitExceeded` when the document alone is over its quota.
 */
export function checkDocument(text: string, kind: "identity" | "trust", options?: ParseOptions): PolicyDocument {
  return parsePolicyDocument(text, kind, options);
}

/** A document's size as IAM counts it for quotas. */
export const policySize = (text: string): number => nonWhitespaceLength(text);
