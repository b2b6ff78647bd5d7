/**
 * What `npm start` runs, from its command line: notebook 01 by default; with `--all` the tutorial
 * series (every numbered notebook, 01 to 09, in the notebooks folder, in file-name order). npm
 * start's own flags (`--all`, `--notebooks <dir>`) are taken out here; everything else goes to the
 * runner, whose parser reports its own usage errors. Only the combinations that make sense for one
 * notebook and not for a series are refused here, naming `--all`.
 */
import { existsSync, readdirSync, statSync } from "node:fs";
import path from "node:path";
import { UsageError, USAGE, VALUE_FLAGS } from "../lib/runner/options.js";
import { joinParameterPairs } from "../lib/runner/parameter-sources.js";

/** A notebook of the series: 01- to 09-; 00-hello is the kernel check, not a lesson. */
export const SERIES_NOTEBOOK = /^0[1-9]-[^/]*\.ipynb$/;

export const TUTORIAL_NOTEBOOK = "01-outbound-auth-api-key.ipynb";

export interface StartPlan {
  /** The runner's command line: notebooks, the default --out, then the user's options (a later --out wins). */
  runnerArgs: string[];
  notebooks: string[];
  all: boolean;
  /** Where the executed notebooks go by default (the user's --out overrides it). */
  defaultOut: string;
}

/** The series in `dir`, sorted; a usage error when the folder is missing or holds none. */
export function seriesNotebooks(dir: string, shownAs: string): string[] {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new UsageError(`--notebooks: not a folder: ${shownAs}`);
  const found = readdirSync(dir).filter((f) => SERIES_NOTEBOOK.test(f)).sort();
  if (found.length === 0) throw new UsageError(`--all: no numbered notebooks (01-*.ipynb to 09-*.ipynb) in ${shownAs}`);
  return found.map((f) => path.join(dir, f));
}

export function startUsage(projectDir: string): string {
  const rel = (p: string) => path.relative(projectDir, p) || p;
  return `Usage: npm start [-- [--all [--notebooks <dir>]] [runner options]]

Runs ${rel(path.join(projectDir, "notebooks", TUTORIAL_NOTEBOOK))} headlessly: against Local AgentCore
(started in the background when it is not running; \`npm run local -- stop\` stops it), or against
AWS with AGENTCORE_TARGET=aws. The executed notebook goes to out/.

  --all               run the whole tutorial series instead: every numbered notebook (01-*.ipynb to
                      09-*.ipynb; not 00-hello) in notebooks/, in order, each in its own supervised
                      child process, then a summary table; exit 1 if any failed. Composes with
                      --out <folder>, --fail-fast, --junit, --compare <folder of references>,
                      --quiet and the other runner options (parameters go to every notebook)
  --notebooks <dir>   with --all: the folder holding the series (default: notebooks/)

Examples:
  npm start
  npm start -- -p userId=me
  npm start -- --all
  npm start -- --all --out out/series/ --fail-fast --quiet

The runner's options (\`npm run nb -- --help\`):

${USAGE}`;
}

export function planStart(argv: string[], options: { projectDir: string; baseDir: string }): StartPlan {
  const { projectDir, baseDir } = options;
  const defaultOut = path.join(projectDir, "out");
  // Values glued to their options first, so that a value (`-p note --all`) is never read as a flag.
  const joined = joinParameterPairs(argv, new Set([...VALUE_FLAGS, "--notebooks"]));
  let all = false;
  let notebooksDir: string | undefined;
  const rest: string[] = [];
  const positionals: string[] = [];
  for (let i = 0; i < joined.length; i++) {
    const arg = joined[i]!;
    if (arg === "--") {
      positionals.push(...joined.slice(i + 1));
      rest.push(...joined.slice(i));
      break;
    }
    if (arg === "--all") all = true;
    else if (arg === "--notebooks" || arg.startsWith("--notebooks=")) {
      if (arg === "--notebooks") throw new UsageError("--notebooks expects a folder: --all --notebooks <dir>");
      notebooksDir = arg.slice("--notebooks=".length);
    } else {
      rest.push(arg);
      if (arg === "--param") {
        if (i + 1 < joined.length) rest.push(joined[++i]!);
      } else if (!arg.startsWith("-")) positionals.push(arg);
    }
  }

  if (!all) {
    if (notebooksDir !== undefined) throw new UsageError("--notebooks applies to --all (the series); without --all, npm start runs notebook 01");
    const notebook = path.join(projectDir, "notebooks", TUTORIAL_NOTEBOOK);
    return { runnerArgs: [notebook, "--out", defaultOut, ...rest], notebooks: [notebook], all, defaultOut };
  }

  if (positionals.length) throw new UsageError(`--all runs every numbered notebook; do not name notebooks too (got ${positionals.join(", ")}); to run some of them: npm run nb -- <notebook.ipynb>...`);
  const dir = notebooksDir === undefined ? path.join(projectDir, "notebooks") : path.resolve(baseDir, notebooksDir);
  const notebooks = seriesNotebooks(dir, notebooksDir ?? "notebooks/");
  const count = `--all runs ${notebooks.length} notebooks`;
  for (const arg of rest) {
    const compare = valueOf(arg, "--compare");
    if (compare?.endsWith(".ipynb")) throw new UsageError(`${count}; --compare ${compare} is one reference notebook: give the folder of references (e.g. --compare test/reference/)`);
    const out = valueOf(arg, "--out", "-o");
    if (out?.endsWith(".ipynb")) throw new UsageError(`${count}; --out ${out} is one file: give a folder (e.g. --out out/series/)`);
  }
  return { runnerArgs: [...notebooks, "--out", defaultOut, ...rest], notebooks, all, defaultOut };
}

/** The value of an option in its glued form (`--out=x`, `-ox`), if `arg` is that option. */
function valueOf(arg: string, long: string, short?: string): string | undefined {
  if (arg.startsWith(`${long}=`)) return arg.slice(long.length + 1);
  if (short && arg.startsWith(short) && arg.length > short.length) return arg.slice(short.length);
  return undefined;
}
