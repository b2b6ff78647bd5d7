/**
 * IAM unique ids and ARNs in AWS's formats.
 *
 * Unique ids are a four-letter prefix naming the entity type (`AROA` role, `ANPA` managed policy)
 * followed by 17 upper-case alphanumerics, as AWS documents them.
 */
import { randomInt } from "node:crypto";

const ID_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

function uniqueId(prefix: string): string {
  let id = prefix;
  for (let i = 0; i < 17; i++) id += ID_ALPHABET[randomInt(ID_ALPHABET.length)];
  return id;
}

export const newRoleId = (): string => uniqueId("AROA");
export const newPolicyId = (): string => uniqueId("ANPA");

export const roleArn = (accountId: string, path: string, roleName: string): string =>
  `arn:aws:iam::${accountId}:role${path}${roleName}`;

export const policyArn = (accountId: string, path: string, policyName: string): string =>
  `arn:aws:iam::${accountId}:policy${path}${policyName}`;

export interface ParsedIamArn {
  /** 12-digit account, or `aws` for AWS managed policies. */
  account: string;
  path: string;
  name: string;
}

/** Splits `arn:aws:iam::<account>:<type><path><name>`; undefined when it is not such an ARN. */
export function parseIamArn(arn: string, type: "role" | "policy"): ParsedIamArn | undefined {
  const m = /^arn:aws:iam::(\d{12}|aws):([a-z-]+)(\/(?:[\x21-\x7e]*\/)?)([\w+=,.@-]+)$/.exec(arn);
  if (!m || m[2] !== type) return undefined;
  return { account: m[1]!, path: m[3]!, name: m[4]! };
}
