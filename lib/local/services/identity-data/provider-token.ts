/**
 * A provider's token for a flow that needs no user consent (M2M, on-behalf-of): the one kept in the
 * vault while it is valid, else a new one from the provider's token endpoint, kept for next time.
 * Each outcome is logged with `where` (which provider, workload and flow).
 */
import { AwsError } from "../../errors.js";
import type { RequestContext, Shape } from "../../service.js";
import type { ResolvedOauth2Provider } from "../identity/oauth2-providers.js";
import type { IssuedToken } from "./client-credentials.js";
import { providerEndpoints } from "./provider-endpoints.js";
import type { TokenEndpoint } from "./token-endpoint.js";
import { createTokenCache } from "./token-cache.js";

export async function vaultedOrIssuedToken(
  ctx: RequestContext,
  provider: ResolvedOauth2Provider,
  key: string,
  where: string,
  issue: (endpoint: TokenEndpoint) => Promise<IssuedToken>,
): Promise<Shape> {
  const cache = createTokenCache({ vault: ctx.local.vault, store: ctx.local.store, now: () => ctx.local.now().getTime() });
  const cached = cache.get(key);
  if (cached !== undefined) {
    ctx.local.log(`[${ctx.requestId}] GetResourceOauth2Token allowed: ${where}, from the token vault)`);
    return { accessToken: cached };
  }
  const endpoint = await providerEndpoints(ctx, provider);
  try {
    const issued = await issue(endpoint);
    ctx.local.store.tx(() => cache.put(key, issued.accessToken, issued.expiresIn));
    ctx.local.log(`[${ctx.requestId}] GetResourceOauth2Token allowed: ${where}, from ${endpoint.url})`);
    return { accessToken: issued.accessToken };
  } catch (e) {
    if (e instanceof AwsError) ctx.local.log(`[${ctx.requestId}] GetResourceOauth2Token failed: ${where}): ${e.message}`);
    throw e;
  }
}
