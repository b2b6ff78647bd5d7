#!/usr/bin/env node
// The command Jupyter starts for this project's "TypeScript" kernel (registered by
// `npm run kernel:install`): tslab itself, with the same timer guard the headless runner uses, so a
// cell that creates `node_modules` or a `package.json` next to the notebook cannot break the next
// cell in Jupyter either, and the same type-check cache for unchanged library files.
"use strict";
require("../lib/runner/tslab-timers.cjs").guardTslabTimers();
// Also before tslab loads: unchanged library files are not type-checked again by every cell.
require("../lib/runner/tslab-check-cache.cjs").installTslabCheckCache();
// The kernel's startup code, as `npm start` runs it before the first cell (Jupyter starts the kernel
// in the notebook's folder): the library's declarations brought up to date, and the agent checker
// warming up while the learner reads.
require("../lib/notebook/kernel-startup.cjs");
require("tslab/dist/main.js").main();
