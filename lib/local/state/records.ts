/**
 * How the services keep their resources in the store (`Store` kinds and document shapes).
 * Shared here because services read each other's records: the authorizer reads IAM roles and
 * policies, the runtime control plane checks S3 objects and ECR repositories and creates the
 * runtime's workload identity.
 *
 * Timestamps are ISO-8601 strings in the store; handlers convert to `Date` for the wire.
 */

/** kind "iam-role", id = RoleName */
export interface IamRoleRecord {
  RoleName: string;
  RoleId: string; // "AROA" + 17 upper-case alphanumerics
  Arn: string; // arn:aws:iam::<account>:role<Path><RoleName>
  Path: string; // "/" by default
  CreateDate: string;
  /** The trust policy as the JSON text the caller sent (decoded, not URL-encoded). */
  AssumeRolePolicyDocument: string;
  Description?: string;
  MaxSessionDuration: number; // seconds, default 3600
  Tags: { Key: string; Value: string }[];
}

/** kind "iam-role-policy", id = `${RoleName}/${PolicyName}` (inline policies) */
export interface IamRolePolicyRecord {
  RoleName: string;
  PolicyName: string;
  PolicyDocument: string; // JSON text
}

/** kind "iam-policy", id = Arn (customer managed policies) */
export interface IamManagedPolicyRecord {
  PolicyName: string;
  PolicyId: string; // "ANPA" + 17
  Arn: string; // arn:aws:iam::<account>:policy<Path><PolicyName>
  Path: string;
  DefaultVersionId: string; // "v1"
  Document: string; // JSON text of the default version
  Description?: string;
  CreateDate: string;
  UpdateDate: string;
  Tags: { Key: string; Value: string }[];
}

/** kind "iam-attachment", id = `${RoleName}|${PolicyArn}` */
export interface IamAttachmentRecord {
  RoleName: string;
  PolicyArn: string;
  PolicyName: string;
}

/** kind "identity-workload-identity", id = workloadIdentityArn (regional: the ARN carries the region) */
export interface WorkloadIdentityRecord {
  name: string;
  workloadIdentityArn: string; // arn:aws:bedrock-agentcore:<region>:<account>:workload-identity-directory/default/workload-identity/<name>
  allowedResourceOauth2ReturnUrls: string[];
  createdTime: string;
  lastUpdatedTime: string;
  /** Set when a runtime created it; the runtime deletes it with itself. */
  managedByRuntimeArn?: string;
}

/** kind "s3-bucket", id = bucket name */
export interface S3BucketRecord {
  Name: string;
  Region: string;
  CreationDate: string;
}

/** kind "s3-object", id = `${Bucket}/${Key}`; the bytes live in a file under the state folder */
export interface S3ObjectRecord {
  Bucket: string;
  Key: string;
  Size: number;
  ETag: string; // quoted hex MD5
  ContentType: string;
  LastModified: string;
  Metadata: Record<string, string>;
  /** Path of the object's bytes, relative to the state folder. */
  file: string;
}

/** kind "ecr-repository", id = repositoryName */
export interface EcrRepositoryRecord {
  repositoryName: string;
  repositoryArn: string; // arn:aws:ecr:<region>:<account>:repository/<name>
  registryId: string;
  repositoryUri: string; // <account>.dkr.ecr.<region>.amazonaws.com/<name>
  createdAt: string;
  imageTagMutability: string;
  imageScanningConfiguration: { scanOnPush: boolean };
  encryptionConfiguration: { encryptionType: string };
}

/** kind "ecr-image", id = `${repositoryName}@${imageDigest}` */
export interface EcrImageRecord {
  repositoryName: string;
  imageDigest: string; // sha256:<64 hex>
  imageTags: string[];
  imageManifest?: string;
  imageManifestMediaType?: string;
  imagePushedAt: string;
  imageSizeInBytes?: number;
}
