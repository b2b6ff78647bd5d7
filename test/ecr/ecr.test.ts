import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { after, before, describe, it } from "node:test";
import {
  BatchDeleteImageCommand,
  BatchGetImageCommand,
  CreateRepositoryCommand,
  DeleteRepositoryCommand,
  DescribeImagesCommand,
  DescribeRepositoriesCommand,
  GetAuthorizationTokenCommand,
  ListImagesCommand,
  ListTagsForResourceCommand,
  PutImageCommand,
  TagResourceCommand,
  UntagResourceCommand,
  type ECRClient,
} from "@aws-sdk/client-ecr";
import { isValidRegistryPassword, recordLocalImage } from "../../lib/local/services/ecr/index.js";
import { startTestLocal, type TestLocal } from "../helpers/local.js";

const manifest = (layerSize: number, seed: string): string =>
  JSON.stringify({
    schemaVersion: 2,
    mediaType: "application/vnd.docker.distribution.manifest.v2+json",
    config: { mediaType: "application/vnd.docker.container.image.v1+json", size: 100, digest: `sha256:${sha(seed + "c")}` },
    layers: [{ mediaType: "application/vnd.docker.image.rootfs.diff.tar.gzip", size: layerSize, digest: `sha256:${sha(seed)}` }],
  });
const sha = (s: string): string => createHash("sha256").update(s).digest("hex");
const digestOf = (m: string): string => `sha256:${sha(m)}`;

async function rejects(p: Promise<unknown>, name: string, message?: RegExp): Promise<void> {
  await assert.rejects(p, (e: Error) => {
    assert.equal(e.name, name, `expected ${name}, got ${e.name}: ${e.message}`);
    if (message) assert.match(e.message, message);
    return true;
  });
}

