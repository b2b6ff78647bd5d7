/**
 * Where Local AgentCore lives for a project: its state folder, port and region (from
 * AGENTCORE_LOCAL_DIR, AGENTCORE_LOCAL_PORT, AGENTCORE_LOCAL_REGION) and the pid, log and env files
 * in that folder.
 */
import { join, resolve } from "node:path";
import { PROJECT_DIR } from "../../project-dir.js";
import { DEFAULT_PORT, DEFAULT_REGION } from "../defaults.js";

export interface LocalPaths {
  projectDir: string;
  stateDir: string;
  port: number;
  region: string;
  pidFile: string;
  logFile: string;
  envFile: string;
}

export function localPaths(projectDir = PROJECT_DIR, env: NodeJS.ProcessEnv = process.env): LocalPaths {
  const stateDir = env.AGENTCORE_LOCAL_DIR ? resolve(projectDir, env.AGENTCORE_LOCAL_DIR) : join(projectDir, ".agentcore-local");
  const port = env.AGENTCORE_LOCAL_PORT ? Number(env.AGENTCORE_LOCAL_PORT) : DEFAULT_PORT;
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`AGENTCORE_LOCAL_PORT must be a port number (got "${env.AGENTCORE_LOCAL_PORT}")`);
  return {
    projectDir,
    stateDir,
    port,
    region: env.AGENTCORE_LOCAL_REGION || DEFAULT_REGION,
    pidFile: join(stateDir, "server.pid"),
    logFile: join(stateDir, "server.log"),
    envFile: join(stateDir, "env"),
  };
}
