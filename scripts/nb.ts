/** `npm run nb -- <notebook.ipynb> [...]`: the headless notebook runner (see `--help`). */
import { runCli } from "../lib/runner/cli.js";

// npm runs scripts from the package root; resolve the user's relative paths from where they typed the command.
const baseDir = process.env.npm_lifecycle_event === "nb" && process.env.INIT_CWD ? process.env.INIT_CWD : process.cwd();
const code = await runCli(process.argv.slice(2), baseDir);
// Cells may leave timers, sockets or child processes behind; the run is over, so exit explicitly.
process.exit(code);
