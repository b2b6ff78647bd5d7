/**
 * Transitional: the server-free half of this module now lives in `client/` and the server process in
 * `server-process.ts`. Only `readLocalEnv` remains here, for an importer not yet pointed at
 * `client/env-file.ts`; delete this file once nothing imports it.
 */
export { readLocalEnv } from "./client/env-file.js";
