/**
 * Secrets Local AgentCore hands out beyond the providers' own (the identity provider's client
 * secrets, cached M2M and on-behalf-of access tokens, users' 3LO access and refresh tokens, the
 * users' inbound JWTs held for on-behalf-of exchanges), for the agent-log
 * redactor and the notebook runner's leak guard, next to the vaulted provider secrets.
 */
import { createHash } from "node:crypto";
import type { LocalServices } from "../../service.js";
import { createDirectory } from "../../idp/directory.js";
import { cachedTokens } from "./token-cache.js";
import { userTokenSecrets } from "./user-tokens.js";
import { inboundUserTokenSecrets } from "./inbound-user-tokens.js";

export function issuedSecrets(local: LocalServices): string[] {
  const directory = createDirectory(local);
  const clientSecrets = directory.listClients().flatMap((c) => {
    try {
      const s = directory.clientSecret(c.clientId);
      return s === undefined ? [] : [s];
    } catch {
      return [];
    }
  });
  return [...clientSecrets, ...cachedTokens(local), ...userTokenSecrets(local), ...inboundUserTokenSecrets(local)];
}

export function digestsOf(values: string[]): { sha256: string; length: number }[] {
  return values.map((v) => {
    const bytes = Buffer.from(v, "utf8");
    return { sha256: createHash("sha256").update(bytes).digest("hex"), length: bytes.length };
  });
}
