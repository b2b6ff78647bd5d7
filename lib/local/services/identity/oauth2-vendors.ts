/**
 * What AgentCore Identity knows about each OAuth2 vendor: which member of the
 * `oauth2ProviderConfigInput` union configures it, and the authorization server it talks to, which
 * the service reports back as `oauthDiscovery` for the built-in vendors.
 */

export interface AuthorizationServerMetadata {
  issuer: string;
  authorizationEndpoint: string;
  tokenEndpoint: string;
  responseTypes?: string[];
}

/** The config members of `oauth2ProviderConfigInput` (and of the output union). */
export const CONFIG_KEYS = [
  "customOauth2ProviderConfig",
  "googleOauth2ProviderConfig",
  "githubOauth2ProviderConfig",
  "slackOauth2ProviderConfig",
  "salesforceOauth2ProviderConfig",
  "microsoftOauth2ProviderConfig",
  "atlassianOauth2ProviderConfig",
  "linkedinOauth2ProviderConfig",
  "includedOauth2ProviderConfig",
] as const;
export type ConfigKey = (typeof CONFIG_KEYS)[number];

/** Vendors with a config member of their own; every other vendor uses the included or custom config. */
const DEDICATED: Record<string, ConfigKey> = {
  CustomOauth2: "customOauth2ProviderConfig",
  GoogleOauth2: "googleOauth2ProviderConfig",
  GithubOauth2: "githubOauth2ProviderConfig",
  SlackOauth2: "slackOauth2ProviderConfig",
  SalesforceOauth2: "salesforceOauth2ProviderConfig",
  MicrosoftOauth2: "microsoftOauth2ProviderConfig",
  AtlassianOauth2: "atlassianOauth2ProviderConfig",
  LinkedinOauth2: "linkedinOauth2ProviderConfig",
};

/** The config members a vendor may be configured with. */
export function configKeysFor(vendor: string): ConfigKey[] {
  const own = DEDICATED[vendor];
  return own ? [own] : ["includedOauth2ProviderConfig", "customOauth2ProviderConfig"];
}

const code = ["code"];

/** The public authorization servers of the built-in vendors (from each vendor's OAuth documentation). */
export function builtInServer(key: ConfigKey, config: Record<string, unknown>): AuthorizationServerMetadata | undefined {
  switch (key) {
    case "googleOauth2ProviderConfig":
      return {
        issuer: "https://accounts.google.com",
        authorizationEndpoint: "https://accounts.google.com/o/oauth2/v2/auth",
        tokenEndpoint: "https://oauth2.googleapis.com/token",
        responseTypes: code,
      };
    case "githubOauth2ProviderConfig":
      return {
        issuer: "https://github.com",
        authorizationEndpoint: "https://github.com/login/oauth/authorize",
        tokenEndpoint: "https://github.com/login/oauth/access_token",
        responseTypes: code,
      };
    case "slackOauth2ProviderConfig":
      return {
        issuer: "https://slack.com",
        authorizationEndpoint: "https://slack.com/oauth/v2/authorize",
        tokenEndpoint: "https://slack.com/api/oauth.v2.access",
        responseTypes: code,
      };
    case "salesforceOauth2ProviderConfig":
      return {
        issuer: "https://login.salesforce.com",
        authorizationEndpoint: "https://login.salesforce.com/services/oauth2/authorize",
        tokenEndpoint: "https://login.salesforce.com/services/oauth2/token",
        responseTypes: code,
      };
    case "microsoftOauth2ProviderConfig": {
      // Without a tenant, Microsoft's multi-tenant `common` endpoints.
      const tenant = encodeURIComponent((config.tenantId as string | undefined) ?? "common");
      return {
        issuer: `https://login.microsoftonline.com/${tenant}/v2.0`,
        authorizationEndpoint: `https://login.microsoftonline.com/${tenant}/oauth2/v2.0/authorize`,
        tokenEndpoint: `https://login.microsoftonline.com/${tenant}/oauth2/v2.0/token`,
        responseTypes: code,
      };
    }
    case "atlassianOauth2ProviderConfig":
      return {
        issuer: "https://auth.atlassian.com",
        authorizationEndpoint: "https://auth.atlassian.com/authorize",
        tokenEndpoint: "https://auth.atlassian.com/oauth/token",
        responseTypes: code,
      };
    case "linkedinOauth2ProviderConfig":
      return {
        issuer: "https://www.linkedin.com/oauth",
        authorizationEndpoint: "https://www.linkedin.com/oauth/v2/authorization",
        tokenEndpoint: "https://www.linkedin.com/oauth/v2/accessToken",
        responseTypes: code,
      };
    default:
      return undefined;
  }
}
