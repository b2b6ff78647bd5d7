/**
 * The ledger: every resource the library creates, written next to the notebook *before* the create
 * call returns (an intent first, confirmed after), atomically (temp file + rename). `cleanup()`
 * deletes exactly what is in it, so a crashed run is cleaned up by the next one and nothing created
 * by someone else is ever touched.
 */
import { randomUUID } from "node:crypto";
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import type { Session, Target } from "../session.js";

export const LEDGER_FILE = ".agentcore-ledger.json";

/** What was created; the fields identify it for deletion. */
export type LedgerResource =
  | { kind: "credential-provider"; name: string }
  | { kind: "iam-role"; roleName: string }
  | { kind: "iam-role-policy"; roleName: string; policyName: string }
  | { kind: "ecr-repository"; repositoryName: string }
  | { kind: "ecr-image"; repositoryName: string; imageTag: string }
  | { kind: "s3-bucket"; bucket: string }
  | { kind: "s3-object"; bucket: string; key: string }
  | { kind: "agent-runtime"; agentRuntimeName: string; agentRuntimeId?: string };

export type LedgerEntry = LedgerResource & {
  id: string;
  /** `intent`: the create call was about to be sent; it may or may not have happened. */
  state: "intent" | "created";
  target: Target;
  region: string;
  accountId: string;
  recordedAt: string;
};

interface LedgerFile {
  version: 1;
  entries: LedgerEntry[];
}

/** Where resources of this target/account/region are recorded. */
export interface LedgerScope {
  target: Target;
  region: string;
  accountId: string;
}

export async function scopeOf(s: Session): Promise<LedgerScope> {
  return { target: s.target, region: s.region, accountId: await s.accountId() };
}

/** Two entries name the same resource (ignoring state and id). */
export function sameResource(a: LedgerResource & Partial<LedgerScope>, b: LedgerResource & Partial<LedgerScope>): boolean {
  return identity(a) === identity(b);
}

function identity(r: LedgerResource & Partial<LedgerScope>): string {
  const { kind } = r;
  const scope = `${r.target ?? ""}/${r.accountId ?? ""}/${r.region ?? ""}`;
  switch (r.kind) {
    case "credential-provider":
      return `${scope}/${kind}/${r.name}`;
    case "iam-role":
      // IAM is global: a role is the same in every region of the account.
      return `${r.target ?? ""}/${r.accountId ?? ""}/${kind}/${r.roleName}`;
    case "iam-role-policy":
      return `${r.target ?? ""}/${r.accountId ?? ""}/${kind}/${r.roleName}/${r.policyName}`;
    case "ecr-repository":
      return `${scope}/${kind}/${r.repositoryName}`;
    case "ecr-image":
      return `${scope}/${kind}/${r.repositoryName}:${r.imageTag}`;
    case "s3-bucket":
      return `${r.target ?? ""}/${r.accountId ?? ""}/${kind}/${r.bucket}`;
    case "s3-object":
      return `${r.target ?? ""}/${r.accountId ?? ""}/${kind}/${r.bucket}/${r.key}`;
    case "agent-runtime":
      return `${scope}/${kind}/${r.agentRuntimeName}`;
  }
}

export class Ledger {
  readonly file: string;

  /** `dir`: the notebook's folder (default: the process's working directory). */
  constructor(dir: string = process.env.AGENTCORE_LEDGER_DIR ?? process.cwd()) {
    this.file = resolve(dir, LEDGER_FILE);
  }

  entries(): LedgerEntry[] {
    return this.read().entries;
  }

  /** Entries of one target/account/region (IAM entries: of every region of the account). */
  entriesFor(scope: LedgerScope): LedgerEntry[] {
    return this.entries().filter((e) => inScope(e, scope));
  }

  find(scope: LedgerScope, resource: LedgerResource): LedgerEntry | undefined {
    return this.entries().find((e) => sameResource(e, { ...resource, ...scope }));
  }

  /** Writes an intent (or returns the existing entry for the same resource). */
  intend(scope: LedgerScope, resource: LedgerResource): LedgerEntry {
    const file = this.read();
    const existing = file.entries.find((e) => sameResource(e, { ...resource, ...scope }));
    if (existing) return existing;
    const entry = { ...resource, ...scope, id: randomUUID(), state: "intent", recordedAt: new Date().toISOString() } as LedgerEntry;
    file.entries.push(entry);
    this.write(file);
    return entry;
  }

  /** Marks an intent as created, merging what the create call returned (e.g. the runtime id). */
  confirm(id: string, extra: Partial<LedgerResource> = {}): void {
    const file = this.read();
    const entry = file.entries.find((e) => e.id === id);
    if (!entry) return;
    Object.assign(entry, extra, { state: "created" });
    this.write(file);
  }

  remove(id: string): void {
    const file = this.read();
    const kept = file.entries.filter((e) => e.id !== id);
    if (kept.length !== file.entries.length) this.write({ ...file, entries: kept });
  }

  /**
   * Records `create` around its call: intent before, confirmation after. A create that the service
   * refused (a 4xx answer) created nothing, so its intent is dropped; any other failure (network,
   * crash) keeps the intent for the next cleanup to check.
   */
  async record<T>(scope: LedgerScope, resource: LedgerResource, create: () => Promise<T>, extra?: (result: T) => Partial<LedgerResource>): Promise<T> {
    const already = this.find(scope, resource);
    const entry = this.intend(scope, resource);
    try {
      const result = await create();
      this.confirm(entry.id, extra?.(result) ?? {});
      return result;
    } catch (e) {
      const status = (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
      if (!already && status !== undefined && status >= 400 && status < 500) this.remove(entry.id);
      throw e;
    }
  }

  private read(): LedgerFile {
    let text: string;
    try {
      text = readFileSync(this.file, "utf8");
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return { version: 1, entries: [] };
      throw e;
    }
    try {
      const parsed = JSON.parse(text) as LedgerFile;
      if (!Array.isArray(parsed.entries)) throw new Error("no entries array");
      return parsed;
    } catch (e) {
      throw new Error(`The ledger ${this.file} is not valid JSON (${(e as Error).message}). Fix or remove it; it lists what cleanup() deletes.`);
    }
  }

  private write(file: LedgerFile): void {
    mkdirSync(dirname(this.file), { recursive: true });
    const tmp = `${this.file}.${process.pid}.${randomUUID().slice(0, 8)}.tmp`;
    writeFileSync(tmp, JSON.stringify(file, null, 2) + "\n");
    renameSync(tmp, this.file);
  }
}

function inScope(e: LedgerEntry, scope: LedgerScope): boolean {
  if (e.target !== scope.target || e.accountId !== scope.accountId) return false;
  // IAM is global to the account; everything else lives in a region.
  const global = e.kind === "iam-role" || e.kind === "iam-role-policy";
  return global || e.region === scope.region;
}
