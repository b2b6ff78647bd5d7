/**
 * The token vault: API keys and client secrets encrypted at rest.
 *
 * AES-256-GCM with a random 96-bit IV per secret and the secret ARN as additional authenticated
 * data (a ciphertext copied onto another ARN does not decrypt). The 32-byte master key lives in
 * `<stateDir>/master.key` (mode 0600), apart from the database, so a copy of `state.db` alone
 * reveals nothing. Rows live in the vault's own table on the shared store, so a vault write joins
 * the request's store transaction. A hot read (every GetResourceApiKey) reuses the encrypted row
 * while the store is unchanged, and still decrypts it on every call.
 */
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { chmodSync, closeSync, fsyncSync, linkSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from "node:fs";
import { join } from "node:path";
import { AwsError } from "../errors.js";
import type { Vault } from "../service.js";
import type { Store } from "./store.js";

const KEY_BYTES = 32;
const IV_BYTES = 12;
const MASTER_KEY_FILE = "master.key";

interface SecretRow {
  iv: Buffer;
  tag: Buffer;
  ciphertext: Buffer;
}

export function createVault(store: Store, stateDir: string): Vault {
  const db = store.db;
  db.exec("CREATE TABLE IF NOT EXISTS vault_secrets (arn TEXT PRIMARY KEY, iv BLOB, tag BLOB, ciphertext BLOB)");
  const upsert = db.prepare("INSERT OR REPLACE INTO vault_secrets (arn, iv, tag, ciphertext) VALUES (?, ?, ?, ?)");
  const select = db.prepare("SELECT iv, tag, ciphertext FROM vault_secrets WHERE arn = ?");
  const remove = db.prepare("DELETE FROM vault_secrets WHERE arn = ?");
  const anySecret = db.prepare("SELECT 1 FROM vault_secrets LIMIT 1");
  const keyPath = join(stateDir, MASTER_KEY_FILE);

  let masterKey: Buffer | undefined;
  const key = (): Buffer => (masterKey ??= loadOrCreateMasterKey(keyPath, () => anySecret.get() !== undefined));

  return {
    put(secretArn, plaintext) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv("aes-256-gcm", key(), iv);
      cipher.setAAD(Buffer.from(secretArn, "utf8"));
      const ciphertext = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
      upsert.run(secretArn, iv, cipher.getAuthTag(), ciphertext);
      store.wrote();
    },

    get(secretArn) {
      // The encrypted row is read through the store's shared reads (kept while nothing changed);
      // it is decrypted on every call, and its plaintext is never kept.
      const row = store.shared(`vault\u0000${secretArn}`, () => select.get(secretArn) as SecretRow | undefined);
      if (!row) return undefined;
      const keyBytes = key(); // outside the try: a key file problem is not a decryption failure
      try {
        const decipher = createDecipheriv("aes-256-gcm", keyBytes, row.iv);
        decipher.setAAD(Buffer.from(secretArn, "utf8"));
        decipher.setAuthTag(row.tag);
        return Buffer.concat([decipher.update(row.ciphertext), decipher.final()]).toString("utf8");
      } catch {
        // GCM authentication failed: the row was altered, or master.key is not the key it was written with.
        throw new AwsError(
          "DecryptionFailure",
          `The secret ${secretArn} could not be decrypted: its stored ciphertext was modified or ${keyPath} is not the key it was encrypted with.`,
          400,
        );
      }
    },

    delete(secretArn) {
      remove.run(secretArn);
      store.wrote();
    },
  };
}

/**
 * Fails at start-up, not on the first secret read, when the vault holds secrets its master key
 * file cannot open (missing or damaged). Never creates a key.
 */
export function checkMasterKey(store: Store, stateDir: string): void {
  const hasTable = store.db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'vault_secrets'").get() !== undefined;
  if (hasTable && store.db.prepare("SELECT 1 FROM vault_secrets LIMIT 1").get() !== undefined) {
    loadOrCreateMasterKey(join(stateDir, MASTER_KEY_FILE), () => true);
  }
}

/**
 * The vault cannot be opened: never answered by generating a new key, which would orphan every
 * secret. An AwsError (500) so the caller, not only the server log, reads what to do.
 */
export class MasterKeyError extends AwsError {
  constructor(message: string) {
    super("InternalServerException", message, 500);
  }
}

function loadOrCreateMasterKey(path: string, vaultHasSecrets: () => boolean): Buffer {
  const existing = readKeyFile(path);
  if (existing) return existing;
  if (vaultHasSecrets()) {
    throw new MasterKeyError(
      `The token vault's master key ${path} is missing, but the vault holds encrypted secrets. ` +
        `Restore master.key from the same state folder (it was created together with state.db), ` +
        `or discard all Local AgentCore state with \`npm run local -- reset\` and recreate the credential providers.`,
    );
  }
  return createKeyFile(path);
}

function readKeyFile(path: string): Buffer | undefined {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw e;
  }
  if (bytes.length !== KEY_BYTES) {
    throw new MasterKeyError(
      `The token vault's master key ${path} is ${bytes.length} bytes long, not ${KEY_BYTES}: the file is damaged. ` +
        `Restore it from a backup, or discard all Local AgentCore state with \`npm run local -- reset\`.`,
    );
  }
  // A key copied around (backup restore, cp without -p) may come back world-readable: tighten it.
  if ((statSync(path).mode & 0o077) !== 0) chmodSync(path, 0o600);
  return bytes;
}

/**
 * Writes a fresh key to a private temporary file (`wx`, 0600), then links it into place. A link,
 * unlike a rename, never replaces an existing file: if another process created the key first,
 * its key wins and is the one we use.
 */
function createKeyFile(path: string): Buffer {
  const key = randomBytes(KEY_BYTES);
  const temp = `${path}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`;
  const fd = openSync(temp, "wx", 0o600);
  try {
    writeSync(fd, key);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  chmodSync(temp, 0o600); // the mode given to open is subject to the umask; make it exact
  try {
    linkSync(temp, path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
    const winner = readKeyFile(path);
    if (!winner) throw e;
    return winner;
  } finally {
    unlinkSync(temp);
  }
  return key;
}
