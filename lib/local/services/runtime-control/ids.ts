/**
 * Identifiers and ARNs of agent runtimes, in the formats AWS uses.
 */
import { randomInt } from "node:crypto";
import { AwsError } from "../../errors.js";

const ALPHANUMERICS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

/** `n` random alphanumerics (the `-AbCdEf1234` part of runtime and endpoint ids). */
export function randomSuffix(n = 10): string {
  let s = "";
  for (let i = 0; i < n; i++) s += ALPHANUMERICS[randomInt(ALPHANUMERICS.length)];
  return s;
}

/** `<name>-<10 alphanumerics>` */
export const newRuntimeId = (name: string) => `${name}-${randomSuffix()}`;
export const newEndpointId = (name: string) => `${name}-${randomSuffix()}`;

export const runtimeArn = (region: string, accountId: string, runtimeId: string) =>
  `arn:aws:bedrock-agentcore:${region}:${accountId}:runtime/${runtimeId}`;

export const endpointArn = (runtimeArnValue: string, endpointName: string) =>
  `${runtimeArnValue}/runtime-endpoint/${endpointName}`;

export const workloadIdentityArn = (region: string, accountId: string, name: string) =>
  `arn:aws:bedrock-agentcore:${region}:${accountId}:workload-identity-directory/default/workload-identity/${name}`;

/**
 * The model's name pattern, anchored: model patterns are unanchored regexes, and a name like
 * `my-agent` must be refused whole, not matched in part.
 */
const NAME = /^[a-zA-Z][a-zA-Z0-9_]{0,47}$/;

export function assertName(field: string, value: string): void {
  if (!NAME.test(value)) {
    throw new AwsError(
      "ValidationException",
      `1 validation error detected: Value '${value}' at '${field}' failed to satisfy constraint: ` +
        `Member must satisfy regular expression pattern: [a-zA-Z][a-zA-Z0-9_]{0,47} ` +
        `(a letter, then up to 47 letters, digits or underscores; no hyphens)`,
      400,
      { reason: "FieldValidationFailed", fieldList: [{ name: field, message: "Member must satisfy regular expression pattern: [a-zA-Z][a-zA-Z0-9_]{0,47}" }] },
    );
  }
}

/** `arn:aws:iam::<account>:role/<path/><name>` → its parts, or undefined when it is not a role ARN. */
export function parseRoleArn(arn: string): { accountId: string; roleName: string } | undefined {
  const m = /^arn:aws:iam::(\d{12}):role\/(?:.*\/)?([^/]+)$/.exec(arn);
  return m ? { accountId: m[1]!, roleName: m[2]! } : undefined;
}

export interface ContainerUri {
  accountId: string;
  region: string;
  repositoryName: string;
  /** `<account>.dkr.ecr.<region>.amazonaws.com/<repo>` */
  repositoryUri: string;
  tag?: string;
  digest?: string;
}

/** A private ECR image URI `<account>.dkr.ecr.<region>.amazonaws.com/<repo>[:<tag>][@<digest>]`. */
export function parseContainerUri(uri: string): ContainerUri | undefined {
  const m = /^((\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com)\/((?:[a-z0-9]+(?:[._-][a-z0-9]+)*\/)*[a-z0-9]+(?:[._-][a-z0-9]+)*)(?::([^:@]{1,300}))?(?:@(.+))?$/.exec(
    uri,
  );
  if (!m) return undefined;
  return {
    accountId: m[2]!,
    region: m[3]!,
    repositoryName: m[4]!,
    repositoryUri: `${m[1]}/${m[4]}`,
    tag: m[5],
    digest: m[6],
  };
}
