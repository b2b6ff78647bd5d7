/**
 * The secret-leak guard: after each cell, its outputs are scanned for secrets known to the run —
 * values Local AgentCore vaulted (known here only by SHA-256 digest and length), values of
 * environment variables whose names contain KEY, SECRET, TOKEN or PASSWORD, and text shaped like
 * an AWS secret access key or a JWT (a bearer credential: whoever reads it can use it) (the project's one secret policy, lib/secret-policy.ts). Every hit is
 * masked in place (`abc…wxyz`), so the saved notebook, the JUnit report and the failure message
 * never hold it; the caller decides whether a hit fails the run (it does, unless `--allow-secrets`).
 * A cell's outputs are read as a whole, because a secret need not sit in one string: it can be
 * split across writes, stand in metadata or an object key, hide between HTML tags or in base64.
 */
import { createHash } from "node:crypto";
import {
  findSecretShapes,
  isSecretEnvName,
  isSecretLength,
  isSecretMemberName,
  maskSecret,
  replaceSecretShapes,
  secretEnvValues,
} from "../secret-policy.js";
import type { MimeBundle, Output } from "./notebook-file.js";

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

export type LeakKind = "vaulted secret" | "environment variable" | "AWS secret key shape" | "JWT shape";

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

  /**
   * Scans a cell's outputs as a whole and masks every hit in place unless secrets are allowed.
   * Every string counts (stream text, error name, message and traceback, display data including
   * object keys, output metadata), and so do the ways a secret can be pieced together across or
   * hidden inside them: each stream's writes joined (a secret split by a write to the other stream),
   * all fields joined, HTML without its tags, and base64 decoded.
   */
  inspect(outputs: Output[]): Leak[] {
    const fields = outputFields(outputs);
    const leaks = this.scanFields(fields);
    if (!this.allow) applyEdits(fields);
    return dedupe(leaks);
  }

  /** `text` with known secrets masked (for the live terminal echo); unchanged with --allow-secrets. */
  maskText(text: string): string {
    if (this.allow) return text;
    let out = text;
    const field: Field = { text, where: "text", set: (t) => (out = t), edits: [], order: 0 };
    this.scanFields([field]);
    applyEdits([field]);
    return out;
  }

  /** A copy of a display bundle with known secrets masked (for the live terminal echo). */
  maskBundle<T>(data: T): T {
    if (this.allow) return data;
    const copy = structuredClone(data) as MimeBundle;
    const fields: Field[] = [];
    for (const mime of Object.keys(copy)) {
      if (!BINARY_MIME.test(mime)) jsonFields(copy, mime, mime, fields);
    }
    this.scanFields(fields);
    applyEdits(fields);
    return copy as T;
  }

  /**
   * Parameter values as the saved notebook may show them: a secret-named parameter (`apiKey`,
   * `dbPassword`), a value shaped like a key, or one holding a known secret is masked; the cells
   * still get the real value. Unchanged with --allow-secrets.
   */
  maskParameters(parameters: ReadonlyMap<string, unknown>): Map<string, unknown> {
    const out = new Map<string, unknown>();
    for (const [name, value] of parameters) {
      if (this.allow) out.set(name, value);
      else if (typeof value === "string" && isSecretLength(value.length) && (isSecretEnvName(name) || isSecretMemberName(name))) out.set(name, maskSecret(value));
      else if (typeof value === "string") out.set(name, this.maskText(replaceSecretShapes(value, maskSecret)));
      else out.set(name, this.maskBundle({ value }).value);
    }
    return out;
  }

  /**
   * `text` (the injected-parameters cell's source, a report) with each parameter's value as
   * maskParameters shows it, and known secrets masked.
   */
  maskParameterValues(text: string, parameters: ReadonlyMap<string, unknown>): string {
    let out = text;
    const masked = this.maskParameters(parameters);
    for (const [name, value] of parameters) {
      const shown = masked.get(name);
      if (typeof value === "string" && typeof shown === "string" && value !== shown) out = out.split(value).join(shown);
      else if (JSON.stringify(value) !== JSON.stringify(shown)) out = out.split(JSON.stringify(value)).join(JSON.stringify(shown));
    }
    return this.maskText(out);
  }

  /**
   * Finds secrets in the views of `fields` and records an edit for each hit; returns what was found.
   * Each stream's writes are read joined, all other strings both one by one (for shapes) and joined
   * (for known values), so every byte is hashed against the vault about once.
   */
  private scanFields(fields: Field[]): Leak[] {
    const leaks: Leak[] = [];
    const views: { view: View; known: boolean; shapes: boolean }[] = [];
    const streams = new Map<string, Field[]>();
    const others: Field[] = [];
    for (const f of fields) {
      if (f.stream) streams.set(f.stream, [...(streams.get(f.stream) ?? []), f]);
      else {
        others.push(f);
        views.push({ view: joined([f]), known: false, shapes: true });
      }
      if (/<[a-zA-Z/!]/.test(f.text)) views.push({ view: withoutTags(f), known: true, shapes: true });
    }
    for (const group of streams.values()) views.push({ view: joined(group), known: true, shapes: true });
    if (others.length > 0) views.push({ view: joined(others), known: true, shapes: false });
    for (const { view, known, shapes } of views) {
      for (const f of this.find(view.text, known, shapes)) {
        for (let at = view.text.indexOf(f.value); at >= 0; at = view.text.indexOf(f.value, at + f.value.length)) {
          const where = editSpan(view, at, at + f.value.length, maskSecret(f.value));
          leaks.push({ ...f.leak, where });
        }
      }
    }
    // base64 runs, long enough to hold a known value: decoded at each of the four alignments.
    const shortest = this.shortestKnown();
    if (shortest === undefined) return leaks;
    const runs = new RegExp(`[A-Za-z0-9+/_-]{${Math.max(4, Math.floor((shortest * 4) / 3))},}={0,2}`, "g");
    for (const field of fields) {
      for (const run of field.text.matchAll(runs)) {
        for (let k = 0; k < 4; k++) {
          const decoded = Buffer.from(run[0].slice(k), "base64").toString("utf8");
          const found = this.find(decoded, true, false);
          if (found.length === 0) continue;
          const masked = found.map((f) => maskSecret(f.value)).join(" ");
          field.edits.push({ from: run.index!, to: run.index! + run[0].length, text: `[base64 of ${masked}]` });
          for (const f of found) leaks.push({ ...f.leak, where: `${field.where} (base64)` });
          break;
        }
      }
    }
    return leaks;
  }

  /** Length of the shortest known secret value, in characters (undefined: none known). */
  private shortestKnown(): number | undefined {
    const lengths = [...this.digests.values(), ...secretEnvValues(this.env).map((e) => e.value.length)];
    return lengths.length === 0 ? undefined : Math.min(...lengths);
  }

  /** Known values (vaulted, secret-named environment) and, with `shapes`, AWS secret key and JWT shapes. */
  private find(text: string, known = true, shapes = true): Found[] {
    const found: Found[] = [];
    const seen = new Set<string>();
    const add = (value: string, leak: Omit<Leak, "where">) => {
      if (seen.has(value)) return;
      seen.add(value);
      found.push({ value, leak });
    };
    if (known) for (const value of this.vaultedIn(text)) add(value, { kind: "vaulted secret", masked: maskSecret(value) });
    if (known) for (const { name, value } of secretEnvValues(this.env)) if (text.includes(value)) add(value, { kind: "environment variable", envName: name, masked: maskSecret(value) });
    if (shapes) {
      for (const { shape, value } of findSecretShapes(text, ["JWT", "AWS secret access key"])) {
        add(value, { kind: shape === "JWT" ? "JWT shape" : "AWS secret key shape", masked: maskSecret(value) });
      }
    }
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

/**
 * One string the guard reads, with how to write it back. Edits are collected first and applied
 * after every view was scanned, so views that overlap (a stream alone and the stream joined) agree.
 */
interface Field {
  text: string;
  where: string;
  /** Stream name, for joining a stream's writes. */
  stream?: string;
  set(text: string): void;
  edits: { from: number; to: number; text: string }[];
  /** Object keys are renamed after their values are written (both may change). */
  order: number;
}

/** A text made of pieces of fields: piece i is `field.text.slice(from, from + length)` at view index `at`. */
interface View {
  text: string;
  pieces: { field: Field; at: number; from: number; length: number }[];
}

function joined(fields: Field[]): View {
  const view: View = { text: "", pieces: [] };
  for (const f of fields) {
    view.pieces.push({ field: f, at: view.text.length, from: 0, length: f.text.length });
    view.text += f.text;
  }
  return view;
}

/** HTML as a reader sees it: tags dropped, so `s<b></b>k-…` reads as one word. */
function withoutTags(f: Field): View {
  const view: View = { text: "", pieces: [] };
  for (const m of f.text.matchAll(/[^<]+|<[^>]*(>|$)/g)) {
    if (m[0].startsWith("<") && m[0].endsWith(">")) continue;
    view.pieces.push({ field: f, at: view.text.length, from: m.index!, length: m[0].length });
    view.text += m[0];
  }
  return view;
}

/**
 * Records the edits that mask view characters [from, to): in each field they come from, the span
 * they cover (tags between included) is replaced, by the masked form in the first field and by
 * nothing in the others. Returns the first field's `where`.
 */
function editSpan(view: View, from: number, to: number, masked: string): string {
  const spans = new Map<Field, { from: number; to: number }>();
  for (const p of view.pieces) {
    const start = Math.max(from, p.at);
    const end = Math.min(to, p.at + p.length);
    if (start >= end) continue;
    const fieldFrom = p.from + (start - p.at);
    const fieldTo = p.from + (end - p.at);
    const span = spans.get(p.field);
    if (span) span.to = fieldTo;
    else spans.set(p.field, { from: fieldFrom, to: fieldTo });
  }
  let first = true;
  let where = view.pieces[0]?.field.where ?? "text";
  for (const [f, span] of spans) {
    if (first) where = f.where;
    f.edits.push({ ...span, text: first ? masked : "" });
    first = false;
  }
  return where;
}

/** Applies each field's edits (overlapping ones merged, the first replacement kept), values before keys. */
function applyEdits(fields: Field[]): void {
  for (const f of [...fields].sort((a, b) => a.order - b.order)) {
    if (f.edits.length === 0) continue;
    const merged: Field["edits"] = [];
    for (const e of [...f.edits].sort((a, b) => a.from - b.from || b.to - a.to)) {
      const last = merged.at(-1);
      if (last && e.from < last.to) last.to = Math.max(last.to, e.to);
      else merged.push({ ...e });
    }
    let out = f.text;
    for (const e of merged.reverse()) out = out.slice(0, e.from) + e.text + out.slice(e.to);
    f.set(out);
  }
}

const textOf = (v: string | string[]) => (Array.isArray(v) ? v.join("") : v);

/** Every string of a cell's outputs, as fields. */
function outputFields(outputs: Output[]): Field[] {
  const fields: Field[] = [];
  const field = (text: string, where: string, set: (t: string) => void, stream?: string) => fields.push({ text, where, set, stream, edits: [], order: 0 });
  for (const o of outputs) {
    if (o.output_type === "stream") field(textOf(o.text), o.name, (t) => (o.text = t), o.name);
    else if (o.output_type === "error") {
      field(o.ename, "error name", (t) => (o.ename = t));
      field(o.evalue, "error message", (t) => (o.evalue = t));
      o.traceback.forEach((line, i) => field(line, "error traceback", (t) => (o.traceback[i] = t)));
    } else if (o.output_type === "display_data" || o.output_type === "execute_result") {
      for (const mime of Object.keys(o.data)) {
        if (BINARY_MIME.test(mime)) continue;
        const value = o.data[mime];
        if (Array.isArray(value) && value.every((v) => typeof v === "string")) o.data[mime] = value.join("");
        jsonFields(o.data, mime, `${o.output_type} ${mime}`, fields);
      }
      for (const key of Object.keys(o.metadata)) jsonFields(o.metadata, key, `${o.output_type} metadata`, fields);
    }
  }
  return fields;
}

/** The strings in `holder[key]` (deep), object keys included, as fields. */
function jsonFields(holder: Record<string, unknown> | unknown[], key: string | number, where: string, fields: Field[], depth = 0): void {
  const value = (holder as Record<string | number, unknown>)[key];
  if (typeof value === "string") {
    fields.push({ text: value, where, set: (t) => ((holder as Record<string | number, unknown>)[key] = t), edits: [], order: depth });
  } else if (Array.isArray(value)) {
    value.forEach((_, i) => jsonFields(value, i, where, fields, depth + 1));
  } else if (value && typeof value === "object") {
    const obj = value as Record<string, unknown>;
    for (const k of Object.keys(obj)) {
      jsonFields(obj, k, where, fields, depth + 1);
      // Renamed deepest first (after values): the key's new name keeps its place and its value.
      fields.push({ text: k, where, set: (t) => renameKey(obj, k, t), edits: [], order: 1000 - depth });
    }
  }
}

function renameKey(obj: Record<string, unknown>, from: string, to: string): void {
  const entries = Object.entries(obj).map(([k, v]): [string, unknown] => [k === from ? to : k, v]);
  for (const k of Object.keys(obj)) delete obj[k];
  Object.assign(obj, Object.fromEntries(entries));
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
