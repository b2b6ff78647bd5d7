import Database from "better-sqlite3";
import { join } from "node:path";
import { createPrivateFile, makeStateFolderPrivate } from "../private-folder.js";
import { deepFreeze } from "../deep-freeze.js";

/**
 * Local AgentCore's state: one SQLite database (WAL) in the state folder, which is made private
 * (0700, files 0600) every time a store opens it.
 *
 * Resources are JSON documents addressed by (kind, id): `put`, `get`, `list`, `delete`. Every
 * mutation of one request should run inside `tx()` so a crash (even `kill -9`) leaves either all of
 * it or none. Modules that need their own tables (the vault, S3 object index) create them on
 * `store.db` with `CREATE TABLE IF NOT EXISTS`.
 *
 * Kinds are named `<service>-<thing>` (`iam-role`, `identity-apikey-provider`, `runtime`, ...).
 *
 * Hot read-only paths (every GetResourceApiKey, every IAM decision) read through `shared()` /
 * `getShared()`: values kept while the database's change version (`version()`) stays the same, so
 * a request costs one cheap query instead of one per record, and never answers from before a
 * change. Writes must go through this class's methods (or call `wrote()`), so that a value read
 * after a write in the same turn is read again.
 */
export class Store {
  readonly db: Database.Database;
  readonly dir: string;

  /** What was made private at open (mode changes of the folder and its files), for the server log. */
  readonly tightened: string[];

  constructor(dir: string) {
    this.dir = dir;
    const tightened = makeStateFolderPrivate(dir);
    const file = join(dir, "state.db");
    createPrivateFile(file); // before SQLite creates it with the umask's mode
    this.db = new Database(file);
    this.db.pragma("journal_mode = WAL");
    // The WAL files now exist; they take the database's mode, but an old copy may not have.
    this.tightened = [...tightened, ...makeStateFolderPrivate(dir)];
    this.db.pragma("synchronous = FULL");
    this.db.pragma("busy_timeout = 5000");
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS resources (
        kind TEXT NOT NULL, id TEXT NOT NULL, body TEXT NOT NULL,
        PRIMARY KEY (kind, id)) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
    `);
  }

  /**
   * A token that moves whenever anything was committed: `data_version` when another connection
   * (another process: the CLI, a bench, a notebook's helper) commits, `total_changes()` when this
   * one writes. Read at most once per synchronous run of JavaScript (forgotten at the next
   * microtask, and at once by a write of ours): a request arriving after any change reads it anew.
   */
  version(): string {
    if (this.versionNow === undefined) {
      // Two plain statements cost less than half of one that reads pragma_data_version as a table.
      this.versionNow = `${this.stmt("PRAGMA data_version").pluck().get() as number}:${this.stmt("SELECT total_changes()").pluck().get() as number}`;
      queueMicrotask(this.forgetVersion);
    }
    return this.versionNow;
  }

  /** Tells the version memo that this connection wrote (this class's writes call it themselves). */
  wrote(): void {
    this.versionNow = undefined;
  }

  /**
   * `read()`'s value, kept under `key` while `version()` is unchanged. For reads that change
   * nothing and whose result the caller does not modify (see `getShared`).
   */
  shared<T>(key: string, read: () => T): T {
    // Inside a transaction a read may see writes that are then rolled back: never kept.
    if (this.db.inTransaction) return read();
    const version = this.version();
    if (this.sharedValues.version !== version) this.sharedValues = { version, values: new Map() };
    const values = this.sharedValues.values;
    if (values.has(key)) return values.get(key) as T;
    const value = read();
    if (values.size >= 10_000) values.clear();
    values.set(key, value);
    return value;
  }

  /** `get`, read through `shared()`: the document is frozen, as every caller shares it. */
  getShared<T>(kind: string, id: string): Readonly<T> | undefined {
    return this.shared(`resource\u0000${kind}\u0000${id}`, () => deepFreeze(this.get<T>(kind, id)));
  }

  /** `getMeta`, read through `shared()`. */
  getMetaShared(key: string): string | undefined {
    return this.shared(`meta\u0000${key}`, () => this.getMeta(key));
  }

  get<T>(kind: string, id: string): T | undefined {
    const row = this.stmt("SELECT body FROM resources WHERE kind = ? AND id = ?").get(kind, id) as
      | { body: string }
      | undefined;
    return row ? (JSON.parse(row.body) as T) : undefined;
  }

  /** Creates or replaces. */
  put<T>(kind: string, id: string, value: T): void {
    this.stmt("INSERT OR REPLACE INTO resources (kind, id, body) VALUES (?, ?, ?)").run(kind, id, JSON.stringify(value));
    this.wrote();
  }

  /** Creates only; returns false (and changes nothing) when (kind, id) already exists. */
  insert<T>(kind: string, id: string, value: T): boolean {
    const r = this.stmt("INSERT OR IGNORE INTO resources (kind, id, body) VALUES (?, ?, ?)").run(kind, id, JSON.stringify(value));
    this.wrote();
    return r.changes === 1;
  }

  delete(kind: string, id: string): boolean {
    const deleted = this.stmt("DELETE FROM resources WHERE kind = ? AND id = ?").run(kind, id).changes === 1;
    this.wrote();
    return deleted;
  }

  /** All documents of a kind, ordered by id; `idPrefix` narrows to ids starting with it. */
  list<T>(kind: string, idPrefix = ""): T[] {
    const rows = this.stmt(
      "SELECT body FROM resources WHERE kind = ? AND substr(id, 1, length(?)) = ? ORDER BY id",
    ).all(kind, idPrefix, idPrefix) as { body: string }[];
    return rows.map((r) => JSON.parse(r.body) as T);
  }

  /** Every document of a kind with its id (for migrations that re-key rows). */
  entries<T>(kind: string): { id: string; value: T }[] {
    const rows = this.stmt("SELECT id, body FROM resources WHERE kind = ? ORDER BY id").all(kind) as { id: string; body: string }[];
    return rows.map((r) => ({ id: r.id, value: JSON.parse(r.body) as T }));
  }

  /** Runs fn in one transaction (nested calls become savepoints). */
  tx<T>(fn: () => T): T {
    try {
      return this.db.transaction(fn)();
    } finally {
      this.wrote(); // committed or rolled back: read again either way
    }
  }

  getMeta(key: string): string | undefined {
    return (this.stmt("SELECT value FROM meta WHERE key = ?").get(key) as { value: string } | undefined)?.value;
  }

  setMeta(key: string, value: string): void {
    this.stmt("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)").run(key, value);
    this.wrote();
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  private versionNow: string | undefined;
  private readonly forgetVersion = () => {
    this.versionNow = undefined;
  };
  private sharedValues: { version: string; values: Map<string, unknown> } = { version: "", values: new Map() };

  private readonly cache = new Map<string, Database.Statement>();
  private stmt(sql: string): Database.Statement {
    let s = this.cache.get(sql);
    if (!s) this.cache.set(sql, (s = this.db.prepare(sql)));
    return s;
  }
}
