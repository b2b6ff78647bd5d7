/**
 * A container image built by the local engine and "pushed" into Local ECR: the image itself stays
 * in docker/podman; this record makes ListImages and DescribeImages tell the truth about it.
 */
import type { LocalServices } from "../../service.js";
import { invalidParameter } from "./errors.js";
import { putImageRecord } from "./image-tags.js";
import { requireRepository } from "./repository-store.js";

export interface LocalImage {
  repositoryName: string;
  tag: string;
  /** `sha256:<64 hex>` as the engine reports it. */
  digest: string;
  sizeBytes: number;
}

/** Throws RepositoryNotFoundException, or ImageTagAlreadyExistsException for an immutable tag. Idempotent. */
export function recordLocalImage(local: LocalServices, image: LocalImage): void {
  if (!/^sha256:[a-f0-9]{64}$/.test(image.digest)) throw invalidParameter(`Invalid image digest '${image.digest}'`);
  local.store.tx(() => {
    const repo = requireRepository(local.store, image.repositoryName, local.accountId);
    putImageRecord(local.store, repo, {
      digest: image.digest,
      tag: image.tag,
      pushedAt: local.now().toISOString(),
      sizeBytes: image.sizeBytes,
    });
  });
  local.log(`ecr: recorded local image ${image.repositoryName}:${image.tag}`);
}
