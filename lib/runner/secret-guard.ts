/**
 * The secret-leak guard: after each cell, its outputs are scanned for secrets known to the run —
 * values Local AgentCore vaulted (known here only by SHA-256 digest and length), values of
 * environment variables whose names contain KEY, SECRET, TOKEN or PASSWORD, and text shaped like
 * an AWS secret access key (the project's one secret policy, lib/secret-policy.ts). Every hit is
 * masked in place (`abc…wxyz`), so the saved notebook, the JUnit report and the failure message
 * never hold it; the caller decides whether a hit fails the run (it does, unless `--allow-secrets`).
 */
import { createHash } from "node:crypto";
import { findSecretShapes, isSecretLength, maskSecret, secretEnvValues } from "../secret-policy.js";
import type { Output } from "./notebook-file.js";

export interface SecretDigest {
  /** Hex SHA-256 of the secret's UTF-8 bytes. */
  sha256: string;
  /** Its length in UTF-8 bytes. */
  length: number;
}

/**
 * Where vault digests come from: the caller's business (the `nb` CLI asks Local AgentCore).
 * Resolves to undefined or [] when there is nothing to ask; a rejection counts as "unreachable".
 */
export type VaultDigestSource = () => Promise<SecretDigest[] | undefined>;

export type LeakKind = "vaulted secret" | "environment variable" | "AWS secret key shape";

export interface Leak {
  kind: LeakKind;
  /** The output it was in: "stdout", "display_data text/plain", "error traceback", … */
  where: string;
  /** The masked form, enough to tell which secret it was. */
  masked: string;
  /** For environment variables: the variable's name (never its value). */
  envName?: string;
}

/** Binary payloads (base64 images) are not text anyone reads a key from. */
const BINARY_MIME = /^image\/(png|jpeg|gif|webp|bmp)$/;

interface Found {
  value: string;
  leak: Omit<Leak, "where">;
}

export interface SecretGuardOptions {
  env?: NodeJS.ProcessEnv;
  vault?: VaultDigestSource;
  /** Report hits but leave the outputs as they are (`--allow-secrets`). */
  allowSecrets?: boolean;
}

export class SecretGuard {
  private readonly env: NodeJS.ProcessEnv;
  private readonly vault?: VaultDigestSource;
  private readonly allow: boolean;
  /** Digests learned so far in this run, by hash; they stay known if Local AgentCore goes away. */
  private readonly digests = new Map<string, number>();

  constructor(options: SecretGuardOptions = {}) {
    this.env = options.env ?? process.env;
    this.vault = options.vault;
    this.allow = options.allowSecrets ?? false;
  }

  /** Learns what the vault holds now (call after each cell: cells vault new secrets). */
  async refresh(): Promise<void> {
    let fresh: SecretDigest[] | undefined;
    try {
      fresh = await this.vault?.();
    } catch {
      fresh = undefined; // no Local AgentCore reachable: what we learned before still counts
    }
    for (const d of fresh ?? []) if (isSecretLength(d.length)) this.digests.set(d.sha256, d.length);
  }

  /** Scans a cell's outputs; masks every hit in place unless secrets are allowed. */
  inspect(outputs: Output[]): Leak[] {
    const leaks: Leak[] = [];
    const scan = (text: string, where: string): string => {
      const found = this.find(text);
      for (const f of found) leaks.push({ ...f.leak, where });
      if (this.allow || found.length === 0) return text;
      let out = text;
      for (const f of found.sort((a, b) => b.value.length - a.value.length)) out = out.split(f.value).join(maskSecret(f.value));
      return out;
    };
    const scanText = (v: string | string[], where: string): string | string[] => (Array.isArray(v) ? v.map((line) => scan(line, where)) : scan(v, where));
    for (const o of outputs) {
      if (o.output_type === "stream") o.text = scanText(o.text, o.name);
      else if (o.output_type === "error") {
        o.evalue = scan(o.evalue, "error message");
        o.traceback = o.traceback.map((line) => scan(line, "error traceback"));
      } else if (o.output_type === "display_data" || o.output_type === "execute_result") {
        for (const [mime, value] of Object.entries(o.data)) {
          if (BINARY_MIME.test(mime)) continue;
          if (typeof value === "string" || Array.isArray(value)) o.data[mime] = scanText(value as string | string[], `${o.output_type} ${mime}`);
          else o.data[mime] = scanJson(value, (s) => scan(s, `${o.output_type} ${mime}`));
        }
      }
    }
    return dedupe(leaks);
  }

  /** `text` with known secrets masked (for the live terminal echo); unchanged with --allow-secrets. */
  maskText(text: string): string {
    if (this.allow) return text;
    let out = text;
    for (const f of this.find(text).sort((a, b) => b.value.length - a.value.length)) out = out.split(f.value).join(maskSecret(f.value));
    return out;
  }

  /** A copy of a display bundle with known secrets masked (for the live terminal echo). */
  maskBundle<T>(data: T): T {
    return this.allow ? data : (scanJson(data, (s) => this.maskText(s)) as T);
  }

  private find(text: string): Found[] {
    const found: Found[] = [];
    const seen = new Set<string>();
    const add = (value: string, leak: Omit<Leak, "where">) => {
      if (seen.has(value)) return;
      seen.add(value);
      found.push({ value, leak });
    };
    for (const value of this.vaultedIn(text)) add(value, { kind: "vaulted secret", masked: maskSecret(value) });
    for (const { name, value } of secretEnvValues(this.env)) if (text.includes(value)) add(value, { kind: "environment variable", envName: name, masked: maskSecret(value) });
    for (const { value } of findSecretShapes(text, ["AWS secret access key"])) add(value, { kind: "AWS secret key shape", masked: maskSecret(value) });
    return found;
  }

  /** Every substring of `text` whose digest the vault reported (windows of each reported length). */
  private vaultedIn(text: string): string[] {
    if (this.digests.size === 0) return [];
    const bytes = Buffer.from(text, "utf8");
    const lengths = new Set(this.digests.values());
    const hits: string[] = [];
    for (const length of lengths) {
      for (let i = 0; i + length <= bytes.length; i++) {
        if ((bytes[i]! & 0xc0) === 0x80) continue; // a UTF-8 continuation byte starts no string
        const window = bytes.subarray(i, i + length);
        if (this.digests.get(createHash("sha256").update(window).digest("hex")) === length) {
          hits.push(window.toString("utf8"));
          i += length - 1;
        }
      }
    }
    return hits;
  }
}

function scanJson(value: unknown, scan: (s: string) => string): unknown {
  if (typeof value === "string") return scan(value);
  if (Array.isArray(value)) return value.map((v) => scanJson(v, scan));
  if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, scanJson(v, scan)]));
  return value;
}

function dedupe(leaks: Leak[]): Leak[] {
  const seen = new Set<string>();
  return leaks.filter((l) => {
    const key = `${l.kind}\n${l.envName ?? ""}\n${l.masked}\n${l.where}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** One line per leak, naming what it was (never the value). */
export function describeLeak(l: Leak): string {
  const what = l.kind === "environment variable" ? `the value of ${l.envName}` : l.kind === "vaulted secret" ? "a secret Local AgentCore holds in its vault" : "an AWS secret access key";
  return `${what} (${l.masked}) in ${l.where}`;
}
