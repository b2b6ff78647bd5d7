/** How ECR names things: registry host, repository URI and ARN, as AWS formats them. */

export const registryHost = (accountId: string, region: string): string => `${accountId}.dkr.ecr.${region}.amazonaws.com`;

export const repositoryUri = (accountId: string, region: string, name: string): string =>
  `${registryHost(accountId, region)}/${name}`;

export const repositoryArn = (accountId: string, region: string, name: string): string =>
  `arn:aws:ecr:${region}:${accountId}:repository/${name}`;

/** ECR's ImageIdentifier as AWS renders it inside error messages. */
export const describeImageId = (id: { imageDigest?: string; imageTag?: string }): string =>
  `{imageDigest:'${id.imageDigest ?? "null"}', imageTag:'${id.imageTag ?? "null"}'}`;
