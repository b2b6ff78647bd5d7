// Builds the runner's startup snapshot (snapshot-entry.cjs) into `blob`, and the child's bundle
// beside it (child-bundle.cjs), atomically: written
// beside it under a temporary name, renamed when Node finished writing it. One build at a time per
// blob (a lock file; a lock older than ten minutes is a crashed build's and is taken over). Run as
// `node snapshot-build.cjs <blob> <key> <cwd> [node flags...]`, usually detached by a run that found
// no snapshot (see startup-snapshot.ts). Plain CommonJS, built-in modules only.
"use strict";

const { spawnSync } = require("node:child_process");
const fs = require("node:fs");
const path = require("node:path");

const { buildChildBundle, childBundlePath } = require("./child-bundle.cjs");

const ENTRY = path.join(__dirname, "snapshot-entry.cjs");
const START = path.join(__dirname, "snapshot-start.cjs");
const CHECK = path.join(__dirname, "snapshot-check.cjs");
const STALE_LOCK_MS = 10 * 60_000;

/** The blob is whole for `key` (as startup-snapshot.ts checks it). */
function isReady(blob, key) {
  try {
    const made = JSON.parse(fs.readFileSync(`${blob}.json`, "utf8"));
    return made.key === key && made.size === fs.statSync(blob).size;
  } catch {
    return false;
  }
}

/** Builds `blob` for `key`; returns true when the blob exists afterwards (built now or by another build). */
function buildSnapshot(blob, key, cwd, nodeFlags = []) {
  fs.mkdirSync(path.dirname(blob), { recursive: true });
  const lock = `${blob}.lock`;
  try {
    fs.writeFileSync(lock, String(process.pid), { flag: "wx" });
  } catch {
    try {
      if (Date.now() - fs.statSync(lock).mtimeMs < STALE_LOCK_MS) return false; // another build is under way
      fs.writeFileSync(lock, String(process.pid));
    } catch {
      return false;
    }
  }
  const tmp = `${blob}.${process.pid}.tmp`;
  try {
    // Another build finished between this one's start and its lock: only the child's bundle may be missing.
    if (isReady(blob, key)) return buildChildBundle(childBundlePath(path.dirname(blob))), true;
    const r = spawnSync(process.execPath, [...nodeFlags, "--snapshot-blob", tmp, "--build-snapshot", ENTRY], {
      cwd,
      env: { ...process.env, NB_RUNNER_SNAPSHOT_KEY: key, NB_RUNNER_SNAPSHOT_RUNNER_DIR: __dirname, NB_RUNNER_SNAPSHOT_CWD: cwd },
      stdio: ["ignore", "ignore", "pipe"],
      encoding: "utf8",
    });
    if (r.status !== 0) {
      fs.rmSync(tmp, { force: true });
      if (process.env.NB_RUNNER_SNAPSHOT_DEBUG) process.stderr.write(r.stderr || String(r.error));
      return false;
    }
    // Started once before it is offered (as a child starts from it, see snapshot-check.cjs): a
    // snapshot that cannot start, or whose worker threads cannot open streams, is never used.
    const check = spawnSync(process.execPath, ["--snapshot-blob", tmp, "--require", START, CHECK], {
      env: { ...process.env, NB_RUNNER_SNAPSHOT_KEY: key },
      stdio: ["ignore", "ignore", "pipe"],
      encoding: "utf8",
    });
    if (check.status !== 0) {
      fs.rmSync(tmp, { force: true });
      if (process.env.NB_RUNNER_SNAPSHOT_DEBUG) process.stderr.write(check.stderr || `snapshot check: ${check.error ?? check.signal ?? check.status}\n`);
      return false;
    }
    const size = fs.statSync(tmp).size;
    fs.renameSync(tmp, blob);
    // Written last: a run uses the blob only when this says it is whole (see startup-snapshot.ts).
    fs.writeFileSync(`${blob}.tmp-${process.pid}.json`, JSON.stringify({ key, size }));
    fs.renameSync(`${blob}.tmp-${process.pid}.json`, `${blob}.json`);
    buildChildBundle(childBundlePath(path.dirname(blob))); // an optimisation on top: runs go on without it
    // Snapshots for other keys (an earlier TypeScript, lock file or Node) are 50 MB each and unused.
    const dir = path.dirname(blob);
    for (const f of fs.readdirSync(dir)) {
      if (/^startup-[0-9a-f]+\.blob(\.json)?$/.test(f) && !f.startsWith(path.basename(blob))) fs.rmSync(path.join(dir, f), { force: true });
    }
    return true;
  } finally {
    fs.rmSync(lock, { force: true });
    fs.rmSync(tmp, { force: true });
  }
}

module.exports = { buildSnapshot };

if (require.main === module) {
  const [blob, key, cwd, ...flags] = process.argv.slice(2);
  process.exitCode = buildSnapshot(blob, key, cwd, flags) ? 0 : 1;
}
