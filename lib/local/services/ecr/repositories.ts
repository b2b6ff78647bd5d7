/** ECR repository operations: create, describe, delete, and their tags. */
import { AwsError } from "../../errors.js";
import type { OperationHandler, RequestContext, Shape } from "../../service.js";
import { invalidNextToken, invalidParameter, repositoryAlreadyExists, repositoryNotEmpty } from "./errors.js";
import { repositoryArn, repositoryUri } from "./naming.js";
import { paginate } from "../pagination.js";
import {
  IMAGE_KIND,
  REPOSITORY_KIND,
  imagesOf,
  imageId,
  registryOf,
  repositoryShape,
  requireRepository,
  type StoredRepository,
  type Tag,
} from "./repository-store.js";

const MAX_TAGS = 50;

export const createRepository: OperationHandler = (input, ctx) => {
  const name = input.repositoryName as string;
  const registryId = registryOf(input, ctx);
  const arn = repositoryArn(ctx.accountId, ctx.region, name);
  ctx.authorize("ecr:CreateRepository", arn);
  if (registryId !== ctx.accountId) {
    throw invalidParameter(`Invalid parameter at 'registryId' failed to satisfy constraint: 'must be the caller's registry id ${ctx.accountId}'`);
  }
  const tags = checkTags((input.tags as Tag[] | undefined) ?? []);
  const mutability = (input.imageTagMutability as string | undefined) ?? "MUTABLE";
  const filters = input.imageTagMutabilityExclusionFilters as StoredRepository["imageTagMutabilityExclusionFilters"];
  if (filters?.length && !mutability.endsWith("_WITH_EXCLUSION")) {
    throw invalidParameter("Invalid parameter at 'imageTagMutabilityExclusionFilters' failed to satisfy constraint: 'only allowed with imageTagMutability MUTABLE_WITH_EXCLUSION or IMMUTABLE_WITH_EXCLUSION'");
  }
  const encryption = (input.encryptionConfiguration as { encryptionType: string; kmsKey?: string } | undefined) ?? {
    encryptionType: "AES256",
  };
  if (encryption.encryptionType === "AES256" && encryption.kmsKey !== undefined) {
    throw invalidParameter("Invalid parameter at 'encryptionConfiguration.kmsKey' failed to satisfy constraint: 'kmsKey can only be specified with KMS encryption'");
  }
  const repo: StoredRepository = {
    repositoryName: name,
    repositoryArn: arn,
    registryId,
    repositoryUri: repositoryUri(ctx.accountId, ctx.region, name),
    createdAt: ctx.local.now().toISOString(),
    imageTagMutability: mutability,
    ...(filters?.length ? { imageTagMutabilityExclusionFilters: filters } : {}),
    imageScanningConfiguration: { scanOnPush: Boolean((input.imageScanningConfiguration as Shape | undefined)?.scanOnPush) },
    encryptionConfiguration: { encryptionType: encryption.encryptionType, ...(encryption.kmsKey ? { kmsKey: encryption.kmsKey } : {}) },
    tags,
  };
  const created = ctx.local.store.tx(() => ctx.local.store.insert(REPOSITORY_KIND, name, repo));
  if (!created) throw repositoryAlreadyExists(name, registryId);
  ctx.local.log(`ecr: created repository ${name}`);
  return { repository: repositoryShape(repo) };
};

export const describeRepositories: OperationHandler = (input, ctx) => {
  const registryId = registryOf(input, ctx);
  const names = input.repositoryNames as string[] | undefined;
  const store = ctx.local.store;
  if (names && names.length > 0) {
    if (input.nextToken !== undefined || input.maxResults !== undefined) {
      throw invalidParameter("Invalid parameter: maxResults and nextToken cannot be used together with repositoryNames");
    }
    ctx.authorize("ecr:DescribeRepositories", names.map((n) => repositoryArn(ctx.accountId, ctx.region, n)));
    const repos = names.map((n) => requireRepository(store, n, registryId));
    return { repositories: repos.map(repositoryShape) };
  }
  ctx.authorize("ecr:DescribeRepositories", "*");
  const all = registryId === ctx.accountId ? store.list<StoredRepository>(REPOSITORY_KIND) : [];
  const { items: page, nextToken } = paginate(all, (r) => r.repositoryName, { token: input.nextToken, pageSize: input.maxResults ?? 1000, invalidToken: invalidNextToken });
  return { repositories: page.map(repositoryShape), ...(nextToken ? { nextToken } : {}) };
};

