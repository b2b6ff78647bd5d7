/**
 * `npm run bench [-- --quick] [--only a,b] [--out file]`: runs the benchmarks one after
 * another (each with its own Local AgentCore), writes out/bench/results.json and prints a table.
 */
import "../../lib/doctor/quiet-warnings.js";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { cliVersion } from "../../lib/cli-version.js";
import { PROJECT_DIR } from "./own-local.js";
import type { Bench, BenchResult } from "./result.js";
import { resultsTable } from "./table.js";
import { runnerVsJupyter } from "./runner-vs-jupyter.js";
import { cellOverhead } from "./cell-overhead.js";
import { invokeOverhead } from "./invoke-overhead.js";
import { streaming } from "./streaming.js";
import { coldPaths } from "./cold-paths.js";
import { codeBundleBench } from "./code-bundle.js";
import { identityThroughput } from "./identity-throughput.js";
import { scale } from "./scale.js";
import { nodeVersions } from "./node-versions.js";
import { notebook01 } from "./notebook01.js";
import { doctorBench } from "./doctor.js";
import { agentCheckBench } from "./agent-check.js";

export const BENCHES: Bench[] = [notebook01, agentCheckBench, doctorBench, runnerVsJupyter, cellOverhead, invokeOverhead, streaming, coldPaths, codeBundleBench, identityThroughput, scale, nodeVersions];

const USAGE = `Usage: npm run bench [-- options]

Measures the headless runner, Local AgentCore and the runtime host side by side with the
alternatives (Jupyter, direct calls to the agent), each on its own Local AgentCore (temporary
state folder, free port). Every figure is the median (or percentile) of several runs after a
warm-up; ratios pair runs made back to back. Writes out/bench/results.json and prints a table.

Options:
  --quick            fewer runs and smaller loads (under 3 minutes)
  --only <ids>       run only these benchmarks (comma-separated): ${BENCHES.map((b) => b.id).join(", ")}
  --out <file>       where to write the JSON (default: out/bench/results.json)
  -h, --help         show this help
  -V, --version      print the version

Environment (benchmark "nb01"):
  BENCH_BEFORE_PROJECT=<checkout>       also run notebook 01 from this installed checkout,
                                        alternating with ours, as the alternative (before/after)

Environment (benchmark "nodes"):
  BENCH_NODE22=<node binary>            also measure Local AgentCore and notebook 01 under Node 22,
                                        reported next to this Node's figures (run time within
                                        1.1×, peak RSS within 1.25×)
                                        (e.g. npm install --prefix <dir> node@22, then
                                        <dir>/node_modules/.bin/node)
  BENCH_NODE22_PROJECT=<checkout>       a copy of this project installed under Node 22 (its
                                        native modules are built for that Node)
  BENCH_SERVER_PROJECT=<checkout>       run this Node's server from another checkout (before/after)
`;

async function main(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: { quick: { type: "boolean" }, only: { type: "string" }, out: { type: "string" }, help: { type: "boolean", short: "h" }, version: { type: "boolean", short: "V" } },
    }));
  } catch (e) {
    process.stderr.write(`bench: ${(e as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (values.version) {
    process.stdout.write(cliVersion("npm run bench"));
    return 0;
  }
  const only = values.only?.split(",").map((s) => s.trim()).filter(Boolean);
  const unknown = only?.filter((id) => !BENCHES.some((b) => b.id === id)) ?? [];
  if (unknown.length) {
    process.stderr.write(`bench: unknown benchmark ${unknown.join(", ")} (known: ${BENCHES.map((b) => b.id).join(", ")})\n`);
    return 2;
  }
  const baseDir = process.env.INIT_CWD ?? process.cwd();
  const outFile = path.resolve(baseDir, values.out ?? path.join(PROJECT_DIR, "out", "bench", "results.json"));
  const quick = !!values.quick;
  const selected = BENCHES.filter((b) => !only || only.includes(b.id));

  const tmp = mkdtempSync(path.join(os.tmpdir(), "bench-"));
  const results: BenchResult[] = [];
  const failures: string[] = [];
  const started = performance.now();
  try {
    for (const bench of selected) {
      const t0 = performance.now();
      process.stderr.write(`▶ ${bench.title}${quick ? " (quick)" : ""}\n`);
      try {
        const rows = await bench.run({ quick, tmp, log: (line) => process.stderr.write(`  ${line}\n`) });
        results.push(...rows);
        for (const r of rows) process.stderr.write(`  ${r.name}: ${r.value} ${r.unit}${r.baseline !== null ? ` (alternative ${r.baseline} ${r.unit})` : ""} ${r.met ? "✓" : "✗"}\n`);
      } catch (e) {
        results.push(...((e as { partial?: BenchResult[] }).partial ?? []));
        failures.push(`${bench.id}: ${(e as Error).stack ?? e}`);
        process.stderr.write(`  ✗ ${bench.id} failed: ${(e as Error).message}\n`);
      }
      process.stderr.write(`  (${((performance.now() - t0) / 1000).toFixed(1)} s)\n`);
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  mkdirSync(path.dirname(outFile), { recursive: true });
  writeFileSync(outFile, JSON.stringify(results, null, 2) + "\n");
  const cpu = os.cpus();
  process.stdout.write(`\n${resultsTable(results)}\n\n`);
  process.stdout.write(
    `${quick ? "npm run bench -- --quick" : "npm run bench"} · ${((performance.now() - started) / 1000).toFixed(0)} s · Node ${process.version} · ` +
      `${cpu.length} × ${cpu[0]?.model ?? "cpu"} · ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB · ${os.type()} ${os.release()}\n`,
  );
  process.stdout.write(`Results: ${path.relative(baseDir, outFile) || outFile}\n`);
  for (const f of failures) process.stderr.write(`\nbench ${f}\n`);
  return failures.length ? 1 : 0;
}

process.exit(await main(process.argv.slice(2)));
