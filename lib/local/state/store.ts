import Database from "better-sqlite3";
import { join } from "node:path";
import { createPrivateFile, makeStateFolderPrivate } from "../private-folder.js";

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

  get<T>(kind: string, id: string): T | undefined {
    const row = this.stmt("SELECT body FROM resources WHERE kind = ? AND id = ?").get(kind, id) as
      | { body: string }
      | undefined;
    return row ? (JSON.parse(row.body) as T) : undefined;
  }

  /** Creates or replaces. */
  put<T>(kind: string, id: string, value: T): void {
    this.stmt("INSERT OR REPLACE INTO resources (kind, id, body) VALUES (?, ?, ?)").run(kind, id, JSON.stringify(value));
  }

  /** Creates only; returns false (and changes nothing) when (kind, id) already exists. */
  insert<T>(kind: string, id: string, value: T): boolean {
    const r = this.stmt("INSERT OR IGNORE INTO resources (kind, id, body) VALUES (?, ?, ?)").run(kind, id, JSON.stringify(value));
    return r.changes === 1;
  }

  delete(kind: string, id: string): boolean {
    return this.stmt("DELETE FROM resources WHERE kind = ? AND id = ?").run(kind, id).changes === 1;
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
    return this.db.transaction(fn)();
  }

  getMeta(key: string): string | undefined {
    return (this.stmt("SELECT value FROM meta WHERE key = ?").get(key) as { value: string } | undefined)?.value;
  }

  setMeta(key: string, value: string): void {
    this.stmt("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)").run(key, value);
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  private readonly cache = new Map<string, Database.Statement>();
  private stmt(sql: string): Database.Statement {
    let s = this.cache.get(sql);
    if (!s) this.cache.set(sql, (s = this.db.prepare(sql)));
    return s;
  }
}
