/** ECR image operations over the image records: PutImage, ListImages, DescribeImages, BatchGetImage, BatchDeleteImage. */
import { createHash } from "node:crypto";
import { AwsError } from "../../errors.js";
import type { EcrImageRecord } from "../../state/records.js";
import type { OperationHandler, RequestContext, Shape } from "../../service.js";
import { invalidNextToken, invalidParameter } from "./errors.js";
import { putImageRecord, resolveImageId } from "./image-tags.js";
import { describeImageId } from "./naming.js";
import { compareKeys, paginate } from "../pagination.js";
import { repositoryArnFor } from "./repositories.js";
import { IMAGE_KIND, imageId, imagesOf, registryOf, requireRepository } from "./repository-store.js";

type ImageIdentifier = { imageDigest?: string; imageTag?: string };

export const putImage: OperationHandler = (input, ctx) => {
  const name = input.repositoryName as string;
  const registryId = registryOf(input, ctx);
  ctx.authorize("ecr:PutImage", repositoryArnFor(ctx, name));
  const manifest = input.imageManifest as string;
  const parsed = parseManifest(manifest);
  const digest = `sha256:${createHash("sha256").update(manifest, "utf8").digest("hex")}`;
  if (input.imageDigest !== undefined && input.imageDigest !== digest) {
    throw new AwsError(
      "ImageDigestDoesNotMatchException",
      `Invalid parameter at 'imageDigest' failed to satisfy constraint: 'the provided digest ${input.imageDigest} does not match the digest of the image manifest'`,
    );
  }
  const tag = input.imageTag as string | undefined;
  const mediaType = (input.imageManifestMediaType as string | undefined) ?? parsed.mediaType;
  const store = ctx.local.store;
  store.tx(() => {
    const repo = requireRepository(store, name, registryId);
    const { changed } = putImageRecord(store, repo, {
      digest,
      ...(tag !== undefined ? { tag } : {}),
      pushedAt: ctx.local.now().toISOString(),
      manifest,
      ...(mediaType !== undefined ? { manifestMediaType: mediaType } : {}),
      ...(parsed.sizeBytes !== undefined ? { sizeBytes: parsed.sizeBytes } : {}),
    });
    if (!changed) {
      throw new AwsError(
        "ImageAlreadyExistsException",
        `Image with digest '${digest}' and tag '${tag ?? "null"}' already exists in the repository with name '${name}' in registry with id '${registryId}'`,
      );
    }
  });
  return {
    image: {
      registryId,
      repositoryName: name,
      imageId: { imageDigest: digest, ...(tag !== undefined ? { imageTag: tag } : {}) },
      imageManifest: manifest,
      ...(mediaType !== undefined ? { imageManifestMediaType: mediaType } : {}),
    },
  };
};

export const listImages: OperationHandler = (input, ctx) => {
  const name = input.repositoryName as string;
  ctx.authorize("ecr:ListImages", repositoryArnFor(ctx, name));
  const images = filteredImages(input, ctx);
  const ids = images
    .flatMap((i): ImageIdentifier[] =>
      i.imageTags.length === 0 ? [{ imageDigest: i.imageDigest }] : i.imageTags.map((imageTag) => ({ imageDigest: i.imageDigest, imageTag })),
    )
    .sort((a, b) => compareKeys(idKey(a), idKey(b)));
  const { items: page, nextToken } = paginate(ids, idKey, { token: input.nextToken, pageSize: input.maxResults ?? 100, invalidToken: invalidNextToken });
  return { imageIds: page, ...(nextToken ? { nextToken } : {}) };
};

export const describeImages: OperationHandler = (input, ctx) => {
  const name = input.repositoryName as string;
  const registryId = registryOf(input, ctx);
  ctx.authorize("ecr:DescribeImages", repositoryArnFor(ctx, name));
  const requested = input.imageIds as ImageIdentifier[] | undefined;
  if (requested && requested.length > 0) {
    if (input.nextToken !== undefined || input.maxResults !== undefined || input.filter !== undefined) {
      throw invalidParameter("Invalid parameter: imageIds cannot be used together with nextToken, maxResults or filter");
    }
    const images = imagesOf(ctx.local.store, requireRepository(ctx.local.store, name, registryId).repositoryName);
    const found = requested.map((id) => {
      const r = resolveImageId(images, id);
      if ("image" in r) return r.image;
      if (r.failureCode === "ImageNotFound") {
        throw new AwsError(
          "ImageNotFoundException",
          `The image with imageId ${describeImageId(id)} does not exist within the repository with name '${name}' in the registry with id '${registryId}'`,
        );
      }
      throw invalidParameter(`Invalid parameter at 'imageIds': ${r.failureReason}`);
    });
    const unique = [...new Map(found.map((i) => [i.imageDigest, i])).values()];
    return { imageDetails: unique.map((i) => imageDetail(i, registryId)) };
  }
  const images = filteredImages(input, ctx);
  const { items: page, nextToken } = paginate(images, (i) => i.imageDigest, { token: input.nextToken, pageSize: input.maxResults ?? 100, invalidToken: invalidNextToken });
  return { imageDetails: page.map((i) => imageDetail(i, registryId)), ...(nextToken ? { nextToken } : {}) };
};

