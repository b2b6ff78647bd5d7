/**
 * The agent's ECR repository: named as the toolkit names it, created if missing (recorded in the
 * ledger), registry login from GetAuthorizationToken, and image records.
 */
import {
  BatchDeleteImageCommand,
  CreateRepositoryCommand,
  DeleteRepositoryCommand,
  DescribeRepositoriesCommand,
  GetAuthorizationTokenCommand,
  ListImagesCommand,
  PutImageCommand,
} from "@aws-sdk/client-ecr";
import { session as defaultSession } from "../session.js";
import { Ledger, scopeOf } from "./ledger.js";
import type { LibOptions } from "./identity.js";
import { errorName, isNotFound } from "./aws-errors.js";

/** `bedrock-agentcore-<agent>`: lower case, only the characters ECR allows. */
export function repositoryNameFor(agentName: string): string {
  const clean = agentName.toLowerCase().replace(/[^a-z0-9_\-/]/g, "-").replace(/^[^a-z0-9]+/, "");
  return `bedrock-agentcore-${clean}`;
}

/** The toolkit's image tag: UTC `YYYYMMDD-HHMMSS-mmm`. */
export function imageTagFor(now = new Date()): string {
  const iso = now.toISOString(); // 2025-07-18T10:11:12.345Z
  return `${iso.slice(0, 10).replace(/-/g, "")}-${iso.slice(11, 19).replace(/:/g, "")}-${iso.slice(20, 23)}`;
}

export interface Repository {
  repositoryName: string;
  repositoryUri: string;
  action: "created" | "existing";
}

export async function ensureRepository(repositoryName: string, opts: LibOptions = {}): Promise<Repository> {
  const s = opts.session ?? (await defaultSession());
  const ledger = opts.ledger ?? new Ledger();
  try {
    const found = await s.clients.ecr.send(new DescribeRepositoriesCommand({ repositoryNames: [repositoryName] }));
    return { repositoryName, repositoryUri: found.repositories![0]!.repositoryUri!, action: "existing" };
  } catch (e) {
    if (!isNotFound(e)) throw e;
  }
  const out = await ledger.record(await scopeOf(s), { kind: "ecr-repository", repositoryName }, () =>
    s.clients.ecr.send(new CreateRepositoryCommand({ repositoryName })),
  );
  (opts.log ?? console.log)(`Created ECR repository ${repositoryName}.`);
  return { repositoryName, repositoryUri: out.repository!.repositoryUri!, action: "created" };
}

export interface RegistryLogin {
  registry: string;
  username: string;
  password: string;
}

/** The registry's user and password (`AWS:<token>`), as `aws ecr get-login-password` prints it. */
export async function registryLogin(opts: LibOptions = {}): Promise<RegistryLogin> {
  const s = opts.session ?? (await defaultSession());
  const out = await s.clients.ecr.send(new GetAuthorizationTokenCommand({}));
  const data = out.authorizationData?.[0];
  if (!data?.authorizationToken || !data.proxyEndpoint) throw new Error("ECR GetAuthorizationToken returned no token");
  const [username, ...rest] = Buffer.from(data.authorizationToken, "base64").toString("utf8").split(":");
  return { registry: data.proxyEndpoint.replace(/^https?:\/\//, ""), username: username!, password: rest.join(":") };
}

/**
 * Records an image by its manifest (ECR PutImage). For Local ECR this is how a locally built image
 * (which stays in the local engine) becomes visible to ListImages and to the runtime.
 */
export async function putImageManifest(
  p: { repositoryName: string; imageTag: string; manifest: string; mediaType?: string },
  opts: LibOptions = {},
): Promise<string> {
  const s = opts.session ?? (await defaultSession());
  const ledger = opts.ledger ?? new Ledger();
  try {
    const out = await ledger.record(await scopeOf(s), { kind: "ecr-image", repositoryName: p.repositoryName, imageTag: p.imageTag }, () =>
      s.clients.ecr.send(
        new PutImageCommand({
          repositoryName: p.repositoryName,
          imageTag: p.imageTag,
          imageManifest: p.manifest,
          ...(p.mediaType ? { imageManifestMediaType: p.mediaType } : {}),
        }),
      ),
    );
    return out.image!.imageId!.imageDigest!;
  } catch (e) {
    if (errorName(e) !== "ImageAlreadyExistsException") throw e;
    return "";
  }
}

export async function listImageTags(repositoryName: string, opts: LibOptions = {}): Promise<string[]> {
  const s = opts.session ?? (await defaultSession());
  const tags: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = await s.clients.ecr.send(new ListImagesCommand({ repositoryName, nextToken }));
    for (const id of page.imageIds ?? []) if (id.imageTag) tags.push(id.imageTag);
    nextToken = page.nextToken;
  } while (nextToken);
  return tags;
}

/** Deletes tagged images; returns how many existed (0 when the repository is gone too). */
export async function deleteImages(repositoryName: string, imageTags: string[], opts: LibOptions = {}): Promise<number> {
  const s = opts.session ?? (await defaultSession());
  if (imageTags.length === 0) return 0;
  try {
    const out = await s.clients.ecr.send(new BatchDeleteImageCommand({ repositoryName, imageIds: imageTags.map((imageTag) => ({ imageTag })) }));
    return out.imageIds?.length ?? 0;
  } catch (e) {
    if (isNotFound(e)) return 0;
    throw e;
  }
}

/** Deletes the repository with any images left in it; `false` when it was already gone. */
export async function deleteRepository(repositoryName: string, opts: LibOptions = {}): Promise<boolean> {
  const s = opts.session ?? (await defaultSession());
  try {
    await s.clients.ecr.send(new DeleteRepositoryCommand({ repositoryName, force: true }));
    return true;
  } catch (e) {
    if (isNotFound(e)) return false;
    throw e;
  }
}
