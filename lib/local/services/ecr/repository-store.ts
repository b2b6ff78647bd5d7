/**
 * ECR repositories in the store (kind `ecr-repository`, shape shared in `records.ts`) and their
 * wire form. Tags and tag-mutability exclusion filters ride along on the same document.
 */
import type { EcrImageRecord, EcrRepositoryRecord } from "../../state/records.js";
import type { RequestContext, Shape } from "../../service.js";
import type { Store } from "../../state/store.js";
import { repositoryNotFound } from "./errors.js";

export const REPOSITORY_KIND = "ecr-repository";
export const IMAGE_KIND = "ecr-image";

export interface Tag {
  Key: string;
  Value: string;
}

export interface StoredRepository extends EcrRepositoryRecord {
  tags: Tag[];
  imageTagMutabilityExclusionFilters?: { filterType: string; filter: string }[];
  encryptionConfiguration: { encryptionType: string; kmsKey?: string };
}

/** The registry a request addresses: its `registryId` when given, else the caller's account. */
export const registryOf = (input: Shape, ctx: RequestContext): string => (input.registryId as string | undefined) ?? ctx.accountId;

/** The repository, or RepositoryNotFoundException (also for another account's registry: there is only ours). */
export function requireRepository(store: Store, name: string, registryId: string): StoredRepository {
  const repo = store.get<StoredRepository>(REPOSITORY_KIND, name);
  if (!repo || repo.registryId !== registryId) throw repositoryNotFound(name, registryId);
  return repo;
}

export const imagesOf = (store: Store, repositoryName: string): EcrImageRecord[] =>
  store.list<EcrImageRecord>(IMAGE_KIND, `${repositoryName}@`);

export const imageId = (repositoryName: string, digest: string): string => `${repositoryName}@${digest}`;

export function repositoryShape(repo: StoredRepository): Shape {
  return {
    repositoryArn: repo.repositoryArn,
    registryId: repo.registryId,
    repositoryName: repo.repositoryName,
    repositoryUri: repo.repositoryUri,
    createdAt: new Date(repo.createdAt),
    imageTagMutability: repo.imageTagMutability,
    ...(repo.imageTagMutabilityExclusionFilters?.length
      ? { imageTagMutabilityExclusionFilters: repo.imageTagMutabilityExclusionFilters }
      : {}),
    imageScanningConfiguration: { scanOnPush: repo.imageScanningConfiguration.scanOnPush },
    encryptionConfiguration: { ...repo.encryptionConfiguration },
  };
}
