/**
 * The ledger: every resource the library creates, written next to the notebook *before* the create
 * call returns (an intent first, confirmed after). Every change is a read-modify-write under a lock
 * file (a cell and `npm run cleanup` may write at once), written atomically and fsynced. A ledger
 * that cannot be read is moved aside, never deleted. `cleanup()` deletes exactly what is in it, so a
 * crashed run is cleaned up by the next one and nothing created by someone else is ever touched.
 */
import { randomUUID } from "node:crypto";
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from "node:fs";
import { dirname, resolve } from "node:path";
import type { Session, Target } from "../session.js";
import { httpStatus, isAlreadyExists } from "./aws-errors.js";
import { withFileLock } from "./file-lock.js";

export const LEDGER_FILE = ".agentcore-ledger.json";

/** What was created; the fields identify it for deletion. */
export type LedgerResource =
  | { kind: "credential-provider"; name: string }
  | { kind: "oauth2-credential-provider"; name: string }
  | { kind: "idp-client"; clientId: string }
  | { kind: "idp-user"; username: string }
  | { kind: "cognito-user-pool"; poolName: string; userPoolId?: string }
  | { kind: "cognito-user-pool-client"; userPoolId: string; clientName: string; clientId?: string }
  | { kind: "cognito-user"; userPoolId: string; username: string }
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
    case "oauth2-credential-provider":
      return `${scope}/${kind}/${r.name}`;
    case "idp-client":
      return `${scope}/${kind}/${r.clientId}`;
    case "idp-user":
      return `${scope}/${kind}/${r.username}`;
    case "cognito-user-pool":
      // Pool names are not unique at Cognito: the name is this ledger's, the id is what it got.
      return `${scope}/${kind}/${r.poolName}`;
    case "cognito-user-pool-client":
      return `${scope}/${kind}/${r.userPoolId}/${r.clientName}`;
    case "cognito-user":
      return `${scope}/${kind}/${r.userPoolId}/${r.username}`;
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

/** A create the service answered "already exists" to. */
export interface RecordOptions<T> {
  /** What to merge into the entry from the create's answer (e.g. the runtime id). */
  extra?: (result: T) => Partial<LedgerResource>;
  /**
   * After a create the SDK retried was answered "already exists": the first attempt may have
   * created it and its answer been lost. Look the resource up and return it when it carries this
   * entry's mark (tag, client token); `undefined` when it is someone else's.
   */
  adopt?: (entry: LedgerEntry) => Promise<T | undefined>;
}

/** The ledger file could not be read; it was moved aside (never deleted) and a new one started. */
export class LedgerUnreadableError extends Error {
  constructor(
    readonly file: string,
    readonly keptAs: string,
    reason: string,
  ) {
    super(
      `The ledger ${file} could not be read (${reason}). It was moved to ${keptAs} and kept: it may list resources that still exist. ` +
        `Look at it and delete those resources yourself (or fix the JSON and move it back to ${file} while no notebook runs), then run again; a new, empty ledger is used from now on.`,
    );
    this.name = "LedgerUnreadableError";
  }
}

export class Ledger {
  readonly file: string;

  /** `dir`: the notebook's folder (default: the process's working directory). */
  constructor(dir: string = process.env.AGENTCORE_LEDGER_DIR ?? process.cwd()) {
    this.file = resolve(dir, LEDGER_FILE);
  }

  entries(): LedgerEntry[] {
    return this.update(() => false).entries;
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
    let entry: LedgerEntry | undefined;
    this.update((file) => {
      entry = file.entries.find((e) => sameResource(e, { ...resource, ...scope }));
      if (entry) return false;
      entry = { ...resource, ...scope, id: randomUUID(), state: "intent", recordedAt: new Date().toISOString() } as LedgerEntry;
      file.entries.push(entry);
      return true;
    });
    return entry!;
  }

  /** Marks an intent as created, merging what the create call returned (e.g. the runtime id). */
  confirm(id: string, extra: Partial<LedgerResource> = {}): void {
    this.update((file) => {
      const entry = file.entries.find((e) => e.id === id);
      if (!entry) return false;
      Object.assign(entry, extra, { state: "created" });
      return true;
    });
  }

  remove(id: string): void {
    this.update((file) => {
      const kept = file.entries.filter((e) => e.id !== id);
      if (kept.length === file.entries.length) return false;
      file.entries = kept;
      return true;
    });
  }

  /**
   * Records `create` around its call: intent before, confirmation after. A create that the service
   * refused (a 4xx answer) created nothing, so its intent is dropped, except an "already exists"
   * after an SDK retry that `adopt` recognizes as this very create; any other failure (network,
   * crash) keeps the intent for the next cleanup to check. `create` gets the entry, whose id marks
   * what it creates (a tag, a client token).
   */
  async record<T>(scope: LedgerScope, resource: LedgerResource, create: (entry: LedgerEntry) => Promise<T>, opts: RecordOptions<T> = {}): Promise<T> {
    const already = this.find(scope, resource);
    const entry = this.intend(scope, resource);
    try {
      const result = await create(entry);
      this.confirm(entry.id, opts.extra?.(result) ?? {});
      return result;
    } catch (e) {
      const status = httpStatus(e);
      if (isAlreadyExists(e) && attempts(e) > 1 && opts.adopt) {
        const adopted = await opts.adopt(entry);
        if (adopted !== undefined) {
          this.confirm(entry.id, opts.extra?.(adopted) ?? {});
          return adopted;
        }
      }
      if (!already && status !== undefined && status >= 400 && status < 500) this.remove(entry.id);
      throw e;
    }
  }

  /** Read-modify-write under the lock; `change` returns whether it changed the file. */
  private update(change: (file: LedgerFile) => boolean): LedgerFile {
    return withFileLock(this.file, () => {
      const file = this.read();
      if (change(file)) this.write(file);
      return file;
    });
  }

  /** Called with the lock held. */
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
      if (!Array.isArray(parsed?.entries)) throw new Error("no entries array");
      return parsed;
    } catch (e) {
      const keptAs = `${this.file}.unreadable-${new Date().toISOString().replace(/[:.]/g, "-")}`;
      renameSync(this.file, keptAs);
      throw new LedgerUnreadableError(this.file, keptAs, (e as Error).message);
    }
  }

  /** Temp file, fsync, rename, fsync of the folder: a crash leaves the old or the new ledger, whole. */
  private write(file: LedgerFile): void {
    const dir = dirname(this.file);
    mkdirSync(dir, { recursive: true });
    const tmp = `${this.file}.${process.pid}.${randomUUID().slice(0, 8)}.tmp`;
    const fd = openSync(tmp, "w", 0o600);
    try {
      writeSync(fd, JSON.stringify(file, null, 2) + "\n");
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, this.file);
    const dirFd = openSync(dir, "r");
    try {
      fsyncSync(dirFd);
    } finally {
      closeSync(dirFd);
    }
  }
}

function attempts(e: unknown): number {
  return (e as { $metadata?: { attempts?: number } })?.$metadata?.attempts ?? 1;
}

function inScope(e: LedgerEntry, scope: LedgerScope): boolean {
  if (e.target !== scope.target || e.accountId !== scope.accountId) return false;
  // IAM is global to the account; everything else lives in a region.
  const global = e.kind === "iam-role" || e.kind === "iam-role-policy";
  return global || e.region === scope.region;
}
