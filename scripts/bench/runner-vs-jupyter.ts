/**
 * Metric 1, runner vs Jupyter: the same notebook executed by the headless runner (`npm run nb`,
 * a child process as a user runs it) and by `python3 -m nbconvert --execute` with the tslab kernel
 * (registered into a temporary JUPYTER_PATH), back to back; wall time of each, ratio per pair.
 * Notebooks: the 20-cell light fixture; a folder of five copies of it (the runner once on the
 * folder, nbconvert once per notebook, as CI would run each); and notebook 01 against this bench's
 * own Local AgentCore.
 */
import { copyFileSync, existsSync, mkdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { PROJECT_DIR, startOwnLocal } from "./own-local.js";
import { mustSucceed, nbNodeArgs, type Run, runTimed } from "./processes.js";
import { type Bench, type BenchContext, type BenchResult, result } from "./result.js";
import { median } from "./stats.js";
import { buildSnapshotNow, startupSnapshot } from "../../lib/runner/startup-snapshot.js";

const PYTHON = "/usr/bin/python3";
export const LIGHT_FIXTURE = fileURLToPath(new URL("../../bench/fixtures/light-20.ipynb", import.meta.url));
const NOTEBOOK_01 = path.join(PROJECT_DIR, "notebooks", "01-outbound-auth-api-key.ipynb");
/**
 * Notebook 01 runs in place, as `npm start` runs it (a copy elsewhere breaks tslab's emit of the lib:
 * "unexpected emit path"); the files it writes next to itself are git-ignored, and its dependency
 * zip cache (.agentcore-build) stays warm between bench runs.
 */

function jupyterEnv(tmp: string, base: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const k = path.join(tmp, "jupyter");
  return {
    ...base,
    JUPYTER_PATH: path.join(k, "share", "jupyter"),
    JUPYTER_CONFIG_DIR: path.join(k, "config"),
    JUPYTER_RUNTIME_DIR: path.join(k, "runtime"),
    JUPYTER_DATA_DIR: path.join(k, "data"),
  };
}

async function installKernel(tmp: string): Promise<void> {
  if (existsSync(path.join(tmp, "jupyter", "share", "jupyter", "kernels", "tslab"))) return;
  const env = jupyterEnv(tmp, process.env);
  mustSucceed(
    "kernel:install",
    await runTimed(process.execPath, ["--import", "tsx", "scripts/kernel-install.ts", "--prefix", path.join(tmp, "jupyter"), "--python", PYTHON], {
      cwd: PROJECT_DIR,
      env,
      timeoutMs: 120_000,
    }),
  );
}

interface Pair {
  ours: number;
  jupyter: number;
}

/** `notebooks`: the runner runs them all in one command; nbconvert runs once per notebook (times summed). */
async function comparePairs(ctx: BenchContext, o: { label: string; notebooks: string[]; env: NodeJS.ProcessEnv; pairs: number; timeoutMs: number; warmJupyter: boolean }): Promise<Pair[]> {
  const out = path.join(ctx.tmp, `rvj-${o.label}`);
  mkdirSync(out, { recursive: true });
  const runner = () =>
    runTimed(process.execPath, [...nbNodeArgs(PROJECT_DIR), ...o.notebooks, "--out", path.join(out, "runner")], { cwd: PROJECT_DIR, env: o.env, timeoutMs: o.timeoutMs });
  const nbconvert = (notebook: string) =>
    runTimed(
      PYTHON,
      ["-m", "nbconvert", "--to", "notebook", "--execute", "--ExecutePreprocessor.kernel_name=tslab", `--ExecutePreprocessor.timeout=${Math.round(o.timeoutMs / 1000)}`,
        "--ExecutePreprocessor.startup_timeout=120", "--output-dir", path.join(out, "jupyter"), "--output", path.basename(notebook), notebook],
      { cwd: PROJECT_DIR, env: jupyterEnv(ctx.tmp, o.env), timeoutMs: o.timeoutMs },
    );
  const jupyter = async (): Promise<Run> => {
    let ms = 0;
    for (const notebook of o.notebooks) {
      const r = await nbconvert(notebook);
      if (r.code !== 0) return r;
      ms += r.ms;
    }
    return { code: 0, ms, output: "" };
  };
  // Warm-up: disk caches, and for notebook 01 the first launch's dependency zip and unpack (the
  // runner's warm-up pays those for both; a second warm-up would only lengthen the run).
  mustSucceed(`runner on ${o.label} (warm-up)`, await runner());
  if (o.warmJupyter) mustSucceed(`nbconvert on ${o.label} (warm-up)`, await jupyter());
  const pairs: Pair[] = [];
  for (let i = 0; i < o.pairs; i++) {
    // Alternate the order within a pair.
    const [a, b] = i % 2 ? [await jupyter(), await runner()] : [await runner(), await jupyter()];
    const [j, r] = i % 2 ? [a, b] : [b, a];
    mustSucceed(`runner on ${o.label}`, r);
    mustSucceed(`nbconvert on ${o.label}`, j);
    pairs.push({ ours: r.ms / 1000, jupyter: j.ms / 1000 });
    ctx.log(`${o.label}: runner ${(r.ms / 1000).toFixed(1)} s, Jupyter ${(j.ms / 1000).toFixed(1)} s`);
  }
  return pairs;
}

/** Builds the startup snapshot (timed: the cost a first run leaves to the background), then the light fixture with it (the default) and without it. */
async function snapshotRows(ctx: BenchContext, env: NodeJS.ProcessEnv): Promise<BenchResult> {
  const on = env;
  const snapshot = startupSnapshot(on);
  if (!snapshot) throw new Error("the runner's startup snapshot cannot be used here (TSC_* settings?)");
  const started = performance.now();
  if (!buildSnapshotNow(snapshot)) throw new Error("could not build the runner's startup snapshot");
  ctx.log(`startup snapshot ready in ${((performance.now() - started) / 1000).toFixed(1)} s (0 when it existed)`);
  const out = path.join(ctx.tmp, "rvj-snapshot");
  const run = (e: NodeJS.ProcessEnv) => runTimed(process.execPath, [...nbNodeArgs(PROJECT_DIR), LIGHT_FIXTURE, "--out", out, "-q"], { cwd: PROJECT_DIR, env: e, timeoutMs: 120_000 });
  const withIt: number[] = [];
  const without: number[] = [];
  for (let i = 0; i < (ctx.quick ? 3 : 6); i++) {
    const off = { ...env, NB_RUNNER_SNAPSHOT: "0" };
    const [a, b] = i % 2 ? [await run(off), await run(on)] : [await run(on), await run(off)];
    const [w, o] = i % 2 ? [b, a] : [a, b];
    mustSucceed("runner with the startup snapshot", w);
    mustSucceed("runner without the startup snapshot", o);
    withIt.push(w.ms / 1000);
    without.push(o.ms / 1000);
  }
  return result({ name: "runner.light-20.startup-snapshot", unit: "s", value: median(withIt), baseline: median(without), goal: "none (reported); with ≤ without", met: median(withIt) <= median(without), runs: withIt.length });
}

function summarize(name: string, pairs: Pair[], goal: string, met: (ratio: number) => boolean): BenchResult {
  const ratio = median(pairs.map((p) => p.ours / p.jupyter));
  return result({ name, unit: "s", value: median(pairs.map((p) => p.ours)), baseline: median(pairs.map((p) => p.jupyter)), ratio, goal, met: met(ratio), runs: pairs.length });
}

export const runnerVsJupyter: Bench = {
  id: "runner",
  title: "Runner vs Jupyter (nbconvert --execute, tslab kernel): wall time of the same notebook",
  async run(ctx) {
    await installKernel(ctx.tmp);
    const baseEnv: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: "1" };
    delete baseEnv.FORCE_COLOR;
    delete baseEnv.npm_lifecycle_event;
    // The runner as a user runs it: its defaults (the startup snapshot on), whatever this shell set.
    delete baseEnv.NB_RUNNER_SNAPSHOT;
    const results: BenchResult[] = [];
    // The runner's startup snapshot is built (in the foreground, as `npm run nb:snapshot` does)
    // before anything is timed, so that the runs find it as every run after a user's first does (a
    // run without one would build it in the background while the next runs are measured); its cost
    // is its own row, and the runner without it (NB_RUNNER_SNAPSHOT=0) runs beside the default.
    results.push(await snapshotRows(ctx, baseEnv));
    const fixturePairs = await comparePairs(ctx, { label: "light-20", notebooks: [LIGHT_FIXTURE], env: baseEnv, pairs: ctx.quick ? 2 : 5, timeoutMs: 120_000, warmJupyter: true });
    results.push(summarize("runner-vs-jupyter.light-20", fixturePairs, "ours ≤ 0.5× Jupyter", (r) => r <= 0.5));
    // A folder of five: the runner once on the folder, nbconvert once per notebook.
    const folder = path.join(ctx.tmp, "light-20-x5");
    mkdirSync(folder, { recursive: true });
    for (let i = 1; i <= 5; i++) copyFileSync(LIGHT_FIXTURE, path.join(folder, `light-20-${i}.ipynb`));
    const notebooks = [1, 2, 3, 4, 5].map((i) => path.join(folder, `light-20-${i}.ipynb`));
    const folderPairs = await comparePairs(ctx, { label: "light-20-x5", notebooks, env: baseEnv, pairs: ctx.quick ? 1 : 3, timeoutMs: 300_000, warmJupyter: false });
    results.push(summarize("runner-vs-jupyter.light-20-x5", folderPairs, "ours ≤ 0.35× Jupyter (nbconvert per notebook)", (r) => r <= 0.35));
    if (ctx.quick) return results; // notebook 01 takes minutes per pair: full run only

    const local = await startOwnLocal("notebook01");
    try {
      const pairs = await comparePairs(ctx, { label: "notebook-01", notebooks: [NOTEBOOK_01], env: local.env, pairs: 2, timeoutMs: 600_000, warmJupyter: false });
      results.push(summarize("runner-vs-jupyter.notebook-01", pairs, "none (reported); ours ≤ Jupyter", (r) => r <= 1));
    } catch (e) {
      // The fixture's figures stand; the failure is reported by the bench run.
      throw Object.assign(e as Error, { partial: results });
    } finally {
      await local.stop();
    }
    return results;
  },
};
