/**
 * A provider's token and authorization endpoints: the identity provider's when it plays a built-in
 * vendor offline (said in the log), else the provider's own metadata or discovery document.
 */
import type { LocalServices, RequestContext } from "../../service.js";
import type { ResolvedOauth2Provider } from "../identity/oauth2-providers.js";
import { createTokenEndpointResolver, type TokenEndpoint } from "./token-endpoint.js";
import { offlineVendorTokenEndpoint } from "./vendor-offline.js";

const resolvers = new WeakMap<LocalServices, ReturnType<typeof createTokenEndpointResolver>>();
const resolverFor = (local: LocalServices) => {
  let r = resolvers.get(local);
  if (!r) resolvers.set(local, (r = createTokenEndpointResolver({ now: () => local.now().getTime() })));
  return r;
};

export async function providerEndpoints(
  ctx: Pick<RequestContext, "local" | "requestId">,
  provider: Pick<ResolvedOauth2Provider, "configKey" | "config" | "credentialProviderVendor">,
): Promise<TokenEndpoint> {
  const standIn = offlineVendorTokenEndpoint(ctx.local, provider.configKey);
  if (standIn) ctx.local.log(`[${ctx.requestId}] ${provider.credentialProviderVendor} is played offline by Local AgentCore's identity provider (${standIn.url})`);
  return standIn ?? (await resolverFor(ctx.local)(provider.config));
}
