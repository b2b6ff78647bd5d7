/**
 * `issueLocalModelKey(label)`: a key for Local AgentCore's stand-in model, issued in this process
 * (what `npm run local -- issue-key` does in a terminal, without starting npm and a second Node
 * with tsx, a second or so in a notebook cell). Only its SHA-256 is stored, in the state folder
 * of the Local AgentCore this process's session uses (AGENTCORE_LOCAL_DIR, else the project's).
 */
import { createRequire } from "node:module";
import { localPaths } from "../local/client/paths.js";
import { PROJECT_DIR } from "../project-dir.js";
import type * as StoreModule from "../local/state/store.js";
import type * as KeysModule from "../local/standin-model/keys.js";

// require, not import(): in tslab's kernel the library runs through tsx's CommonJS hook only, and a
// dynamic import() of a .ts file would go to Node's ESM loader, which cannot load it there.
const requireHere = createRequire(import.meta.url);

export async function issueLocalModelKey(label = "default", env: NodeJS.ProcessEnv = process.env): Promise<string> {
  // Loaded on call: importing the library never loads the server's state (nor better-sqlite3).
  const { Store } = requireHere("../local/state/store.js") as typeof StoreModule;
  const { issueModelKey } = requireHere("../local/standin-model/keys.js") as typeof KeysModule;
  const store = new Store(localPaths(PROJECT_DIR, env).stateDir);
  try {
    return issueModelKey(store, label);
  } finally {
    store.close();
  }
}
