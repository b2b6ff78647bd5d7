/**
 * Secret redaction for agent logs: the exact values Local AgentCore knows are secret (an instance's
 * role credentials and tokens, vaulted API keys) plus shapes that are secrets wherever they appear
 * (`sk-…` API keys, JWTs such as workload access tokens).
 */
const SHAPES: RegExp[] = [
  /\bsk-[A-Za-z0-9_-]{8,}/g, // OpenAI-style API keys, including the stand-in model's `sk-local-…`
  /\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]+/g, // JWTs (workload access tokens)
];

export const REDACTED = "[REDACTED]";

export class Redactor {
  private readonly secrets = new Set<string>();

  /** Remembers a value to hide (values shorter than 8 characters would hide ordinary words). */
  add(...values: (string | undefined)[]): void {
    for (const v of values) if (v && v.length >= 8) this.secrets.add(v);
  }

  redact(text: string): string {
    let out = text;
    for (const s of this.secrets) if (out.includes(s)) out = out.split(s).join(REDACTED);
    for (const re of SHAPES) out = out.replace(re, REDACTED);
    return out;
  }
}
