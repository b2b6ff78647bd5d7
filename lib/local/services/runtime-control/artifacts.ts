/**
 * The checks AgentCore runs while a runtime version is CREATING/UPDATING: the execution role exists
 * and trusts the AgentCore service for this runtime, and the artifact is where the version says.
 * Each problem is phrased as what the user should fix; the first one found becomes `failureReason`.
 */
import type { LocalServices, PolicyDocument } from "../../service.js";
import type { EcrRepositoryRecord, IamRoleRecord, S3BucketRecord, S3ObjectRecord } from "../../state/records.js";
import { parseContainerUri, parseRoleArn } from "./ids.js";
import type { RuntimeArtifact, RuntimeVersionRecord } from "./records.js";

export const AGENTCORE_SERVICE_PRINCIPAL = "bedrock-agentcore.amazonaws.com";

/** The runtimes Local AgentCore's runtime host can run from a code bundle. */
const LOCAL_CODE_RUNTIMES = new Set(["NODE_22"]);

/** Why this version cannot become READY, or undefined when it can. */
export function versionProblem(local: LocalServices, version: RuntimeVersionRecord, region: string): string | undefined {
  return roleProblem(local, version.roleArn, version.agentRuntimeArn) ?? artifactProblem(local, version.artifact, region);
}

export function roleProblem(local: LocalServices, roleArn: string, agentRuntimeArn: string): string | undefined {
  const parsed = parseRoleArn(roleArn);
  if (!parsed || parsed.accountId !== local.accountId) {
    return `The execution role ${roleArn} is not a role of account ${local.accountId}. Create the role with IAM CreateRole in this account and pass its ARN as roleArn.`;
  }
  const role = local.store.get<IamRoleRecord>("iam-role", parsed.roleName);
  if (!role || role.Arn !== roleArn) {
    return `The execution role ${roleArn} does not exist. Create it with IAM CreateRole (trusting ${AGENTCORE_SERVICE_PRINCIPAL}) and retry.`;
  }
  let trust: PolicyDocument;
  try {
    trust = JSON.parse(role.AssumeRolePolicyDocument) as PolicyDocument;
  } catch {
    return `The trust policy of role ${role.RoleName} is not valid JSON. Fix it with IAM UpdateAssumeRolePolicy.`;
  }
  const allowed = local.authorizer.canAssume(
    trust,
    role.Arn,
    { Service: AGENTCORE_SERVICE_PRINCIPAL },
    { "aws:SourceAccount": local.accountId, "aws:SourceArn": agentRuntimeArn },
  );
  if (!allowed) {
    return (
      `The trust policy of role ${role.RoleName} does not let ${AGENTCORE_SERVICE_PRINCIPAL} assume it for ${agentRuntimeArn}. ` +
      `Allow sts:AssumeRole for the service principal ${AGENTCORE_SERVICE_PRINCIPAL} ` +
      `(conditions, if any: aws:SourceAccount = ${local.accountId}, aws:SourceArn matching the runtime ARN) with IAM UpdateAssumeRolePolicy.`
    );
  }
  return undefined;
}

export function artifactProblem(local: LocalServices, artifact: RuntimeArtifact, region: string): string | undefined {
  if (artifact.codeConfiguration) {
    const { code, runtime } = artifact.codeConfiguration;
    if (!LOCAL_CODE_RUNTIMES.has(runtime)) {
      return `Local AgentCore runs code bundles with runtime NODE_22 only, not ${runtime}. Use NODE_22, a container image, or real AWS (AGENTCORE_TARGET=aws).`;
    }
    const s3 = code.s3;
    if (!s3) return "codeConfiguration.code has no s3 location. Upload the code bundle to S3 and set code.s3.bucket and code.s3.prefix.";
    if (!local.store.get<S3ObjectRecord>("s3-object", `${s3.bucket}/${s3.prefix}`)) {
      const bucket = local.store.get<S3BucketRecord>("s3-bucket", s3.bucket);
      return bucket
        ? `The code bundle s3://${s3.bucket}/${s3.prefix} does not exist. Upload it with S3 PutObject (code.s3.prefix is the object key) and retry.`
        : `The S3 bucket ${s3.bucket} of the code bundle s3://${s3.bucket}/${s3.prefix} does not exist. Create the bucket, upload the bundle, and retry.`;
    }
    return undefined;
  }
  if (artifact.containerConfiguration) {
    const uri = artifact.containerConfiguration.containerUri;
    const parsed = parseContainerUri(uri);
    if (!parsed || (!parsed.tag && !parsed.digest)) {
      return `The container URI ${uri} is not a Local ECR image URI. Use ${local.accountId}.dkr.ecr.${region}.amazonaws.com/<repository>:<tag>.`;
    }
    if (parsed.accountId !== local.accountId || parsed.region !== region) {
      return `The container URI ${uri} points at another account or region. Use ${local.accountId}.dkr.ecr.${region}.amazonaws.com/<repository>:<tag>.`;
    }
    const repo = local.store.get<EcrRepositoryRecord>("ecr-repository", parsed.repositoryName);
    if (!repo || repo.repositoryUri !== parsed.repositoryUri) {
      return `The ECR repository ${parsed.repositoryName} does not exist in ${region}. Create it with ECR CreateRepository, push the image, and retry.`;
    }
    return undefined;
  }
  return "The agentRuntimeArtifact has neither containerConfiguration nor codeConfiguration.";
}
