/**
 * Offline, the built-in vendors (Google, GitHub, Slack, Salesforce, Microsoft, Atlassian, LinkedIn)
 * are played by Local AgentCore's own identity provider: their providers still report the vendor's
 * real endpoints (what AWS reports, so code that reads them behaves the same), but tokens come from
 * the identity provider, with a client registered there (`npm run local -- idp create-client`).
 * Custom and included providers use the endpoints they were configured with.
 */
import type { LocalServices } from "../../service.js";
import { idpEndpoints } from "../../idp/paths.js";
import type { TokenEndpoint } from "./token-endpoint.js";
import { CONFIG_KEYS } from "../identity/oauth2-vendors.js";

// Every built-in vendor (the custom and "included" configurations name their own endpoints).
const STAND_IN_FOR = new Set<string>(CONFIG_KEYS.filter((k) => k !== "customOauth2ProviderConfig" && k !== "includedOauth2ProviderConfig"));

/** The identity provider's token endpoint when it stands in for the provider's vendor, else undefined. */
export function offlineVendorTokenEndpoint(local: LocalServices, configKey: string): TokenEndpoint | undefined {
  if (!STAND_IN_FOR.has(configKey)) return undefined;
  const idp = idpEndpoints(local.endpoint);
  return { url: idp.tokenEndpoint, authMethods: ["client_secret_basic", "client_secret_post"], authorizationEndpoint: idp.authorizationEndpoint };
}
