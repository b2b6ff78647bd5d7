/**
 * Secret redaction for everything the library shows: display output, streamed agent output, logs
 * and error messages. A secret is replaced by a masked form (`sk-…a1b2`) that is enough to tell
 * which key it was, never enough to use it.
 *
 * What counts as a secret is the project's one secret policy (lib/secret-policy.ts):
 * - values registered at run time with `registerSecret` (an API key a cell created, a token);
 * - values of environment variables named like secrets (read at each call: sessions set
 *   credentials after this module loads);
 * - text shaped like a secret: `sk-…` API keys, JWTs (workload access tokens) and AWS secret
 *   access keys;
 * - in objects, string members named like secrets (`apiKey`, `secretAccessKey`, `password`, …).
 */
import { isSecretLength, isSecretMemberName, maskSecret, replaceSecretShapes, secretEnvValues } from "../secret-policy.js";

/** The masked form cells may print (`sk-…a1b2`); part of the library's surface. */
export { maskSecret } from "../secret-policy.js";

const registered = new Set<string>();

/** Treats `value` as a secret from now on (in this process). Short or empty values are ignored. */
export function registerSecret(value: string | undefined | null): void {
  if (typeof value === "string" && isSecretLength(value.length)) registered.add(value);
}

/** Forgets registered secrets (tests). */
export function clearRegisteredSecrets(): void {
  registered.clear();
}

function knownSecrets(env: NodeJS.ProcessEnv): string[] {
  const values = new Set(registered);
  for (const { value } of secretEnvValues(env)) values.add(value);
  // Longest first, so a secret that contains another is masked whole.
  return [...values].sort((a, b) => b.length - a.length);
}

/** `text` with every secret in it masked. */
export function redact(text: string, env: NodeJS.ProcessEnv = process.env): string {
  let out = text;
  for (const secret of knownSecrets(env)) {
    // Repeat: masking can put a secret back together from the text around it ("ab" + "ab…" ).
    // Each pass shortens the text (a mask is shorter than its secret), so this ends.
    while (out.includes(secret)) out = out.split(secret).join(maskSecret(secret));
  }
  return replaceSecretShapes(out, maskSecret);
}

/**
 * A copy of a JSON-like value with secrets masked: every string is redacted, and string members
 * named like secrets (`apiKey`, `secretAccessKey`, `password`, …) are masked whatever they hold.
 */
export function redactValue<T>(value: T, env: NodeJS.ProcessEnv = process.env): T {
  const seen = new WeakSet<object>();
  const walk = (v: unknown, member?: string): unknown => {
    if (typeof v === "string") return member !== undefined && isSecretMemberName(member) && v.length > 0 ? maskSecret(v) : redact(v, env);
    if (v === null || typeof v !== "object") return v;
    if (seen.has(v)) return "[Circular]";
    seen.add(v);
    if (Array.isArray(v)) return v.map((item) => walk(item));
    if (v instanceof Date) return v;
    if (v instanceof Uint8Array) return v;
    const copy: Record<string, unknown> = {};
    for (const [k, item] of Object.entries(v)) copy[k] = walk(item, k);
    return copy;
  };
  return walk(value) as T;
}
