/**
 * Secret redaction for agent logs: the exact values Local AgentCore knows are secret (an instance's
 * role credentials and tokens, vaulted API keys) plus shapes that are secrets wherever they appear
 * (`sk-…` API keys, JWTs such as workload access tokens), by the project's one secret policy.
 */
import { isSecretLength, replaceSecretShapes, type SecretShape } from "../../secret-policy.js";

export const REDACTED = "[REDACTED]";

/** No AWS secret-key shape: the AWS keys an agent holds (its role credentials) are added by value. */
const LOG_SHAPES: readonly SecretShape[] = ["JWT", "api key"];

/** Characters a secret shape is made of (base64, base64url, JWT dots, `sk-` dashes). */
const TOKEN_CHAR = /[A-Za-z0-9_\-.+/=]/;

export class Redactor {
  private readonly secrets = new Set<string>();

  /** Remembers a value to hide (short values would hide ordinary words). */
  add(...values: (string | undefined)[]): void {
    for (const v of values) if (v && isSecretLength(v.length)) this.secrets.add(v);
  }

  /**
   * Where a line too long to hold can be cut without splitting a secret: at or before `at`, never
   * inside an occurrence of a known secret, and never inside a run of token characters (every
   * secret shape is one, so a key or JWT goes whole into the next piece). A run that fills
   * everything before `at` is cut at `at` (no secret shape is that long).
   */
  safeCut(text: string, at: number): number {
    let cut = Math.max(0, Math.min(at, text.length));
    const start = cut;
    while (cut > 0 && TOKEN_CHAR.test(text[cut - 1]!) && TOKEN_CHAR.test(text[cut] ?? "")) cut--;
    if (cut === 0) cut = start;
    for (let moved = true; moved && cut > 0; ) {
      moved = false;
      for (const s of this.secrets) {
        const i = text.indexOf(s, Math.max(0, cut - s.length + 1));
        if (i !== -1 && i < cut && i + s.length > cut) {
          cut = i;
          moved = true;
        }
      }
    }
    return cut;
  }

  redact(text: string): string {
    let out = text;
    for (const s of this.secrets) if (out.includes(s)) out = out.split(s).join(REDACTED);
    return replaceSecretShapes(out, () => REDACTED, LOG_SHAPES);
  }
}
