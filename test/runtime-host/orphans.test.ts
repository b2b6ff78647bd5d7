/**
 * No orphan agents even when Local AgentCore dies without a chance to clean up (SIGKILL): each
 * agent watches its stdin pipe to the server and exits when it closes.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { rmSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { test } from "node:test";
import { isAlive, until } from "./setup.js";

test("agents exit when their Local AgentCore is killed with SIGKILL", async () => {
  const script = fileURLToPath(new URL("../fixtures/agents/host-process.ts", import.meta.url));
  const child = spawn(process.execPath, ["--import", "tsx", script], { stdio: ["ignore", "pipe", "pipe"], cwd: fileURLToPath(new URL("../..", import.meta.url)) });
  let out = "";
  let err = "";
  child.stdout.on("data", (c: Buffer) => (out += c.toString()));
  child.stderr.on("data", (c: Buffer) => (err += c.toString()));
  const exited = new Promise((r) => child.once("exit", r));
  try {
    await until(() => out.includes("\n") || child.exitCode !== null, "the host process to start an agent", 60_000);
    assert.ok(out.includes("agentPid"), `the host process failed: ${err.split("\n").filter((l) => !/Warning|a\.co|trace-warnings/.test(l)).join("\n").slice(-800)}`);
    const { agentPid, stateDir } = JSON.parse(out.split("\n")[0]!) as { agentPid: number; stateDir: string };
    assert.ok(isAlive(agentPid));
    child.kill("SIGKILL");
    await exited;
    await until(() => !isAlive(agentPid), "the orphaned agent to exit");
    rmSync(stateDir, { recursive: true, force: true });
  } finally {
    if (child.exitCode === null) child.kill("SIGKILL");
  }
});
