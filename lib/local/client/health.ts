/** Whether Local AgentCore runs: its health endpoint, and the status the pid file and health give together. */
import { HEALTH_PATH } from "../local-routes.js";
import { readPidFile, isAlive, isOurs } from "./pid-file.js";
import type { LocalPaths } from "./paths.js";

export interface Health {
  status: string;
  accountId: string;
  version: string;
  region?: string;
  /** The services it serves, by AWS model name, with how many operations each implements. */
  services?: { model: string; operations: number }[];
  /** The runtime host: how many agent instances run now. */
  runtimeHost?: { instances: number };
}

export interface LocalStatus {
  running: boolean;
  endpoint: string;
  pid?: number;
  health?: Health;
}

export async function checkHealth(endpoint: string, timeoutMs = 1500): Promise<Health | undefined> {
  try {
    const res = await fetch(`${endpoint}${HEALTH_PATH}`, { signal: AbortSignal.timeout(timeoutMs) });
    if (!res.ok) return undefined;
    const body = (await res.json()) as Health;
    return body.status === "ok" ? body : undefined;
  } catch {
    return undefined;
  }
}

export async function localStatus(paths: LocalPaths): Promise<LocalStatus> {
  const pf = readPidFile(paths);
  const endpoint = pf?.endpoint ?? `http://127.0.0.1:${paths.port}`;
  if (!pf || !isOurs(pf.pid)) return { running: false, endpoint };
  // Our process is alive: a busy machine may answer slowly, so give it a few tries before
  // concluding it is unhealthy (a wrong "not running" leads to a confusing "port in use").
  let health: Health | undefined;
  for (let attempt = 0; attempt < 4 && !health; attempt++) {
    health = await checkHealth(endpoint, 1500 + attempt * 1500);
    if (!health && !isAlive(pf.pid)) break;
  }
  return { running: !!health, endpoint, pid: pf.pid, health };
}
