/**
 * What Local AgentCore's server and its client agree on without importing each other: the port
 * and region it uses unless told otherwise, and its version (the package's).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { PROJECT_DIR } from "../project-dir.js";

export const DEFAULT_PORT = 4599;
export const DEFAULT_REGION = "us-east-1";

export const LOCAL_VERSION: string = (() => {
  try {
    return (JSON.parse(readFileSync(join(PROJECT_DIR, "package.json"), "utf8")) as { version: string }).version;
  } catch {
    return "0.0.0";
  }
})();
