/**
 * AWS's side of a container deploy's ECR repository and execution role, and of their deletion, for
 * the fake: just enough state (kept in `world`) to answer each call as AWS would. CreateRole's tags
 * are answered back by GetRole, as IAM does; the ECR login's password is `ecrPassword`.
 */
import { ACCOUNT, awsJson, awsJsonError, query, queryError, type FakeAws, type RecordedCall } from "./fake-aws.js";

export interface RepositoryAndRoleWorld {
  repository: boolean;
  role: boolean;
  /** The tags CreateRole was given. */
  roleTags: { Key: string; Value: string }[];
}

export function answerRepositoryAndRole(
  fake: FakeAws,
  world: RepositoryAndRoleWorld,
  p: { region: string; repositoryName: string; roleName: string; roleArn: string; ecrPassword: string },
): void {
  const registry = `${ACCOUNT}.dkr.ecr.${p.region}.amazonaws.com`;
  const repository = { repositoryArn: `arn:aws:ecr:${p.region}:${ACCOUNT}:repository/${p.repositoryName}`, registryId: ACCOUNT, repositoryName: p.repositoryName, repositoryUri: `${registry}/${p.repositoryName}`, createdAt: 1767225600 };
  const tags = () => (world.roleTags.length ? `<Tags>${world.roleTags.map((t) => `<member><Key>${t.Key}</Key><Value>${t.Value}</Value></member>`).join("")}</Tags>` : "");
  const role = () =>
    `<Role><Path>/</Path><RoleName>${p.roleName}</RoleName><RoleId>AROAEXAMPLEROLEID0001</RoleId><Arn>${p.roleArn}</Arn><CreateDate>2026-01-01T00:00:00Z</CreateDate>${tags()}</Role>`;
  fake
    .on("DescribeRepositories", () =>
      world.repository ? awsJson({ repositories: [repository] }) : awsJsonError("RepositoryNotFoundException", `The repository with name '${p.repositoryName}' does not exist in the registry with id '${ACCOUNT}'`),
    )
    .on("CreateRepository", () => ((world.repository = true), awsJson({ repository })))
    .on("GetRole", () => (world.role ? query("GetRole", role()) : queryError(404, "NoSuchEntity", `The role with name ${p.roleName} cannot be found.`)))
    .on("CreateRole", (c: RecordedCall) => {
      world.role = true;
      const f = new URLSearchParams(c.body);
      for (let i = 1; f.has(`Tags.member.${i}.Key`); i++) world.roleTags.push({ Key: f.get(`Tags.member.${i}.Key`)!, Value: f.get(`Tags.member.${i}.Value`)! });
      return query("CreateRole", role());
    })
    .on("PutRolePolicy", () => query("PutRolePolicy"))
    .on("GetAuthorizationToken", () =>
      awsJson({ authorizationData: [{ authorizationToken: Buffer.from(`AWS:${p.ecrPassword}`).toString("base64"), expiresAt: 1767268800, proxyEndpoint: `https://${registry}` }] }),
    )
    .on("BatchDeleteImage", (c: RecordedCall) => {
      const { imageIds } = JSON.parse(c.body) as { imageIds: { imageTag: string }[] };
      return awsJson({ imageIds: imageIds.map((i) => ({ ...i, imageDigest: "sha256:" + "a".repeat(64) })), failures: [] });
    })
    .on("DeleteRepository", () => ((world.repository = false), awsJson({ repository })))
    .on("DeleteRolePolicy", () => query("DeleteRolePolicy"))
    .on("ListRolePolicies", () => query("ListRolePolicies", "<PolicyNames/><IsTruncated>false</IsTruncated>"))
    .on("ListAttachedRolePolicies", () => query("ListAttachedRolePolicies", "<AttachedPolicies/><IsTruncated>false</IsTruncated>"))
    .on("DeleteRole", () => ((world.role = false), query("DeleteRole")));
}
