/**
 * The vault's secrets an agent might print (API keys of credential providers), collected so agent
 * logs can hide them even when they do not have a recognisable shape.
 */
import type { LocalServices } from "../service.js";
import { KIND_APIKEY_PROVIDER } from "../services/identity/records.js";

export function vaultedSecrets(local: LocalServices): string[] {
  const out: string[] = [];
  for (const record of local.store.list<{ secretArn?: string }>(KIND_APIKEY_PROVIDER)) {
    if (!record.secretArn) continue;
    try {
      const v = local.vault.get(record.secretArn);
      if (v) out.push(v);
    } catch {
      // An unreadable vault entry cannot leak through us either.
    }
  }
  return out;
}
