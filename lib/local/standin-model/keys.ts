/**
 * API keys for the stand-in model. Only keys issued here are accepted, so a successful offline run
 * proves the key really travelled vault → agent → model. Only a SHA-256 of each key is stored.
 */
import { createHash, randomBytes } from "node:crypto";
import type { Store } from "../state/store.js";

const KIND = "standin-model-key";
const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

const digest = (key: string) => createHash("sha256").update(key).digest("hex");

/** A new key, `sk-local-` followed by 40 random characters. */
export function issueModelKey(store: Store, label = "default"): string {
  const bytes = randomBytes(40);
  const key = "sk-local-" + Array.from(bytes, (b) => ALPHABET[b % ALPHABET.length]).join("");
  store.put(KIND, digest(key), { label, createdAt: new Date().toISOString() });
  return key;
}

export function isIssuedModelKey(store: Store, key: string): boolean {
  return key.startsWith("sk-local-") && store.get(KIND, digest(key)) !== undefined;
}

/** `sk-l…a1b2`: enough to recognise a key, never enough to use it. */
export function maskKey(key: string): string {
  return key.length <= 8 ? "****" : `${key.slice(0, 4)}…${key.slice(-4)}`;
}