export const deleteRepository: OperationHandler = (input, ctx) => {
  const name = input.repositoryName as string;
  const registryId = registryOf(input, ctx);
  const store = ctx.local.store;
  ctx.authorize("ecr:DeleteRepository", repositoryArnFor(ctx, name));
  const repo = store.tx(() => {
    const found = requireRepository(store, name, registryId);
    const images = imagesOf(store, name);
    if (images.length > 0 && input.force !== true) throw repositoryNotEmpty(name, registryId);
    for (const image of images) store.delete(IMAGE_KIND, imageId(name, image.imageDigest));
    store.delete(REPOSITORY_KIND, name);
    return found;
  });
  ctx.local.log(`ecr: deleted repository ${name}`);
  return { repository: repositoryShape(repo) };
};

export const listTagsForResource: OperationHandler = (input, ctx) => {
  const repo = repositoryFromArn(input.resourceArn as string, ctx);
  ctx.authorize("ecr:ListTagsForResource", repo.repositoryArn);
  return { tags: repo.tags };
};

export const tagResource: OperationHandler = (input, ctx) => {
  const arn = input.resourceArn as string;
  ctx.authorize("ecr:TagResource", arn);
  const incoming = checkTags(input.tags as Tag[]);
  ctx.local.store.tx(() => {
    const repo = repositoryFromArn(arn, ctx);
    const merged = new Map(repo.tags.map((t) => [t.Key, t.Value]));
    for (const t of incoming) merged.set(t.Key, t.Value);
    repo.tags = checkTags([...merged].map(([Key, Value]) => ({ Key, Value })));
    ctx.local.store.put(REPOSITORY_KIND, repo.repositoryName, repo);
  });
  return {};
};

export const untagResource: OperationHandler = (input, ctx) => {
  const arn = input.resourceArn as string;
  ctx.authorize("ecr:UntagResource", arn);
  const remove = new Set(input.tagKeys as string[]);
  ctx.local.store.tx(() => {
    const repo = repositoryFromArn(arn, ctx);
    repo.tags = repo.tags.filter((t) => !remove.has(t.Key));
    ctx.local.store.put(REPOSITORY_KIND, repo.repositoryName, repo);
  });
  return {};
};

/** The ARN a repository has or would have: the stored one when it exists (it keeps its creation region). */
export function repositoryArnFor(ctx: RequestContext, name: string): string {
  return ctx.local.store.get<StoredRepository>(REPOSITORY_KIND, name)?.repositoryArn ?? repositoryArn(ctx.accountId, ctx.region, name);
}

function repositoryFromArn(arn: string, ctx: RequestContext): StoredRepository {
  const m = /^arn:aws:ecr:[^:]+:(\d{12}):repository\/(.+)$/.exec(arn);
  if (!m) throw invalidParameter(`Invalid parameter at 'resourceArn' failed to satisfy constraint: 'Invalid ARN ${arn}'`);
  return requireRepository(ctx.local.store, m[2]!, m[1]!);
}

/** ECR's tag rules: at most 50, keys 1–128 characters not starting with `aws:`, values up to 256. */
function checkTags(tags: Tag[]): Tag[] {
  if (tags.length > MAX_TAGS) {
    throw new AwsError("TooManyTagsException", `The list of tags on the repository is over the limit. The maximum number of tags that can be applied to a repository is ${MAX_TAGS}.`);
  }
  const seen = new Set<string>();
  for (const { Key, Value } of tags) {
    if (Key.length < 1 || Key.length > 128 || Value.length > 256 || Key.toLowerCase().startsWith("aws:")) {
      throw new AwsError("InvalidTagParameterException", `Invalid parameter at 'tags' failed to satisfy constraint: 'invalid tag ${JSON.stringify(Key)}'`);
    }
    if (seen.has(Key)) {
      throw new AwsError("InvalidTagParameterException", `Invalid parameter at 'tags' failed to satisfy constraint: 'duplicate tag key ${JSON.stringify(Key)}'`);
    }
    seen.add(Key);
  }
  return tags;
}
