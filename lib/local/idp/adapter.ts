/**
 * oidc-provider's storage adapter. Clients come from the directory (their secret from the vault).
 * Everything short-lived (sessions, interactions, codes, access and refresh tokens, grants) lives in
 * memory: a token id is the token itself for opaque tokens, so it is kept out of the state folder,
 * and a restart signs everyone out, which is what a local stand-in should do.
 */
import type { Adapter, AdapterPayload } from "oidc-provider";
import type { Directory } from "./directory.js";

interface Entry {
  payload: AdapterPayload;
  expiresAt?: number;
}

export function createAdapterFactory(directory: Directory, now: () => number) {
  const memory = new Map<string, Entry>();

  return (model: string): Adapter => {
    const key = (id: string) => `${model}:${id}`;
    const live = (k: string): AdapterPayload | undefined => {
      const e = memory.get(k);
      if (!e) return undefined;
      if (e.expiresAt !== undefined && e.expiresAt <= now()) {
        memory.delete(k);
        return undefined;
      }
      return e.payload;
    };

    if (model === "Client") {
      return {
        async find(id) {
          const client = directory.getClient(id);
          if (!client) return undefined;
          const secret = client.confidential ? directory.clientSecret(id) : undefined;
          return {
            client_id: client.clientId,
            ...(secret !== undefined ? { client_secret: secret } : {}),
            grant_types: client.grantTypes,
            redirect_uris: client.redirectUris,
            response_types: client.grantTypes.includes("authorization_code") ? ["code"] : [],
            scope: client.scope,
            token_endpoint_auth_method: client.confidential ? "client_secret_basic" : "none",
          } as AdapterPayload;
        },
        async upsert() {},
        async findByUid() { return undefined; },
        async findByUserCode() { return undefined; },
        async consume() {},
        async destroy() {},
        async revokeByGrantId() {},
      };
    }

    return {
      async upsert(id, payload, expiresIn) {
        memory.set(key(id), { payload, ...(expiresIn ? { expiresAt: now() + expiresIn * 1000 } : {}) });
        if (payload.grantId) memory.set(`grant:${payload.grantId}:${key(id)}`, { payload: { id: key(id) } as AdapterPayload });
        if (payload.uid) memory.set(`uid:${model}:${payload.uid}`, { payload: { id } as AdapterPayload });
        if (payload.userCode) memory.set(`usercode:${model}:${payload.userCode}`, { payload: { id } as AdapterPayload });
      },
      async find(id) {
        return live(key(id));
      },
      async findByUid(uid) {
        const ref = memory.get(`uid:${model}:${uid}`);
        return ref ? live(key(ref.payload.id as string)) : undefined;
      },
      async findByUserCode(userCode) {
        const ref = memory.get(`usercode:${model}:${userCode}`);
        return ref ? live(key(ref.payload.id as string)) : undefined;
      },
      async consume(id) {
        const p = live(key(id));
        if (p) p.consumed = Math.floor(now() / 1000);
      },
      async destroy(id) {
        memory.delete(key(id));
      },
      async revokeByGrantId(grantId) {
        const prefix = `grant:${grantId}:`;
        for (const k of [...memory.keys()]) {
          if (!k.startsWith(prefix)) continue;
          memory.delete(memory.get(k)!.payload.id as string);
          memory.delete(k);
        }
      },
    };
  };
}
