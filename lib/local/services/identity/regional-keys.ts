/**
 * Identity resources used to be keyed by name alone, which made a name account-wide and let a
 * request signed for one region reach another region's resource. They are now keyed by their ARN.
 * This moves rows written the old way to their ARN's key, so each belongs to the region of the ARN
 * it was created with. Runs at every start; rows already keyed by ARN are left alone.
 */
import type { Store } from "../../state/store.js";
import { tokenVaultArn, type ArnScope } from "./arns.js";
import { KIND_APIKEY_PROVIDER, KIND_OAUTH2_PROVIDER, KIND_TOKEN_VAULT, KIND_WORKLOAD_IDENTITY, type TokenVaultRecord } from "./records.js";

const ARN_FIELD: Record<string, string> = {
  [KIND_APIKEY_PROVIDER]: "credentialProviderArn",
  [KIND_OAUTH2_PROVIDER]: "credentialProviderArn",
  [KIND_WORKLOAD_IDENTITY]: "workloadIdentityArn",
};

/**
 * Re-keys old rows; returns how many moved. A row whose ARN key is already taken is kept as it is
 * (and logged). The token vault's record holds no ARN: an old one becomes `home`'s (the region
 * Local AgentCore was started for, where it was configured).
 */
export function moveIdentityRowsToRegionalKeys(store: Store, home: ArnScope, log: (line: string) => void = () => {}): number {
  let moved = 0;
  const move = (kind: string, id: string, value: unknown, arn: string) => {
    if (store.insert(kind, arn, value)) {
      store.delete(kind, id);
      moved++;
    } else {
      // Never drop data: two rows for one ARN cannot both be right, so the old one stays for a person to look at.
      log(`state: ${kind} ${id} was not moved to ${arn}: a resource with that ARN exists`);
    }
  };
  store.tx(() => {
    for (const { id, value } of store.entries<TokenVaultRecord>(KIND_TOKEN_VAULT)) {
      if (!id.startsWith("arn:")) move(KIND_TOKEN_VAULT, id, value, tokenVaultArn(home, value.tokenVaultId ?? id));
    }
    for (const [kind, field] of Object.entries(ARN_FIELD)) {
      for (const { id, value } of store.entries<Record<string, unknown>>(kind)) {
        const arn = value[field];
        if (typeof arn !== "string" || !arn.startsWith("arn:") || arn === id) continue;
        move(kind, id, value, arn);
      }
    }
  });
  if (moved > 0) log(`state: ${moved} Identity resource(s) moved to region-scoped keys`);
  return moved;
}
