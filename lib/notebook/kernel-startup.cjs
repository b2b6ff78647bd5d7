// What a kernel running this project's notebooks does as it starts, before the first cell:
// - the library's declarations (library-types.ts), which cells type-check against, rewritten if a
//   source in lib/ changed since they were written (a few file reads when nothing did);
// - when the folder's notebooks write agents, start the warm agent checker (agent-check-service.ts),
//   so that it loads TypeScript and checks the
//   tutorial's agents ahead while the first cells run (and, in Jupyter, while the learner reads)
//   instead of only from the session cell on, and the first `writeAgentFile` finds it ready.
// Loaded by `npm start` and `npm run nb` (the runner's --require) and by the Jupyter kernel
// (scripts/tslab-kernel.cjs), each time with the notebook's folder as the current directory, which
// is where the cells write the agents. AGENTCORE_KERNEL_STARTUP=0 leaves the checker to session()
// (a second start only adds files to check ahead); the declarations are always brought up to date.
//
// Plain CommonJS, loading the service through tsx's scoped require, so it loads in any host: the
// runner's child with or without tsx (its startup snapshot's bundle) and tslab's kernel, without
// hooking the cells' own module loading. Never fails the kernel: each step is an optimisation.
"use strict";

const fs = require("node:fs");
const path = require("node:path");
const { require: tsxRequire } = require("tsx/cjs/api");

try {
  const { ensureLibraryTypes } = tsxRequire("./library-types.ts", __filename);
  ensureLibraryTypes({ projectDir: path.resolve(__dirname, "..", "..") });
} catch (e) {
  process.stderr.write(`note: the library's declarations could not be refreshed (npm run types says why): ${e && e.message ? e.message : e}\n`);
}

/**
 * Some notebook in the folder writes an agent (the tutorial's do): only then is checking ahead worth
 * a core's work for seconds. Any other notebook (a test's, a benchmark's, your own) starts as tslab's.
 */
function notebooksWriteAgents(dir) {
  try {
    return fs.readdirSync(dir).some((f) => f.endsWith(".ipynb") && fs.readFileSync(path.join(dir, f), "utf8").includes("writeAgentFile("));
  } catch {
    return false;
  }
}

if (process.env.AGENTCORE_KERNEL_STARTUP !== "0" && notebooksWriteAgents(process.cwd())) {
  try {
    const { startAgentChecker, tutorialAgentsIn } = tsxRequire("./agent-check-service.ts", __filename);
    startAgentChecker({ ahead: tutorialAgentsIn(process.cwd()) });
  } catch (e) {
    process.stderr.write(`note: the agent checker did not start early (session() starts it): ${e && e.message ? e.message : e}\n`);
  }
}
