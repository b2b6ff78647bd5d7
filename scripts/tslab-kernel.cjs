#!/usr/bin/env node
// The command Jupyter starts for this project's "TypeScript" kernel (registered by
// `npm run kernel:install`): tslab itself, with the same timer guard the headless runner uses, so a
// cell that creates `node_modules` or a `package.json` next to the notebook cannot break the next
// cell in Jupyter either, and the same type-check cache for unchanged library files.
"use strict";
require("../lib/runner/tslab-timers.cjs").guardTslabTimers();
// Also before tslab loads: unchanged library files are not type-checked again by every cell.
require("../lib/runner/tslab-check-cache.cjs").installTslabCheckCache();
// Before the first cell: the library's declarations (what cells type-check against), rewritten if
// lib/ changed since they were written. A failure here costs speed, not the kernel.
try {
  const { ensureLibraryTypes } = require("tsx/cjs/api").require("../lib/notebook/library-types.ts", __filename);
  ensureLibraryTypes({ projectDir: require("node:path").resolve(__dirname, "..") });
} catch (e) {
  process.stderr.write(`agentcore-kit: could not refresh the library's declarations (npm run types shows why): ${e && e.message}\n`);
}
require("tslab/dist/main.js").main();
