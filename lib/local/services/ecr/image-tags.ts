/**
 * Where image tags point, and the repository's tag-mutability rule. One place moves a tag onto an
 * image (PutImage and a local build's "push"), so both honour immutability the same way.
 */
import { AwsError } from "../../errors.js";
import type { EcrImageRecord } from "../../state/records.js";
import type { Store } from "../../state/store.js";
import { IMAGE_KIND, imageId, imagesOf, type StoredRepository } from "./repository-store.js";

export function isTagImmutable(repo: StoredRepository, tag: string): boolean {
  const excluded = (repo.imageTagMutabilityExclusionFilters ?? []).some((f) => wildcard(f.filter).test(tag));
  switch (repo.imageTagMutability) {
    case "IMMUTABLE":
      return true;
    case "IMMUTABLE_WITH_EXCLUSION":
      return !excluded;
    case "MUTABLE_WITH_EXCLUSION":
      return excluded;
    default:
      return false;
  }
}

const wildcard = (pattern: string): RegExp =>
  new RegExp(`^${pattern.split("*").map((part) => part.replace(/[.+?^${}()|[\]\\-]/g, "\\$&")).join(".*")}$`);

export interface NewImage {
  digest: string;
  tag?: string;
  pushedAt: string;
  manifest?: string;
  manifestMediaType?: string;
  sizeBytes?: number;
}

/**
 * Records an image (or re-tags an existing one), taking the tag from any other image that had it.
 * Returns whether anything changed (false: the tag already pointed at this digest, or an untagged
 * push of a digest that already exists). Call inside a store transaction.
 */
export function putImageRecord(store: Store, repo: StoredRepository, image: NewImage): { changed: boolean; record: EcrImageRecord } {
  const name = repo.repositoryName;
  const existing = store.get<EcrImageRecord>(IMAGE_KIND, imageId(name, image.digest));
  const { tag } = image;
  if (existing && (tag === undefined || existing.imageTags.includes(tag))) return { changed: false, record: existing };
  if (tag !== undefined) {
    const holder = imagesOf(store, name).find((i) => i.imageTags.includes(tag));
    if (holder) {
      if (isTagImmutable(repo, tag)) {
        throw new AwsError(
          "ImageTagAlreadyExistsException",
          `The image tag '${tag}' already exists in the '${name}' repository and cannot be overwritten because the tag is immutable.`,
        );
      }
      holder.imageTags = holder.imageTags.filter((t) => t !== tag);
      store.put(IMAGE_KIND, imageId(name, holder.imageDigest), holder);
    }
  }
  const record: EcrImageRecord = existing
    ? { ...existing, imageTags: [...existing.imageTags, ...(tag ? [tag] : [])] }
    : {
        repositoryName: name,
        imageDigest: image.digest,
        imageTags: tag ? [tag] : [],
        ...(image.manifest !== undefined ? { imageManifest: image.manifest } : {}),
        ...(image.manifestMediaType !== undefined ? { imageManifestMediaType: image.manifestMediaType } : {}),
        imagePushedAt: image.pushedAt,
        ...(image.sizeBytes !== undefined ? { imageSizeInBytes: image.sizeBytes } : {}),
      };
  store.put(IMAGE_KIND, imageId(name, image.digest), record);
  return { changed: true, record };
}

/** The image an ImageIdentifier names, or why none: ECR's per-id failure codes. */
export function resolveImageId(
  images: EcrImageRecord[],
  id: { imageDigest?: string; imageTag?: string },
): { image: EcrImageRecord } | { failureCode: string; failureReason: string } {
  if (id.imageDigest === undefined && id.imageTag === undefined) {
    return { failureCode: "MissingDigestAndTag", failureReason: "Invalid request parameters: both tag and digest cannot be null" };
  }
  if (id.imageDigest !== undefined && !/^sha256:[a-f0-9]{64}$/.test(id.imageDigest)) {
    return { failureCode: "InvalidImageDigest", failureReason: "Invalid image digest" };
  }
  const image = id.imageDigest !== undefined
    ? images.find((i) => i.imageDigest === id.imageDigest)
    : images.find((i) => i.imageTags.includes(id.imageTag!));
  if (!image) return { failureCode: "ImageNotFound", failureReason: "Requested image not found" };
  if (id.imageTag !== undefined && !image.imageTags.includes(id.imageTag)) {
    return { failureCode: "ImageTagDoesNotMatchDigest", failureReason: "Invalid request parameters: image tag does not match digest" };
  }
  return { image };
}
