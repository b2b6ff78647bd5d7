/** Stopping the background Local AgentCore, and resetting it (stop, then delete its state folder). */
import { rmSync, unlinkSync } from "node:fs";
import type { LocalPaths } from "./paths.js";
import { isAlive, isOurs, readPidFile } from "./pid-file.js";

/** Stops the background process (SIGTERM, then SIGKILL after 5 s). Returns its pid, or undefined if none ran. */
export async function stopLocal(paths: LocalPaths): Promise<number | undefined> {
  const pf = readPidFile(paths);
  if (!pf || !isOurs(pf.pid)) {
    if (pf) rmSync(paths.pidFile, { force: true });
    return undefined;
  }
  process.kill(pf.pid, "SIGTERM");
  const deadline = Date.now() + 5000;
  while (isAlive(pf.pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  if (isAlive(pf.pid)) process.kill(pf.pid, "SIGKILL");
  try {
    unlinkSync(paths.pidFile);
  } catch {
    /* the process removed it itself */
  }
  return pf.pid;
}

/** Stops Local AgentCore and deletes its state folder. */
export async function resetLocal(paths: LocalPaths): Promise<void> {
  await stopLocal(paths);
  rmSync(paths.stateDir, { recursive: true, force: true });
}