export const batchGetImage: OperationHandler = (input, ctx) => {
  const name = input.repositoryName as string;
  const registryId = registryOf(input, ctx);
  ctx.authorize("ecr:BatchGetImage", repositoryArnFor(ctx, name));
  const images = imagesOf(ctx.local.store, requireRepository(ctx.local.store, name, registryId).repositoryName);
  const accepted = input.acceptedMediaTypes as string[] | undefined;
  const found: Shape[] = [];
  const failures: Shape[] = [];
  for (const id of input.imageIds as ImageIdentifier[]) {
    const r = resolveImageId(images, id);
    if (!("image" in r)) {
      failures.push({ imageId: id, failureCode: r.failureCode, failureReason: r.failureReason });
    } else if (r.image.imageManifest === undefined) {
      // Built and kept by the local container engine: Local ECR knows the digest, not the manifest.
      failures.push({ imageId: id, failureCode: "ImageInaccessible", failureReason: "The image is held by the local container engine; its manifest is not stored in Local ECR" });
    } else if (accepted?.length && r.image.imageManifestMediaType && !accepted.includes(r.image.imageManifestMediaType)) {
      failures.push({ imageId: id, failureCode: "ImageNotFound", failureReason: "Requested image not found for the accepted media types" });
    } else {
      found.push({
        registryId,
        repositoryName: name,
        imageId: { imageDigest: r.image.imageDigest, ...(id.imageTag !== undefined ? { imageTag: id.imageTag } : {}) },
        imageManifest: r.image.imageManifest,
        ...(r.image.imageManifestMediaType ? { imageManifestMediaType: r.image.imageManifestMediaType } : {}),
      });
    }
  }
  return { images: found, failures };
};

/**
 * Deleting by digest removes the image with all its tags; deleting by tag removes that tag, and the
 * image with it when it was the last one (as ECR does).
 */
export const batchDeleteImage: OperationHandler = (input, ctx) => {
  const name = input.repositoryName as string;
  const registryId = registryOf(input, ctx);
  ctx.authorize("ecr:BatchDeleteImage", repositoryArnFor(ctx, name));
  const store = ctx.local.store;
  return store.tx(() => {
    requireRepository(store, name, registryId);
    const deleted: ImageIdentifier[] = [];
    const failures: Shape[] = [];
    for (const id of input.imageIds as ImageIdentifier[]) {
      const r = resolveImageId(imagesOf(store, name), id);
      if (!("image" in r)) {
        failures.push({ imageId: id, failureCode: r.failureCode, failureReason: r.failureReason });
        continue;
      }
      const image = r.image;
      const key = imageId(name, image.imageDigest);
      if (id.imageDigest === undefined) {
        image.imageTags = image.imageTags.filter((t) => t !== id.imageTag);
        if (image.imageTags.length === 0) store.delete(IMAGE_KIND, key);
        else store.put(IMAGE_KIND, key, image);
        deleted.push({ imageDigest: image.imageDigest, imageTag: id.imageTag! });
      } else {
        store.delete(IMAGE_KIND, key);
        if (image.imageTags.length === 0) deleted.push({ imageDigest: image.imageDigest });
        for (const imageTag of image.imageTags) deleted.push({ imageDigest: image.imageDigest, imageTag });
      }
    }
    return { imageIds: deleted, failures };
  });
};

/** The repository's images narrowed by `filter.tagStatus` / `filter.imageStatus`, sorted by digest. */
function filteredImages(input: Shape, ctx: RequestContext): EcrImageRecord[] {
  const name = input.repositoryName as string;
  const repo = requireRepository(ctx.local.store, name, registryOf(input, ctx));
  const filter = (input.filter as { tagStatus?: string; imageStatus?: string } | undefined) ?? {};
  if (filter.imageStatus !== undefined && filter.imageStatus !== "ACTIVE" && filter.imageStatus !== "ANY") return [];
  return imagesOf(ctx.local.store, repo.repositoryName).filter((i) =>
    filter.tagStatus === "TAGGED" ? i.imageTags.length > 0 : filter.tagStatus === "UNTAGGED" ? i.imageTags.length === 0 : true,
  );
}

function imageDetail(i: EcrImageRecord, registryId: string): Shape {
  return {
    registryId,
    repositoryName: i.repositoryName,
    imageDigest: i.imageDigest,
    ...(i.imageTags.length ? { imageTags: [...i.imageTags] } : {}),
    ...(i.imageSizeInBytes !== undefined ? { imageSizeInBytes: i.imageSizeInBytes } : {}),
    imagePushedAt: new Date(i.imagePushedAt),
    ...(i.imageManifestMediaType ? { imageManifestMediaType: i.imageManifestMediaType } : {}),
    imageStatus: "ACTIVE",
  };
}

const idKey = (id: ImageIdentifier): string => `${id.imageDigest ?? ""} ${id.imageTag ?? ""}`;

/** The manifest's media type and the image size (config plus layers) when the manifest says. */
function parseManifest(manifest: string): { mediaType?: string; sizeBytes?: number } {
  let doc: unknown;
  try {
    doc = JSON.parse(manifest);
  } catch {
    throw invalidParameter("Invalid parameter at 'ImageManifest' failed to satisfy constraint: 'Invalid JSON syntax'");
  }
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) {
    throw invalidParameter("Invalid parameter at 'ImageManifest' failed to satisfy constraint: 'Manifest must be a JSON object'");
  }
  const m = doc as { mediaType?: unknown; config?: { size?: unknown }; layers?: { size?: unknown }[] };
  const sizes = [m.config?.size, ...(Array.isArray(m.layers) ? m.layers.map((l) => l?.size) : [])];
  const known = sizes.filter((s): s is number => typeof s === "number");
  return {
    ...(typeof m.mediaType === "string" ? { mediaType: m.mediaType } : {}),
    ...(Array.isArray(m.layers) && known.length > 0 ? { sizeBytes: known.reduce((a, b) => a + b, 0) } : {}),
  };
}
