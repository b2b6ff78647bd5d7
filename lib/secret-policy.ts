/**
 * What counts as a secret, and how much of one may be shown, in one place. The runner's leak
 * guard, the notebook library's masking and Local AgentCore's agent-log redactor all decide with
 * these rules; each keeps its own output (a masked form or `[REDACTED]`) and its own list of known
 * values. Imports nothing from the project, so any of them may import it.
 *
 * When in doubt a rule leans towards masking: a harmless string masked by mistake costs a reader a
 * moment, a secret missed is a leak.
 */
import { existsSync } from "node:fs";

/** Shorter values are not secrets: hiding "true" or "1" everywhere would garble output. */
export const MIN_SECRET_LENGTH = 8;

/** A value long enough to be a secret (also used for values known by their byte length). */
export function isSecretLength(length: number): boolean {
  return length >= MIN_SECRET_LENGTH;
}

const SECRET_ENV_NAME = /KEY|SECRET|TOKEN|PASSWORD/i;

/** Environment variables whose names contain KEY, SECRET, TOKEN or PASSWORD hold secrets. */
export function isSecretEnvName(name: string): boolean {
  return SECRET_ENV_NAME.test(name);
}

/**
 * The secret values of an environment (read when asked: sessions set credentials after modules
 * load), longest first so a secret that contains another is masked whole. An existing absolute
 * path is not a secret (`SSH_KEY_PATH=/home/me/.ssh/id`, `AWS_WEB_IDENTITY_TOKEN_FILE=…`).
 */
export function secretEnvValues(env: NodeJS.ProcessEnv): { name: string; value: string }[] {
  const out: { name: string; value: string }[] = [];
  for (const [name, value] of Object.entries(env)) {
    if (!value || !isSecretLength(value.length) || !isSecretEnvName(name)) continue;
    if (value.startsWith("/") && existsSync(value)) continue;
    out.push({ name, value });
  }
  return out.sort((a, b) => b.value.length - a.value.length);
}

const SECRET_MEMBER =
  /^(api[-_]?key|secret|secret[-_]?access[-_]?key|session[-_]?token|password|token|access[-_]?token|client[-_]?secret|workload[-_]?(access|identity)[-_]?token)$/i;

/** Object members whose string values are secrets whatever they look like (`{ apiKey }`, `secretAccessKey`). */
export function isSecretMemberName(name: string): boolean {
  return SECRET_MEMBER.test(name);
}

/**
 * The masked form that may be shown (`sk-…a1b2`): the first three and last four characters, enough
 * to tell which secret it was, never enough to use it; values under 12 characters are hidden whole.
 */
export function maskSecret(value: string): string {
  return value.length < 12 ? "****" : `${value.slice(0, 3)}…${value.slice(-4)}`;
}

/** Text shaped like a secret, wherever it appears. */
export type SecretShape = "api key" | "JWT" | "AWS secret access key";

const SHAPE_PATTERNS: Record<SecretShape, RegExp> = {
  // OpenAI-style keys: sk-…, sk-proj-…, sk-local-… (Local AgentCore's stand-in model keys); also
  // short made-up test keys. `sk-` must start a word, so "task-list" is no key.
  "api key": /\bsk-[A-Za-z0-9_-]{8,}/g,
  // JWTs (workload access tokens): a base64url JSON header (`eyJ`), a payload and a signature.
  "JWT": /\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]+/g,
  // AWS secret access keys: exactly 40 base64 characters with lower case, upper case and a digit,
  // not part of a longer run, so hex digests, ids and base64 payloads are left alone.
  "AWS secret access key": /(?<![A-Za-z0-9/+=])(?=[A-Za-z0-9/+]*[a-z])(?=[A-Za-z0-9/+]*[A-Z])(?=[A-Za-z0-9/+]*[0-9])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])/g,
};

/**
 * In the order they are masked: a JWT whole before an `sk-` run inside one of its parts could break
 * it apart, and an `sk-local-…` key whole before its 40-character tail passes for an AWS secret.
 */
export const SECRET_SHAPES: readonly SecretShape[] = ["JWT", "api key", "AWS secret access key"];

/** Every piece of `text` with one of `shapes` (a subset of SECRET_SHAPES, taken in that order). */
export function findSecretShapes(text: string, shapes: readonly SecretShape[] = SECRET_SHAPES): { shape: SecretShape; value: string }[] {
  return inOrder(shapes).flatMap((shape) => [...text.matchAll(SHAPE_PATTERNS[shape])].map((m) => ({ shape, value: m[0] })));
}

/** `text` with every piece of one of `shapes` replaced by `mask(piece)`, shape by shape in SECRET_SHAPES order. */
export function replaceSecretShapes(text: string, mask: (value: string, shape: SecretShape) => string, shapes: readonly SecretShape[] = SECRET_SHAPES): string {
  let out = text;
  for (const shape of inOrder(shapes)) out = out.replace(SHAPE_PATTERNS[shape], (m) => mask(m, shape));
  return out;
}

function inOrder(shapes: readonly SecretShape[]): SecretShape[] {
  return SECRET_SHAPES.filter((s) => shapes.includes(s));
}
