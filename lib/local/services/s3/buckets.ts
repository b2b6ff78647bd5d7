/** S3 bucket operations: CreateBucket, HeadBucket, DeleteBucket, ListBuckets. */
import { createHash } from "node:crypto";
import { AwsError } from "../../errors.js";
import type { S3BucketRecord } from "../../state/records.js";
import type { OperationHandler, RequestContext } from "../../service.js";
import { invalidArgument, invalidBucketName, noSuchBucket, notFound } from "./errors.js";
import { bucketArn, compareKeys, isValidBucketName } from "./naming.js";
import { BUCKET_KIND, listObjects, objectFiles } from "./state.js";

export const createBucket: OperationHandler = (input, ctx) => {
  const bucket = input.Bucket as string;
  if (!isValidBucketName(bucket)) throw invalidBucketName(bucket);
  ctx.authorize("s3:CreateBucket", bucketArn(bucket));
  const region = bucketRegion(input.CreateBucketConfiguration?.LocationConstraint as string | undefined, ctx.region);
  const record: S3BucketRecord = { Name: bucket, Region: region, CreationDate: ctx.local.now().toISOString() };
  const store = ctx.local.store;
  const created = store.tx(() => store.insert(BUCKET_KIND, bucket, record));
  if (!created) {
    // Buckets are global; every bucket here is the caller's account's (in us-east-1 S3 answers 200 for those).
    if (store.get<S3BucketRecord>(BUCKET_KIND, bucket)?.Region === "us-east-1" && region === "us-east-1") {
      return { Location: `/${bucket}` };
    }
    throw new AwsError(
      "BucketAlreadyOwnedByYou",
      "Your previous request to create the named bucket succeeded and you already own it.",
      409,
      { BucketName: bucket },
    );
  }
  objectFiles(ctx.local); // first S3 write of this run: sweep what a crash left before any object lands
  ctx.local.log(`s3: created bucket ${bucket} in ${region}`);
  return { Location: `/${bucket}` };
};

/**
 * S3's location rules: the constraint must name the region the request was sent to; us-east-1 is
 * the default and may not be named explicitly; elsewhere a constraint is required.
 */
function bucketRegion(constraint: string | undefined, requestRegion: string): string {
  if (constraint === undefined || constraint === "") {
    if (requestRegion === "us-east-1") return "us-east-1";
    throw new AwsError(
      "IllegalLocationConstraintException",
      "The unspecified location constraint is incompatible for the region specific endpoint this request was sent to.",
      400,
    );
  }
  if (constraint === "us-east-1") {
    throw new AwsError("InvalidLocationConstraint", "The specified location-constraint is not valid", 400, { LocationConstraint: constraint });
  }
  if (constraint !== requestRegion) {
    throw new AwsError(
      "IllegalLocationConstraintException",
      `The ${constraint} location constraint is incompatible for the region specific endpoint this request was sent to.`,
      400,
    );
  }
  return constraint;
}

export const headBucket: OperationHandler = (input, ctx) => {
  const bucket = input.Bucket as string;
  ctx.authorize("s3:ListBucket", bucketArn(bucket));
  const record = ctx.local.store.get<S3BucketRecord>(BUCKET_KIND, bucket);
  if (!record) throw notFound();
  return { BucketRegion: record.Region };
};

export const deleteBucket: OperationHandler = (input, ctx) => {
  const bucket = input.Bucket as string;
  ctx.authorize("s3:DeleteBucket", bucketArn(bucket));
  const store = ctx.local.store;
  store.tx(() => {
    if (!store.get(BUCKET_KIND, bucket)) throw noSuchBucket(bucket);
    if (listObjects(store, bucket).length > 0) {
      throw new AwsError("BucketNotEmpty", "The bucket you tried to delete is not empty", 409, { BucketName: bucket });
    }
    store.delete(BUCKET_KIND, bucket);
  });
  objectFiles(ctx.local).removeBucketDir(bucket);
  ctx.local.log(`s3: deleted bucket ${bucket}`);
};

export const listBuckets: OperationHandler = (input, ctx) => {
  ctx.authorize("s3:ListAllMyBuckets", "*");
  const max = input.MaxBuckets as number | undefined;
  if (max !== undefined && (max < 1 || max > 10000)) {
    throw invalidArgument("Argument max-buckets must be an integer between 1 and 10000", "max-buckets", String(max));
  }
  const after = input.ContinuationToken === undefined ? undefined : decodeBucketToken(input.ContinuationToken as string);
  const prefix = (input.Prefix as string | undefined) ?? "";
  const matching = ctx.local.store
    .list<S3BucketRecord>(BUCKET_KIND)
    .filter((b) => b.Name.startsWith(prefix))
    .filter((b) => input.BucketRegion === undefined || b.Region === input.BucketRegion)
    .filter((b) => after === undefined || compareKeys(b.Name, after) > 0);
  const page = max === undefined ? matching : matching.slice(0, max);
  const truncated = page.length < matching.length;
  return {
    Buckets: page.map((b) => ({ Name: b.Name, CreationDate: new Date(b.CreationDate), BucketRegion: b.Region })),
    Owner: owner(ctx),
    ...(truncated ? { ContinuationToken: Buffer.from(page[page.length - 1]!.Name, "utf8").toString("base64") } : {}),
    ...(input.Prefix !== undefined ? { Prefix: input.Prefix } : {}),
  };
};

function decodeBucketToken(token: string): string {
  const name = Buffer.from(token, "base64").toString("utf8");
  if (!isValidBucketName(name)) throw invalidArgument("The continuation token provided is incorrect", "continuation-token", token);
  return name;
}

/** The account's canonical user id: 64 hex characters, stable per account. */
export const owner = (ctx: RequestContext): { ID: string; DisplayName: string } => ({
  ID: createHash("sha256").update(`agentcore-local:${ctx.accountId}`).digest("hex"),
  DisplayName: "agentcore-local",
});
