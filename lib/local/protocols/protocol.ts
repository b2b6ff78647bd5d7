/**
 * The contract of a wire protocol (restJson1, awsJson1.1, awsQuery, restXml): find the operation a
 * request targets, turn the request into the operation's input shape, and write outputs and errors
 * the way the AWS SDK v3 parses them. Protocols are driven by the service model, never by
 * per-operation code.
 */
import type { ServerResponse } from "node:http";
import type { Readable } from "node:stream";
import type { AwsError } from "../errors.js";
import type { Shape } from "../service.js";
import type { ServiceModel } from "./model.js";

/**
 * A request after SigV4 verification; the body is complete (and de-chunked for S3 aws-chunked),
 * except for S3 object uploads, whose payload streams (`stream`, verified while read).
 */
export interface RawRequest {
  method: string;
  /** The raw path as received, without the query string (percent-encoding kept). */
  path: string;
  query: URLSearchParams;
  /** Lower-cased header names. */
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  /** The payload still being read and verified (S3 object uploads); `body` is then empty. */
  stream?: Readable;
}

export interface Protocol {
  /** The operation name this request targets, or undefined when none of the model's operations matches. */
  match(model: ServiceModel, req: RawRequest): string | undefined;
  /**
   * The operation's input shape, with members taken from their locations (uri labels, query string,
   * headers, payload, body, form fields) and converted to their model types. Throws an AwsError
   * (the service's validation/parse error) when the body cannot be parsed.
   * Validation against constraints happens afterwards, in `validate.ts`, for every protocol alike.
   */
  parseInput(model: ServiceModel, operation: string, req: RawRequest): Shape;
  /** Writes a successful response (status, headers, body; streams a `Readable` payload). */
  writeOutput(model: ServiceModel, operation: string, output: Shape, requestId: string, res: ServerResponse): void | Promise<void>;
  /** Writes an error the SDK will parse into `err.name === error.code`. */
  writeError(model: ServiceModel, error: AwsError, requestId: string, res: ServerResponse): void;
}
