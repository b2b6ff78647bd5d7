/**
 * Finding a runtime or endpoint for a request: in the request's account and region, with due
 * status transitions completed, or AWS's ResourceNotFoundException. Also the errors and page size
 * the runtime list operations share.
 */
import { AwsError } from "../../errors.js";
import type { RequestContext } from "../../service.js";
import { endpointArn, runtimeArn } from "./ids.js";
import type { RuntimeEndpointRecord, RuntimeRecord } from "./records.js";
import { readEndpoint, readRuntime } from "./status.js";

export const runtimeArnFor = (ctx: RequestContext, runtimeId: string) => runtimeArn(ctx.region, ctx.accountId, runtimeId);
export const endpointArnFor = (ctx: RequestContext, runtimeId: string, name: string) =>
  endpointArn(runtimeArnFor(ctx, runtimeId), name);

export const notFound = (message: string) => new AwsError("ResourceNotFoundException", message, 404);
export const conflict = (message: string) => new AwsError("ConflictException", message, 409);

/** The page size of list operations when `maxResults` is omitted. */
export const DEFAULT_MAX_RESULTS = 100;

export const invalidNextToken = () =>
  new AwsError("ValidationException", "Invalid nextToken: pass the nextToken of the previous page unchanged.", 400, {
    reason: "FieldValidationFailed",
    fieldList: [{ name: "nextToken", message: "Invalid pagination token" }],
  });

export function findRuntime(ctx: RequestContext, runtimeId: string): RuntimeRecord {
  const runtime = readRuntime(ctx.local, runtimeId);
  if (!runtime || runtime.region !== ctx.region || runtime.accountId !== ctx.accountId) {
    throw notFound(`No agent runtime with id ${runtimeId} exists in ${ctx.region}.`);
  }
  return runtime;
}

export function findEndpoint(ctx: RequestContext, runtimeId: string, name: string): RuntimeEndpointRecord {
  findRuntime(ctx, runtimeId);
  const endpoint = readEndpoint(ctx.local, runtimeId, name);
  if (!endpoint) throw notFound(`Agent runtime ${runtimeId} has no endpoint named ${name}.`);
  return endpoint;
}
