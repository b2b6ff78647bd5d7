/**
 * What the library's tests run against: a Local AgentCore of the test file's own, a library session
 * on it (no retries, so an error is seen once), the identity provider's admin client, and a folder of
 * its own for the ledger. stop() undoes all of it.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { session, type Session } from "../../lib/session.js";
import { localIdp, type LocalIdp } from "../../lib/local/client/idp.js";
import { startTestLocal, type TestLocal } from "./local.js";

export interface LibraryLocal {
  local: TestLocal;
  s: Session;
  idp: LocalIdp;
  /** The ledger's folder (a temporary one, `dirPrefix` and a random tail). */
  dir: string;
  stop(): Promise<void>;
}

export async function startLibraryLocal(dirPrefix: string): Promise<LibraryLocal> {
  const local = await startTestLocal();
  let s: Session;
  try {
    s = await session({ target: "local", endpoint: local.endpoint, credentials: local.admin, region: local.region, maxAttempts: 1 });
  } catch (e) {
    await local.stop();
    throw e;
  }
  const idp = localIdp({ endpoint: local.endpoint, region: local.region, credentials: local.admin });
  const dir = mkdtempSync(join(tmpdir(), dirPrefix));
  return {
    local,
    s,
    idp,
    dir,
    async stop() {
      s.close();
      await local.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
