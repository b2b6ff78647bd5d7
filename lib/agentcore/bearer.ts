/**
 * Calling a runtime that has a JWT authorizer (`customJWTAuthorizer`): such a runtime takes
 * `Authorization: Bearer <jwt>` instead of SigV4 and refuses signed requests. The AWS SDK only
 * signs, so this plugin takes SigV4 out of the client (no AWS credentials are looked up or needed)
 * and sets the bearer token instead, and the ordinary `InvokeAgentRuntimeCommand` works, on AWS
 * and offline:
 *
 *   const client = new BedrockAgentCoreClient({ region });
 *   useBearerToken(client, accessToken);
 *   await client.send(new InvokeAgentRuntimeCommand({ agentRuntimeArn, payload, runtimeSessionId }));
 *
 * Do not also send `runtimeUserId`: the user is the token's.
 */
import type { FinalizeHandler, FinalizeHandlerArguments, MetadataBearer, Pluggable } from "@smithy/types";

const SIGNING_HEADERS = ["authorization", "x-amz-date", "x-amz-security-token", "x-amz-content-sha256"];

/** A token, or a function that returns the current one (called per request, e.g. to refresh it). */
export type BearerTokenSource = string | (() => string | Promise<string>);

/** The middleware as a plugin: `client.middlewareStack.use(bearerTokenPlugin(token))`. */
export function bearerTokenPlugin(token: BearerTokenSource): Pluggable<object, MetadataBearer> {
  return {
    applyToStack(stack) {
      // The SDK's auth: choosing a scheme resolves AWS credentials, signing uses them. Neither applies.
      stack.remove("httpAuthSchemeMiddleware");
      stack.remove("httpSigningMiddleware");
      stack.add(
        (next: FinalizeHandler<object, MetadataBearer>) => async (args: FinalizeHandlerArguments<object>) => {
          const request = args.request as { headers?: Record<string, string> };
          if (request.headers) {
            for (const name of Object.keys(request.headers)) {
              if (SIGNING_HEADERS.includes(name.toLowerCase())) delete request.headers[name];
            }
            request.headers.authorization = `Bearer ${typeof token === "function" ? await token() : token}`;
          }
          return next(args);
        },
        { step: "finalizeRequest", name: "agentcoreKitBearerToken", override: true },
      );
    },
  };
}

/** Makes every request of `client` carry `Authorization: Bearer <token>` instead of a SigV4 signature. */
export function useBearerToken(client: { middlewareStack: { use(p: Pluggable<any, any>): void } }, token: BearerTokenSource): void {
  client.middlewareStack.use(bearerTokenPlugin(token));
}
