/**
 * Each OAuth2 credential provider's callback URL, where the authorization server sends the
 * browser back after the user consents (the redirect URI registered with the vendor). AWS answers
 * `https://bedrock-agentcore.<region>.amazonaws.com/identities/oauth2/callback/<uuid>`, one per
 * provider. Ours is the same path on Local AgentCore's own listener (which serves the data plane
 * too), so an offline browser comes back here rather than to AWS, which knows nothing of this
 * vault. The uuid is derived from the provider's ARN and creation time: stable for the provider's
 * life, new when it is deleted and re-created. Computed per response because the port can change.
 */
import { createHash } from "node:crypto";
import type { LocalServices } from "../../service.js";
import { KIND_OAUTH2_PROVIDER, type Oauth2ProviderRecord } from "./records.js";

export const OAUTH2_CALLBACK_PATH = "/identities/oauth2/callback";

export function callbackId(record: Pick<Oauth2ProviderRecord, "credentialProviderArn" | "createdTime">): string {
  const h = createHash("sha256").update(`${record.credentialProviderArn}|${record.createdTime}`).digest("hex");
  // Shaped as a version-4-style UUID, as AWS's are.
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export const callbackUrl = (local: LocalServices, record: Pick<Oauth2ProviderRecord, "credentialProviderArn" | "createdTime">) =>
  `${local.endpoint}${OAUTH2_CALLBACK_PATH}/${callbackId(record)}`;

/** The provider whose callback this is (any region), or undefined. */
export function providerByCallbackId(local: LocalServices, id: string): Oauth2ProviderRecord | undefined {
  return local.store.list<Oauth2ProviderRecord>(KIND_OAUTH2_PROVIDER).find((r) => callbackId(r) === id);
}
