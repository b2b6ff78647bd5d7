// The runner's child code (run-child.ts and the runner modules it imports) as one plain ES module,
// made by esbuild: a child started from the startup snapshot loads it directly instead of starting
// tsx and its loader thread and compiling each module through it (about 0.4 s per run). The cells
// never needed tsx: tslab compiles the notebook's own TypeScript imports itself, as in the tslab
// kernel (which runs without tsx). Built beside the startup snapshot, keyed by the runner's sources,
// and only used when present; without it the child loads run-child.ts through tsx as before.
// The runner's CommonJS helpers are not bundled: each module's import.meta.url is run-child.ts's,
// so they (and tslab) are required from lib/runner wherever the bundle lives.
// Plain CommonJS, built-in modules only (esbuild is required only to build).
"use strict";

const { createHash } = require("node:crypto");
const fs = require("node:fs");
const path = require("node:path");
const { pathToFileURL } = require("node:url");

const ENTRY = path.join(__dirname, "run-child.ts");

/** Where the bundle of the runner's current sources lives in `cacheDir`. */
function childBundlePath(cacheDir) {
  const h = createHash("sha256");
  h.update(`${process.version}\0`);
  for (const f of fs.readdirSync(__dirname).sort()) {
    if (/\.(ts|cjs)$/.test(f)) h.update(`${f}\0`).update(fs.readFileSync(path.join(__dirname, f))).update("\0");
  }
  return path.join(cacheDir, `run-child-${h.digest("hex").slice(0, 32)}.mjs`);
}

/** Builds `file` (atomically: a temporary name, then renamed); true when it is there afterwards. */
function buildChildBundle(file) {
  if (fs.existsSync(file)) return true;
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    const esbuild = require("esbuild");
    fs.mkdirSync(path.dirname(file), { recursive: true });
    esbuild.buildSync({
      entryPoints: [ENTRY],
      outfile: tmp,
      bundle: true,
      platform: "node",
      format: "esm",
      target: `node${process.versions.node.split(".")[0]}`,
      packages: "external",
      define: { "import.meta.url": JSON.stringify(pathToFileURL(ENTRY).href) },
      logLevel: "silent",
    });
    // The bundle must not reach anything by a path relative to itself.
    if (/^import .* from "(?!node:)/m.test(fs.readFileSync(tmp, "utf8"))) return false;
    fs.renameSync(tmp, file);
    // Bundles of earlier sources are unused.
    for (const f of fs.readdirSync(path.dirname(file))) {
      if (/^run-child-[0-9a-f]+\.mjs$/.test(f) && f !== path.basename(file)) fs.rmSync(path.join(path.dirname(file), f), { force: true });
    }
    return true;
  } catch (e) {
    if (process.env.NB_RUNNER_SNAPSHOT_DEBUG) process.stderr.write(`child bundle: ${e?.message ?? e}\n`);
    return false;
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}

module.exports = { childBundlePath, buildChildBundle };
