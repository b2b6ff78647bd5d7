/**
 * `npm run fuzz:repeat [-- --runs N]`: runs the bad-input fuzz suite (test/reliability/bad-input.test.ts)
 * N times, each with a fresh seed passed as BAD_INPUT_SEED, and prints every seed with its outcome,
 * so a failure can be replayed exactly. Not part of `npm test` or CI: it takes minutes per run.
 */
import { spawn } from "node:child_process";
import { randomInt } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { PROJECT_DIR } from "../lib/project-dir.js";

const SUITE = join("test", "reliability", "bad-input.test.ts");
const DEFAULT_RUNS = 20;

const USAGE = `Usage: npm run fuzz:repeat [-- --runs N] [--seed S]

Runs ${SUITE} N times (default ${DEFAULT_RUNS}), one after the other, each with a fresh random
seed in BAD_INPUT_SEED, and prints each run's seed and outcome. A failed run prints the end of its
output; replay it with:
  BAD_INPUT_SEED=<seed> node --import tsx --test ${SUITE}

Options:
  --runs N     how many runs (a positive integer; default ${DEFAULT_RUNS})
  --seed S     use S as the first run's seed, S+1 the next, ... (to repeat a whole series)
  --help       this text
  --version    the project's version
Exit code: 0 when every run passed, 1 when one failed, 2 usage.`;

function version(): string {
  return (JSON.parse(readFileSync(join(PROJECT_DIR, "package.json"), "utf8")) as { version: string }).version;
}

interface Options {
  runs: number;
  firstSeed?: number;
}

function usageError(message: string): never {
  console.error(`${message}\n\n${USAGE}`);
  process.exit(2);
}

function parseArgs(args: string[]): Options {
  const opts: Options = { runs: DEFAULT_RUNS };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const value = () => args[++i] ?? usageError(`${arg} needs a value.`);
    if (arg === "--runs") {
      const v = value();
      if (!/^[1-9]\d*$/.test(v)) usageError(`--runs must be a positive integer, got "${v}".`);
      opts.runs = Number(v);
    } else if (arg === "--seed") {
      const v = value();
      if (!/^-?\d+$/.test(v)) usageError(`--seed must be an integer, got "${v}".`);
      opts.firstSeed = Number(v);
    } else {
      usageError(`Unknown argument "${arg}".`);
    }
  }
  return opts;
}

/** One run of the suite with `seed`; resolves with its exit code and output. */
function runOnce(seed: number): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--import", "tsx", "--test", "--test-concurrency=1", SUITE], {
      cwd: PROJECT_DIR,
      env: { ...process.env, BAD_INPUT_SEED: String(seed) },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (c: Buffer) => (output += c.toString("utf8")));
    child.stderr.on("data", (c: Buffer) => (output += c.toString("utf8")));
    child.on("close", (code) => resolve({ code: code ?? 1, output }));
  });
}

const args = process.argv.slice(2);
if (args.includes("--help") || args.includes("-h")) {
  console.log(USAGE);
  process.exit(0);
}
if (args.includes("--version")) {
  console.log(version());
  process.exit(0);
}
const opts = parseArgs(args);

const results: { seed: number; ok: boolean }[] = [];
for (let run = 1; run <= opts.runs; run++) {
  // Seeds fast-check accepts: 32-bit integers.
  const seed = opts.firstSeed !== undefined ? opts.firstSeed + run - 1 : randomInt(0, 2 ** 31 - 1);
  const started = Date.now();
  const { code, output } = await runOnce(seed);
  const seconds = Math.round((Date.now() - started) / 1000);
  results.push({ seed, ok: code === 0 });
  console.log(`run ${run}/${opts.runs} seed ${seed}: ${code === 0 ? "passed" : `FAILED (exit ${code})`} in ${seconds}s`);
  if (code !== 0) console.log(output.trimEnd().split("\n").slice(-60).join("\n"));
}
const failed = results.filter((r) => !r.ok);
console.log(`\n${results.length - failed.length} of ${results.length} runs passed. Seeds: ${results.map((r) => r.seed).join(", ")}`);
if (failed.length) console.log(`Failed seeds: ${failed.map((r) => r.seed).join(", ")}`);
process.exit(failed.length ? 1 : 0);
