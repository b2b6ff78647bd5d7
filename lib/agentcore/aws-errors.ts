/** Reading AWS SDK errors: their name, and "it is already gone", which cleanup treats as success. */

export function errorName(e: unknown): string {
  return (e as { name?: string })?.name ?? "Error";
}

export function httpStatus(e: unknown): number | undefined {
  return (e as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
}

const GONE = new Set([
  "ResourceNotFoundException",
  "NoSuchEntity",
  "NoSuchEntityException",
  "RepositoryNotFoundException",
  "ImageNotFoundException",
  "NoSuchBucket",
  "NoSuchKey",
  "NotFound",
  "UserNotFoundException",
]);

export function isNotFound(e: unknown): boolean {
  return GONE.has(errorName(e)) || httpStatus(e) === 404;
}

const ALREADY_EXISTS = new Set(["ConflictException", "EntityAlreadyExists", "EntityAlreadyExistsException", "RepositoryAlreadyExistsException", "BucketAlreadyOwnedByYou"]);

/** The create's answer "a resource of that name already exists". */
export function isAlreadyExists(e: unknown): boolean {
  return ALREADY_EXISTS.has(errorName(e)) || httpStatus(e) === 409;
}
