/**
 * AgentCore Identity's control plane (part of the `bedrock-agentcore-control` model): API-key and
 * OAuth2 credential providers with their secrets in the token vault, workload identities, and the
 * token vault itself. The data plane reads providers through `getApiKeyForProvider` and
 * `getOauth2ProviderSecret`; the runtime host's log redaction and the runner's leak guard get the
 * vaulted secrets through `vaultedSecrets` / `vaultedSecretDigests`.
 */
import type { ServiceImpl } from "../../service.js";
import { apiKeyProviderOperations } from "./apikey-providers.js";
import { oauth2ProviderOperations } from "./oauth2-providers.js";
import { tokenVaultOperations } from "./token-vault.js";
import { workloadIdentityOperations } from "./workload-identities.js";

export { getApiKeyForProvider, type ResolvedApiKey } from "./apikey-providers.js";
export { getOauth2ProviderSecret, type ResolvedOauth2Provider } from "./oauth2-providers.js";
export { vaultedSecrets, vaultedSecretDigests, type SecretDigest } from "./vaulted-secrets.js";

export const identity: ServiceImpl = {
  model: "bedrock-agentcore-control",
  operations: {
    ...apiKeyProviderOperations,
    ...oauth2ProviderOperations,
    ...workloadIdentityOperations,
    ...tokenVaultOperations,
  },
};
