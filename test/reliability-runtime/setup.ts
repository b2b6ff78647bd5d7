/**
 * What the runtime reliability tests share: the fault agent deployed as a real code bundle, and a
 * process-table view of every process running inside a Local AgentCore's runtime folders (agents
 * and anything they spawned: their working directory is the unpacked bundle).
 */
import { readdirSync, readFileSync, realpathSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { TestLocal } from "../helpers/local.js";
import { deployBundle, zipBundle } from "../runtime-host/setup.js";

export const FAULT_AGENT = readFileSync(fileURLToPath(new URL("./fault-agent.mjs", import.meta.url)));

export function deployFaultAgent(local: TestLocal, name: string, roleArn: string, environmentVariables?: Record<string, string>) {
  return deployBundle(local, {
    name,
    roleArn,
    key: `fault/${name}.zip`,
    zip: zipBundle({ files: { "agent.mjs": FAULT_AGENT, "package.json": JSON.stringify({ name: "fault-agent", type: "module" }) } }),
    environmentVariables,
    idle: 600,
  });
}

/** Processes of one runtime: their working directory is inside its folder. */
export const processesOf = (stateDir: string, runtimeId: string) => processesInRuntimes(stateDir).filter((p) => p.cwd.includes(`/${runtimeId}/`));

/** Live (non-zombie) processes whose working directory is inside `<stateDir>/runtimes`. */
export function processesInRuntimes(stateDir: string): { pid: number; cmd: string; cwd: string }[] {
  let root: string;
  try {
    root = realpathSync(join(stateDir, "runtimes"));
  } catch {
    return [];
  }
  const out: { pid: number; cmd: string; cwd: string }[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (/\) Z /.test(readFileSync(`/proc/${entry}/stat`, "utf8"))) continue;
      const cwd = realpathSync(`/proc/${entry}/cwd`);
      if (!cwd.startsWith(root)) continue;
      out.push({ pid: Number(entry), cwd, cmd: readFileSync(`/proc/${entry}/cmdline`, "utf8").replace(/\0/g, " ").trim() });
    } catch {
      // ended meanwhile, or not ours to inspect
    }
  }
  return out;
}
