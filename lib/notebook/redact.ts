/**
 * Secret redaction for everything the library shows: display output, streamed agent output, logs
 * and error messages. A secret is replaced by a masked form (`sk-…a1b2`) that is enough to tell
 * which key it was, never enough to use it.
 *
 * What counts as a secret:
 * - values registered at run time with `registerSecret` (an API key a cell created, a token);
 * - values of environment variables whose names contain KEY, SECRET, TOKEN or PASSWORD (read at
 *   each call: sessions set credentials after this module loads);
 * - text shaped like a secret: OpenAI-style `sk-…` keys, AWS secret access keys (40 characters of
 *   base64 with mixed case and digits, so hex digests and ids are left alone) and JWTs (workload
 *   access tokens).
 */

const registered = new Set<string>();

/** Shorter values are not treated as secrets: masking "true" or "1" everywhere would garble output. */
const MIN_SECRET_LENGTH = 8;
const SECRET_ENV_NAME = /KEY|SECRET|TOKEN|PASSWORD/i;
/** Object members whose string values are secrets whatever they look like (`display.json({ apiKey })`). */
const SECRET_MEMBER =
  /^(api[-_]?key|secret|secret[-_]?access[-_]?key|session[-_]?token|password|token|access[-_]?token|client[-_]?secret|workload[-_]?(access|identity)[-_]?token)$/i;

const SHAPES: RegExp[] = [
  // OpenAI-style keys: sk-…, sk-proj-…, sk-local-… (Local AgentCore's stand-in model keys).
  /\bsk-[A-Za-z0-9_-]{16,}/g,
  // JWTs (workload access tokens): three base64url parts, the first one a JSON header.
  /\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g,
  // AWS secret access keys: exactly 40 base64 characters, not part of a longer run.
  /(?<![A-Za-z0-9/+=])(?=[A-Za-z0-9/+]*[a-z])(?=[A-Za-z0-9/+]*[A-Z])(?=[A-Za-z0-9/+]*[0-9])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])/g,
];

/** Treats `value` as a secret from now on (in this process). Short or empty values are ignored. */
export function registerSecret(value: string | undefined | null): void {
  if (typeof value === "string" && value.length >= MIN_SECRET_LENGTH) registered.add(value);
}

/** Forgets registered secrets (tests). */
export function clearRegisteredSecrets(): void {
  registered.clear();
}

/** `sk-…a1b2`: the first three and last four characters; short values are fully hidden. */
export function maskSecret(value: string): string {
  return value.length < 12 ? "****" : `${value.slice(0, 3)}…${value.slice(-4)}`;
}

function knownSecrets(env: NodeJS.ProcessEnv): string[] {
  const values = new Set(registered);
  for (const [name, value] of Object.entries(env)) {
    if (value && value.length >= MIN_SECRET_LENGTH && SECRET_ENV_NAME.test(name)) values.add(value);
  }
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
  for (const shape of SHAPES) out = out.replace(shape, (match) => maskSecret(match));
  return out;
}

/**
 * A copy of a JSON-like value with secrets masked: every string is redacted, and string members
 * named like secrets (`apiKey`, `secretAccessKey`, `password`, …) are masked whatever they hold.
 */
export function redactValue<T>(value: T, env: NodeJS.ProcessEnv = process.env): T {
  const seen = new WeakSet<object>();
  const walk = (v: unknown, member?: string): unknown => {
    if (typeof v === "string") return member !== undefined && SECRET_MEMBER.test(member) && v.length > 0 ? maskSecret(v) : redact(v, env);
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
