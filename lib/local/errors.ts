/**
 * An error Local AgentCore answers with, shaped like the AWS service's own.
 *
 * `code` is the modeled error name (`ConflictException`, `NoSuchEntity`, `RepositoryNotFoundException`,
 * `NoSuchKey`, ...). The protocol layer turns it into the wire format the SDK parses for that service
 * (restJson1 `x-amzn-errortype`, awsJson `__type`, awsQuery/restXml `<Error><Code>`). When `status` is
 * omitted it is taken from the service model's `error.httpStatusCode` for that shape, else 400.
 * `fields` adds members to the error body (for example `reason`/`fieldList` of a ValidationException).
 * Messages must never contain a secret.
 */
export class AwsError extends Error {
  readonly code: string;
  readonly status: number | undefined;
  readonly fields: Record<string, unknown> | undefined;

  constructor(code: string, message: string, status?: number, fields?: Record<string, unknown>) {
    super(message);
    this.name = code;
    this.code = code;
    this.status = status;
    this.fields = fields;
  }
}

export const isAwsError = (e: unknown): e is AwsError => e instanceof AwsError;
