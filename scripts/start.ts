/**
 * `npm start`: the main job. Until the tutorial notebook lands, it runs the example notebook
 * headlessly; the executed notebook goes to out/.
 */
import { fileURLToPath } from "node:url";
import { runCli } from "../lib/runner/cli.js";

const notebook = fileURLToPath(new URL("../notebooks/00-hello.ipynb", import.meta.url));
const out = fileURLToPath(new URL("../out/", import.meta.url));
process.exit(await runCli([notebook, "--out", out, ...process.argv.slice(2)]));
