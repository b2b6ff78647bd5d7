/**
 * `npm run workshop -- prepare`: everything a laptop needs before the room starts, offline after
 * `npm ci`. Registers the Jupyter kernel, starts Local AgentCore (AGENTCORE_LOCAL_DIR and
 * AGENTCORE_LOCAL_PORT say where), warms the agent dependency cache, runs the doctor, then executes
 * every `notebooks/*.ipynb` headlessly once, cleaning up after each. The result is a checklist:
 * one ✓/✗ line per item with the fix for each failing one; `ready` says whether every required
 * item passed.
 */
import { readdirSync, readFileSync } from "node:fs";
import { basename, join, relative } from "node:path";
import { runChecks, targetFrom, type Check, type Target } from "../doctor/checks.js";
import { localPaths, PortInUseError, startDetached } from "../local/client/index.js";
import { explainStartupError } from "../local/startup-errors.js";
import { errorLine, lastLines, runProjectScript } from "./project-script.js";
import { warmAgentDependencies } from "./warm-cache.js";

export interface PrepareOptions {
  projectDir: string;
  /** Folder for the executed notebooks (and their run logs, under `logs/`). */
  outDir: string;
  /** Progress lines while it works. */
  log?: (line: string) => void;
  /** Per-cell timeout for the notebook runs, in seconds. */
  cellTimeoutSeconds?: number;
}

export interface PrepareReport {
  target: Target;
  checks: Check[];
  ready: boolean;
  elapsedMs: number;
}

const rel = (projectDir: string, p: string) => relative(projectDir, p) || ".";

async function registerKernel(projectDir: string): Promise<Check> {
  const name = "Jupyter kernel";
  const run = await runProjectScript(projectDir, "kernel-install.ts", []);
  if (run.code === 0) return { name, ok: true, required: false, detail: "tslab (TypeScript) registered for JupyterLab" };
  const noJupyter = /Jupyter was not found/.test(run.output);
  return {
    name,
    ok: false,
    required: false,
    detail: noJupyter ? "not registered: Jupyter is not installed (the headless runner works without it)" : `not registered: ${lastLines(run.output)}`,
    fix: noJupyter
      ? "For JupyterLab: pipx install jupyterlab (or apt-get install jupyter-client python3-ipykernel), then npm run kernel:install."
      : "Run npm run kernel:install and read its message.",
  };
}

interface LocalStart {
  check: Check;
  running: boolean;
}

async function startLocal(projectDir: string): Promise<LocalStart> {
  const name = "Local AgentCore start";
  let paths;
  try {
    paths = localPaths(projectDir);
  } catch (e) {
    return { running: false, check: { name, ok: false, required: true, detail: (e as Error).message, fix: "Unset AGENTCORE_LOCAL_PORT or set it to a free port number." } };
  }
  try {
    const started = await startDetached(paths);
    const how = started.alreadyRunning ? "already running" : "started";
    return { running: true, check: { name, ok: true, required: true, detail: `${how} at ${started.endpoint} (pid ${started.pid}, state in ${rel(projectDir, paths.stateDir)})` } };
  } catch (e) {
    if (e instanceof PortInUseError) {
      return {
        running: false,
        check: {
          name,
          ok: false,
          required: true,
          detail: `port ${e.port} is taken by another program, so Local AgentCore cannot listen there`,
          fix: `Stop that program (see: lsof -i :${e.port}), or give Local AgentCore a free port: AGENTCORE_LOCAL_PORT=<port> npm run workshop -- prepare`,
        },
      };
    }
    return {
      running: false,
      check: { name, ok: false, required: true, detail: explainStartupError(e, paths.stateDir), fix: `Fix that, then run npm run workshop -- prepare again (log: ${rel(projectDir, paths.logFile)}).` },
    };
  }
}

/** Every notebook of the project, in name order. */
export function workshopNotebooks(projectDir: string): string[] {
  const dir = join(projectDir, "notebooks");
  return readdirSync(dir)
    .filter((f) => f.endsWith(".ipynb"))
    .sort()
    .map((f) => join(dir, f));
}

interface HeadlessMeta {
  status?: string;
  duration_ms?: number;
  failed_cell?: string;
  error?: string;
}

function headlessMeta(executed: string): HeadlessMeta | undefined {
  try {
    return (JSON.parse(readFileSync(executed, "utf8")) as { metadata?: { headless?: HeadlessMeta } }).metadata?.headless;
  } catch {
    return undefined;
  }
}

/** Where a notebook's run records what it creates (and so what its cleanup deletes). */
function ledgerDir(projectDir: string): string {
  return process.env.AGENTCORE_LEDGER_DIR ?? join(projectDir, "notebooks");
}

