/**
 * Secret redaction for agent logs: the exact values Local AgentCore knows are secret (an instance's
 * role credentials and tokens, vaulted API keys) plus shapes that are secrets wherever they appear
 * (`sk-…` API keys, JWTs such as workload access tokens), by the project's one secret policy.
 */
import { isSecretLength, replaceSecretShapes, type SecretShape } from "../../secret-policy.js";

export const REDACTED = "[REDACTED]";

/** No AWS secret-key shape: the AWS keys an agent holds (its role credentials) are added by value. */
const LOG_SHAPES: readonly SecretShape[] = ["JWT", "api key"];

export class Redactor {
  private readonly secrets = new Set<string>();

  /** Remembers a value to hide (short values would hide ordinary words). */
  add(...values: (string | undefined)[]): void {
    for (const v of values) if (v && isSecretLength(v.length)) this.secrets.add(v);
  }

  redact(text: string): string {
    let out = text;
    for (const s of this.secrets) if (out.includes(s)) out = out.split(s).join(REDACTED);
    return replaceSecretShapes(out, () => REDACTED, LOG_SHAPES);
  }
}