describe("Local ECR through @aws-sdk/client-ecr", () => {
  let local: TestLocal;
  let ecr: ECRClient;
  before(async () => {
    local = await startTestLocal({ region: "eu-west-1" });
    ecr = local.clients.ecr;
  });
  after(() => local.stop());

  it("creates a repository with AWS's URI, ARN, echoed configuration and tags", async () => {
    const before = Date.now();
    const { repository } = await ecr.send(
      new CreateRepositoryCommand({
        repositoryName: "team/agent-one",
        imageTagMutability: "IMMUTABLE",
        imageScanningConfiguration: { scanOnPush: true },
        encryptionConfiguration: { encryptionType: "KMS", kmsKey: "arn:aws:kms:eu-west-1:111122223333:key/abc" },
        tags: [{ Key: "project", Value: "outbound-auth" }],
      }),
    );
    const acct = local.accountId;
    assert.equal(repository?.repositoryName, "team/agent-one");
    assert.equal(repository?.registryId, acct);
    assert.equal(repository?.repositoryUri, `${acct}.dkr.ecr.eu-west-1.amazonaws.com/team/agent-one`);
    assert.equal(repository?.repositoryArn, `arn:aws:ecr:eu-west-1:${acct}:repository/team/agent-one`);
    assert.equal(repository?.imageTagMutability, "IMMUTABLE");
    assert.deepEqual(repository?.imageScanningConfiguration, { scanOnPush: true });
    assert.deepEqual(repository?.encryptionConfiguration, { encryptionType: "KMS", kmsKey: "arn:aws:kms:eu-west-1:111122223333:key/abc" });
    assert.ok(repository?.createdAt instanceof Date);
    // epoch seconds on the wire: within a second of now
    assert.ok(repository.createdAt.getTime() >= Math.floor(before / 1000) * 1000 - 1000);
    const tags = await ecr.send(new ListTagsForResourceCommand({ resourceArn: repository.repositoryArn }));
    assert.deepEqual(tags.tags, [{ Key: "project", Value: "outbound-auth" }]);
  });

  it("defaults to MUTABLE, AES256, no scan on push", async () => {
    const { repository } = await ecr.send(new CreateRepositoryCommand({ repositoryName: "plain" }));
    assert.equal(repository?.imageTagMutability, "MUTABLE");
    assert.deepEqual(repository?.encryptionConfiguration, { encryptionType: "AES256" });
    assert.deepEqual(repository?.imageScanningConfiguration, { scanOnPush: false });
  });

  it("rejects a duplicate with RepositoryAlreadyExistsException", async () => {
    await rejects(
      ecr.send(new CreateRepositoryCommand({ repositoryName: "plain" })),
      "RepositoryAlreadyExistsException",
      new RegExp(`The repository with name 'plain' already exists in the registry with id '${local.accountId}'`),
    );
  });

  it("rejects names outside the model's pattern", async () => {
    for (const bad of ["Upper", "a", "-lead", "trail-", "two//slashes"]) {
      await assert.rejects(ecr.send(new CreateRepositoryCommand({ repositoryName: bad })), (e: Error & { $metadata?: { httpStatusCode?: number } }) => {
        assert.equal(e.$metadata?.httpStatusCode, 400, `${bad}: ${e.name}`);
        assert.match(e.name, /InvalidParameterException|ValidationException/);
        return true;
      });
    }
  });

  it("rejects reserved and too many tags", async () => {
    await rejects(
      ecr.send(new CreateRepositoryCommand({ repositoryName: "tagged", tags: [{ Key: "aws:x", Value: "y" }] })),
      "InvalidTagParameterException",
    );
    const many = Array.from({ length: 51 }, (_, i) => ({ Key: `k${i}`, Value: "v" }));
    await rejects(ecr.send(new CreateRepositoryCommand({ repositoryName: "tagged", tags: many })), "TooManyTagsException");
    await rejects(ecr.send(new DescribeRepositoriesCommand({ repositoryNames: ["tagged"] })), "RepositoryNotFoundException");
  });

  it("tags and untags a repository", async () => {
    const arn = `arn:aws:ecr:eu-west-1:${local.accountId}:repository/plain`;
    await ecr.send(new TagResourceCommand({ resourceArn: arn, tags: [{ Key: "a", Value: "1" }, { Key: "b", Value: "2" }] }));
    await ecr.send(new UntagResourceCommand({ resourceArn: arn, tagKeys: ["a"] }));
    assert.deepEqual((await ecr.send(new ListTagsForResourceCommand({ resourceArn: arn }))).tags, [{ Key: "b", Value: "2" }]);
  });

  it("describes by name, reports a missing name, lists all with pagination", async () => {
    for (const n of ["page-a", "page-b", "page-c"]) await ecr.send(new CreateRepositoryCommand({ repositoryName: n }));
    const byName = await ecr.send(new DescribeRepositoriesCommand({ repositoryNames: ["page-b", "plain"] }));
    assert.deepEqual(byName.repositories?.map((r) => r.repositoryName), ["page-b", "plain"]);
    await rejects(
      ecr.send(new DescribeRepositoriesCommand({ repositoryNames: ["plain", "nope"] })),
      "RepositoryNotFoundException",
      new RegExp(`The repository with name 'nope' does not exist in the registry with id '${local.accountId}'`),
    );
    const seen: string[] = [];
    let nextToken: string | undefined;
    let pages = 0;
    do {
      const page = await ecr.send(new DescribeRepositoriesCommand({ maxResults: 2, nextToken }));
      assert.ok((page.repositories?.length ?? 0) <= 2);
      seen.push(...(page.repositories ?? []).map((r) => r.repositoryName!));
      nextToken = page.nextToken;
      pages++;
    } while (nextToken);
    assert.deepEqual(seen, ["page-a", "page-b", "page-c", "plain", "team/agent-one"]);
    assert.equal(pages, 3);
    await rejects(ecr.send(new DescribeRepositoriesCommand({ nextToken: "garbage!" })), "InvalidParameterException");
  });

  it("issues a 12-hour registry login whose password is recorded only as a hash", async () => {
    const { authorizationData } = await ecr.send(new GetAuthorizationTokenCommand({}));
    assert.equal(authorizationData?.length, 1);
    const data = authorizationData![0]!;
    assert.equal(data.proxyEndpoint, `https://${local.accountId}.dkr.ecr.eu-west-1.amazonaws.com`);
    const decoded = Buffer.from(data.authorizationToken!, "base64").toString("utf8");
    assert.match(decoded, /^AWS:.{20,}$/);
    const password = decoded.slice(4);
    const hoursLeft = (data.expiresAt!.getTime() - Date.now()) / 3_600_000;
    assert.ok(hoursLeft > 11.9 && hoursLeft <= 12.01, `expires in ${hoursLeft} h`);
    assert.equal(isValidRegistryPassword(local.server.services, password), true);
    assert.equal(isValidRegistryPassword(local.server.services, password + "x"), false);
    const rows = local.server.services.store.db.prepare("SELECT body FROM resources").all() as { body: string }[];
    assert.ok(!rows.some((r) => r.body.includes(password)), "the password is not stored in plaintext");
  });

  describe("images", () => {
    const repo = "images-repo";
    const m1 = manifest(1000, "one");
    const m2 = manifest(2000, "two");
    before(() => ecr.send(new CreateRepositoryCommand({ repositoryName: repo })));

    it("puts an image: digest is the sha256 of the manifest bytes", async () => {
      const { image } = await ecr.send(new PutImageCommand({ repositoryName: repo, imageManifest: m1, imageTag: "v1" }));
      assert.equal(image?.imageId?.imageDigest, digestOf(m1));
      assert.equal(image?.imageId?.imageTag, "v1");
      assert.equal(image?.imageManifestMediaType, "application/vnd.docker.distribution.manifest.v2+json");
      assert.equal(image?.registryId, local.accountId);
    });

    it("rejects the same tag on the same digest with ImageAlreadyExistsException", async () => {
      await rejects(
        ecr.send(new PutImageCommand({ repositoryName: repo, imageManifest: m1, imageTag: "v1" })),
        "ImageAlreadyExistsException",
        new RegExp(`Image with digest '${digestOf(m1)}' and tag 'v1' already exists in the repository with name '${repo}'`),
      );
    });

    it("adds a second tag to an existing digest and moves a mutable tag", async () => {
      await ecr.send(new PutImageCommand({ repositoryName: repo, imageManifest: m1, imageTag: "latest" }));
      await ecr.send(new PutImageCommand({ repositoryName: repo, imageManifest: m2, imageTag: "latest" }));
      const { imageDetails } = await ecr.send(new DescribeImagesCommand({ repositoryName: repo }));
      const byDigest = new Map(imageDetails?.map((d) => [d.imageDigest, d]));
      assert.deepEqual(byDigest.get(digestOf(m1))?.imageTags, ["v1"]);
      assert.deepEqual(byDigest.get(digestOf(m2))?.imageTags, ["latest"]);
      assert.equal(byDigest.get(digestOf(m2))?.imageSizeInBytes, 2100);
      assert.ok(byDigest.get(digestOf(m2))?.imagePushedAt instanceof Date);
    });

    it("rejects a manifest whose digest does not match, and invalid JSON", async () => {
      await rejects(
        ecr.send(new PutImageCommand({ repositoryName: repo, imageManifest: m1, imageDigest: `sha256:${"0".repeat(64)}` })),
        "ImageDigestDoesNotMatchException",
      );
      await rejects(ecr.send(new PutImageCommand({ repositoryName: repo, imageManifest: "{not json" })), "InvalidParameterException");
      await rejects(ecr.send(new PutImageCommand({ repositoryName: "missing-repo", imageManifest: m1 })), "RepositoryNotFoundException");
    });

    it("lists image ids with the tag status filter and pagination", async () => {
      const m3 = manifest(3000, "three");
      await ecr.send(new PutImageCommand({ repositoryName: repo, imageManifest: m3 }));
      const all = await ecr.send(new ListImagesCommand({ repositoryName: repo }));
      assert.equal(all.imageIds?.length, 3);
      const tagged = await ecr.send(new ListImagesCommand({ repositoryName: repo, filter: { tagStatus: "TAGGED" } }));
      assert.deepEqual(
        tagged.imageIds?.map((i) => i.imageTag).sort(),
        ["latest", "v1"],
      );
      const untagged = await ecr.send(new ListImagesCommand({ repositoryName: repo, filter: { tagStatus: "UNTAGGED" } }));
      assert.deepEqual(untagged.imageIds, [{ imageDigest: digestOf(m3) }]);
      const first = await ecr.send(new ListImagesCommand({ repositoryName: repo, maxResults: 2 }));
      assert.equal(first.imageIds?.length, 2);
      assert.ok(first.nextToken);
      const second = await ecr.send(new ListImagesCommand({ repositoryName: repo, maxResults: 2, nextToken: first.nextToken }));
      assert.equal(second.imageIds?.length, 1);
      assert.equal(second.nextToken, undefined);
      await rejects(ecr.send(new ListImagesCommand({ repositoryName: "missing-repo" })), "RepositoryNotFoundException");
    });

    it("describes images by id and reports a missing one", async () => {
      const { imageDetails } = await ecr.send(new DescribeImagesCommand({ repositoryName: repo, imageIds: [{ imageTag: "v1" }] }));
      assert.equal(imageDetails?.[0]?.imageDigest, digestOf(m1));
      await rejects(
        ecr.send(new DescribeImagesCommand({ repositoryName: repo, imageIds: [{ imageTag: "nope" }] })),
        "ImageNotFoundException",
        /The image with imageId \{imageDigest:'null', imageTag:'nope'\} does not exist within the repository/,
      );
    });

    it("gets manifests in a batch, with failures per id", async () => {
      const r = await ecr.send(new BatchGetImageCommand({ repositoryName: repo, imageIds: [{ imageTag: "latest" }, { imageTag: "ghost" }] }));
      assert.equal(r.images?.[0]?.imageManifest, m2);
      assert.deepEqual(r.failures?.map((f) => [f.imageId?.imageTag, f.failureCode]), [["ghost", "ImageNotFound"]]);
    });

    it("deletes by tag and by digest, with ImageNotFound failures", async () => {
      const r = await ecr.send(
        new BatchDeleteImageCommand({
          repositoryName: repo,
          imageIds: [{ imageTag: "v1" }, { imageDigest: digestOf(m2) }, { imageTag: "ghost" }],
        }),
      );
      assert.deepEqual(
        r.imageIds?.map((i) => `${i.imageDigest}:${i.imageTag}`).sort(),
        [`${digestOf(m1)}:v1`, `${digestOf(m2)}:latest`].sort(),
      );
      assert.deepEqual(r.failures, [{ imageId: { imageTag: "ghost" }, failureCode: "ImageNotFound", failureReason: "Requested image not found" }]);
      // v1 was m1's last tag, so m1 is gone; only the untagged m3 is left
      const left = await ecr.send(new ListImagesCommand({ repositoryName: repo }));
      assert.equal(left.imageIds?.length, 1);
      assert.equal(left.imageIds?.[0]?.imageTag, undefined);
    });

    it("keeps tags immutable in an IMMUTABLE repository", async () => {
      await ecr.send(new CreateRepositoryCommand({ repositoryName: "frozen", imageTagMutability: "IMMUTABLE" }));
      await ecr.send(new PutImageCommand({ repositoryName: "frozen", imageManifest: m1, imageTag: "v1" }));
      await rejects(
        ecr.send(new PutImageCommand({ repositoryName: "frozen", imageManifest: m2, imageTag: "v1" })),
        "ImageTagAlreadyExistsException",
        /The image tag 'v1' already exists in the 'frozen' repository/,
      );
    });
  });

  it("records a locally built image so ListImages and DescribeImages see it", async () => {
    await ecr.send(new CreateRepositoryCommand({ repositoryName: "built" }));
    const digest = `sha256:${sha("local-build")}`;
    recordLocalImage(local.server.services, { repositoryName: "built", tag: "latest", digest, sizeBytes: 123456 });
    recordLocalImage(local.server.services, { repositoryName: "built", tag: "latest", digest, sizeBytes: 123456 }); // idempotent
    const listed = await ecr.send(new ListImagesCommand({ repositoryName: "built" }));
    assert.deepEqual(listed.imageIds, [{ imageDigest: digest, imageTag: "latest" }]);
    const { imageDetails } = await ecr.send(new DescribeImagesCommand({ repositoryName: "built" }));
    assert.equal(imageDetails?.[0]?.imageSizeInBytes, 123456);
    assert.throws(
      () => recordLocalImage(local.server.services, { repositoryName: "nowhere", tag: "x", digest, sizeBytes: 1 }),
      (e: Error) => e.name === "RepositoryNotFoundException",
    );
  });

  it("deletes a repository: RepositoryNotEmptyException unless force, which removes its images", async () => {
    await rejects(
      ecr.send(new DeleteRepositoryCommand({ repositoryName: "built" })),
      "RepositoryNotEmptyException",
      new RegExp(`The repository with name 'built' in registry with id '${local.accountId}' cannot be deleted because it still contains images`),
    );
    const { repository } = await ecr.send(new DeleteRepositoryCommand({ repositoryName: "built", force: true }));
    assert.equal(repository?.repositoryName, "built");
    await rejects(ecr.send(new DescribeRepositoriesCommand({ repositoryNames: ["built"] })), "RepositoryNotFoundException");
    // re-created empty: the old images did not survive
    await ecr.send(new CreateRepositoryCommand({ repositoryName: "built" }));
    assert.deepEqual((await ecr.send(new ListImagesCommand({ repositoryName: "built" }))).imageIds, []);
    await ecr.send(new DeleteRepositoryCommand({ repositoryName: "built" }));
    await rejects(ecr.send(new DeleteRepositoryCommand({ repositoryName: "built" })), "RepositoryNotFoundException");
  });
});
