/** S3's errors with the codes, statuses and messages the real service sends. */
import { AwsError } from "../../errors.js";

export const noSuchBucket = (bucket: string): AwsError =>
  new AwsError("NoSuchBucket", "The specified bucket does not exist", 404, { BucketName: bucket });

export const noSuchKey = (key: string): AwsError => new AwsError("NoSuchKey", "The specified key does not exist.", 404, { Key: key });

/** HEAD responses carry no body, so the SDK names any 404 `NotFound`; say so on the wire too. */
export const notFound = (): AwsError => new AwsError("NotFound", "Not Found", 404);

export const invalidBucketName = (bucket: string): AwsError =>
  new AwsError("InvalidBucketName", "The specified bucket is not valid.", 400, { BucketName: bucket });

export const invalidArgument = (message: string, name: string, value: string): AwsError =>
  new AwsError("InvalidArgument", message, 400, { ArgumentName: name, ArgumentValue: value });

export const preconditionFailed = (condition: string): AwsError =>
  new AwsError("PreconditionFailed", "At least one of the pre-conditions you specified did not hold", 412, { Condition: condition });

export const notModified = (): AwsError => new AwsError("NotModified", "Not Modified", 304);
