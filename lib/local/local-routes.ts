/**
 * The paths of Local AgentCore's own routes (`/_local/…`, never SigV4-routed to a service), shared
 * by the server that serves them and the clients that call them.
 */
export const HEALTH_PATH = "/_local/health";
/** Digests of vaulted secrets, for the notebook runner's leak guard (admin only). */
export const VAULT_DIGESTS_PATH = "/_local/admin/vault-digests";
/** `<path>/<instance id>`: an agent instance's execution-role credentials. */
export const ROLE_CREDENTIALS_PATH = "/_local/role-credentials";
/** The OpenAI-compatible stand-in model's base path (`…/chat/completions`, `…/models`). */
export const STANDIN_MODEL_PATH = "/_local/openai/v1";
/** The built-in identity provider (OAuth2/OIDC authorization server; no SigV4). */
export const IDP_PATH = "/_local/idp";
/** The calendar stand-in, a protected resource API for the identity provider's tokens (bearer tokens). */
export const CALENDAR_PATH = "/_local/calendar";
/** `<path>/users`, `<path>/clients`: the identity provider's users and clients (admin, SigV4). */
export const IDP_ADMIN_PATH = "/_local/admin/idp";