async function runNotebookOnce(projectDir: string, notebook: string, outDir: string, cellTimeoutSeconds: number): Promise<Check> {
  const file = basename(notebook);
  const name = `Notebook ${file.replace(/\.ipynb$/, "")}`;
  const logFile = join(outDir, "logs", `${file.replace(/\.ipynb$/, "")}.log`);
  const run = await runProjectScript(projectDir, "nb.ts", [notebook, "--out", outDir, "--cell-timeout", String(cellTimeoutSeconds)], { logFile });
  // Whatever happened, nothing the run created may outlive it (its own cleanup cell may not have run).
  const cleanup = await runProjectScript(projectDir, "cleanup.ts", [ledgerDir(projectDir)], { logFile: `${logFile.replace(/\.log$/, "")}.cleanup.log` });
  const meta = headlessMeta(join(outDir, file));
  const seconds = meta?.duration_ms !== undefined ? ` in ${(meta.duration_ms / 1000).toFixed(1)} s` : "";
  const cleaned = cleanup.code === 0 ? "cleaned up" : `cleanup failed: ${lastLines(cleanup.output)}`;
  if (run.code === 0 && cleanup.code === 0) {
    return { name, ok: true, required: true, detail: `every cell ran${seconds}, ${cleaned} → ${rel(projectDir, join(outDir, file))}` };
  }
  if (run.code === 0) {
    return { name, ok: false, required: true, detail: `every cell ran${seconds}, but ${cleaned}`, fix: `Retry the cleanup: npm run cleanup -- ${rel(projectDir, ledgerDir(projectDir))}` };
  }
  const where = meta?.failed_cell ? `failed at ${meta.failed_cell}${meta.error ? `: ${meta.error}` : ""}` : `the runner exited with ${run.code}: ${errorLine(run.output)}`;
  return {
    name,
    ok: false,
    required: true,
    detail: `${where} (${cleaned})`,
    fix: `Read ${rel(projectDir, logFile)}, or run it alone to watch: npm run nb -- notebooks/${file}`,
  };
}

export async function prepareWorkshop(o: PrepareOptions): Promise<PrepareReport> {
  const started = Date.now();
  const log = o.log ?? (() => {});
  const target = targetFrom(process.env);
  const checks: Check[] = [];

  // Independent of each other: the kernel install waits on Python, the server on its own start,
  // the dependency zip on this process's CPU.
  log(target === "local" ? "Registering the Jupyter kernel, starting Local AgentCore, warming the agent dependency cache…" : "Registering the Jupyter kernel, warming the agent dependency cache…");
  const [kernel, local, deps] = await Promise.all([
    registerKernel(o.projectDir),
    target === "local" ? startLocal(o.projectDir) : Promise.resolve(undefined),
    warmAgentDependencies(o.projectDir),
  ]);
  checks.push(kernel);
  if (local) checks.push(local.check);
  checks.push(deps);

  log(`Running the doctor (target ${target})…`);
  const doctor = await runChecks(target, { projectDir: o.projectDir });
  // The start line above already speaks for Local AgentCore when it failed; the kernel line for tslab.
  checks.push(...doctor.filter((c) => !(c.name === "Local AgentCore" && local && !local.running) && !(c.name === "tslab kernel" && !kernel.ok)));

  const notebooks = workshopNotebooks(o.projectDir);
  // A run that cannot succeed would only bury the real problem under a cell's stack trace.
  const blocker = local && !local.running ? "Local AgentCore is not running" : checks.find((c) => c.required && !c.ok) ? "a required check above failed" : undefined;
  for (const notebook of notebooks) {
    const file = basename(notebook);
    if (blocker) {
      checks.push({ name: `Notebook ${file.replace(/\.ipynb$/, "")}`, ok: false, required: true, detail: `not run: ${blocker}`, fix: "Fix the ✗ lines above, then run npm run workshop -- prepare again." });
      continue;
    }
    log(`Running ${rel(o.projectDir, notebook)} headlessly${target === "aws" ? " against AWS" : ""}…`);
    checks.push(await runNotebookOnce(o.projectDir, notebook, o.outDir, o.cellTimeoutSeconds ?? 600));
  }
  if (notebooks.length === 0) checks.push({ name: "Notebooks", ok: false, required: true, detail: "no notebooks/*.ipynb found", fix: "Run prepare from a complete clone of the project." });

  return { target, checks, ready: checks.every((c) => c.ok || !c.required), elapsedMs: Date.now() - started };
}

