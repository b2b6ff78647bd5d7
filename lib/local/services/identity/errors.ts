/** The Identity control plane's errors, worded like AgentCore Identity's own (never with a secret in them). */
import { AwsError } from "../../errors.js";

export const notFound = (message: string) => new AwsError("ResourceNotFoundException", message, 404);

export const conflict = (message: string) => new AwsError("ConflictException", message, 409);

/** The page size of list operations when `maxResults` is omitted (callers should follow nextToken). */
export const DEFAULT_PAGE_SIZE = 10;

export const invalidNextToken = (): AwsError =>
  new AwsError("ValidationException", "Invalid nextToken: pass the nextToken of a previous response unchanged.", 400, {
    reason: "FieldValidationFailed",
    fieldList: [{ name: "nextToken", message: "The pagination token is not valid." }],
  });

/** A ValidationException naming the offending member, as the SDK parses it (`reason`, `fieldList`). */
export function invalid(field: string, message: string, reason = "FieldValidationFailed"): AwsError {
  return new AwsError("ValidationException", message, 400, { reason, fieldList: [{ name: field, message }] });
}

/**
 * Local AgentCore keeps every secret in its own vault; it has no Secrets Manager to reference, so
 * `EXTERNAL` secrets and `…SecretConfig` references are refused with a message saying what to do.
 */
export function externalSecretsUnsupported(field: string): AwsError {
  return invalid(
    field,
    `${field}: Local AgentCore stores secrets in its own token vault and cannot reference a Secrets Manager secret. ` +
      `Pass the secret value itself (source MANAGED) instead.`,
  );
}
