/**
 * `npm run kernel:install [-- --prefix <dir> | --sys-prefix | --python <python>]`: registers the
 * tslab kernel with Jupyter. The kernelspec points at this project's `scripts/tslab-kernel.cjs` (tslab,
 * plus the runner's timer guard) by absolute path, so Jupyter starts the right tslab without any
 * PATH setup.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { cliVersion } from "../lib/cli-version.js";

const projectRoot = fileURLToPath(new URL("..", import.meta.url));
const tslabBinary = path.join(projectRoot, "scripts", "tslab-kernel.cjs");
const tslabMain = path.join(projectRoot, "node_modules", "tslab", "bin", "tslab");

function fail(message: string, code = 1): never {
  process.stderr.write(`kernel:install: ${message}\n`);
  process.exit(code);
}

const USAGE = `usage: npm run kernel:install [-- --prefix <dir> | --sys-prefix | --user] [--python <python>]

Registers the tslab ("TypeScript") kernel for Jupyter, starting this project's
tslab (scripts/tslab-kernel.cjs). Default --user; --prefix/--sys-prefix install into a venv or conda env;
--python picks the Python that has Jupyter (else $JUPYTER_PYTHON, python3, /usr/bin/python3).
-h, --help; -V, --version.`;

if (process.argv.includes("--help") || process.argv.includes("-h")) {
  console.log(USAGE);
  process.exit(0);
}
if (process.argv.includes("--version") || process.argv.includes("-V")) {
  process.stdout.write(cliVersion("npm run kernel:install"));
  process.exit(0);
}

let values;
try {
  ({ values } = parseArgs({
    args: process.argv.slice(2),
    options: { prefix: { type: "string" }, "sys-prefix": { type: "boolean" }, user: { type: "boolean" }, python: { type: "string" } },
  }));
} catch (e) {
  fail(`${(e as Error).message}\n${USAGE}`, 2);
}

if (!existsSync(tslabMain)) fail("tslab is not installed in node_modules; run `npm ci` first.");

const hasJupyter = (python: string) => spawnSync(python, ["-c", "import jupyter_client"], { stdio: "ignore" }).status === 0;
const candidates = values.python ? [values.python] : [process.env.JUPYTER_PYTHON, "python3", "/usr/bin/python3", "python"].filter((p): p is string => !!p);
const python = candidates.find(hasJupyter);
if (!python) {
  fail(
    [
      `Jupyter was not found (no jupyter_client module for ${candidates.join(", ")}).`,
      "Install Jupyter first, for example:",
      "  pipx install jupyterlab            # or: pip install --user jupyterlab",
      "  sudo apt-get install jupyter-client python3-ipykernel python3-nbconvert   # Debian/Ubuntu",
      "then run `npm run kernel:install` again (set JUPYTER_PYTHON=/path/to/python if Jupyter lives in another Python).",
    ].join("\n"),
  );
}

const scope = values.prefix ? [`--prefix=${path.resolve(values.prefix)}`] : values["sys-prefix"] ? ["--sys-prefix"] : ["--user"];
const result = spawnSync(process.execPath, [tslabMain, "install", `--python=${python}`, `--binary=${tslabBinary}`, ...scope], { stdio: "inherit" });
if (result.status !== 0) fail(`tslab install failed (exit ${result.status ?? result.signal}).`);

process.stdout.write(
  [
    "",
    `Registered the "tslab" (TypeScript) kernel for ${python}, starting ${tslabBinary}.`,
    "Open the notebooks with:  jupyter lab notebooks/",
    "",
  ].join("\n"),
);
