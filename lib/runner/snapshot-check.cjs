// Run once by the snapshot's build (snapshot-build.cjs) in a process started from the new blob,
// before the blob is offered: the process must start, find the baked TypeScript, and a worker
// thread of it must be able to open streams (load node:net, spawn a process on pipes), which
// Node 22 aborts on when the build loaded its stream_wrap binding (see snapshot-start.cjs).
// Exit code 0 when all hold. Plain CommonJS, built-in modules only.
"use strict";

const { Worker } = require("node:worker_threads");
const { usable } = require("./snapshot-start.cjs");

if (!usable) {
  process.stderr.write("snapshot check: the baked TypeScript was not found\n");
  process.exit(1);
}
const inWorker = [
  'require("node:net");',
  'const r = require("node:child_process").spawnSync(process.execPath, ["-e", "process.stdout.write(\'ok\')"], { encoding: "utf8" });',
  'if (r.stdout !== "ok") throw new Error("a process on pipes: " + (r.error ?? r.status));',
].join("\n");
new Worker(inWorker, { eval: true, stdout: false, stderr: false }).on("exit", (code) => {
  if (code !== 0) process.stderr.write("snapshot check: a worker thread could not use streams\n");
  process.exitCode = code === 0 ? 0 : 1;
});
