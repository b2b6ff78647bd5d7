// What a kernel running this project's notebooks does as it starts, before the first cell:
// - when the folder's notebooks import the library, its declarations (library-types.ts), which
//   cells type-check against, rewritten if a source in lib/ changed since they were written (a few
//   file reads when nothing did);
// - when the folder's notebooks write agents, start the warm agent checker (agent-check-service.ts),
//   so that it loads TypeScript and checks the tutorial's agents ahead while the first cells run
//   (and, in Jupyter, while the learner reads) instead of only from the session cell on, and the
//   first `writeAgentFile` finds it ready.
// Loaded by `npm start` and `npm run nb` (the runner's --require) and by the Jupyter kernel
// (scripts/tslab-kernel.cjs), each time with the notebook's folder as the current directory, which
// is where the cells write the agents. AGENTCORE_KERNEL_STARTUP=0 leaves the checker to session()
// (a second start only adds files to check ahead).
//
// Plain CommonJS, loading the service through tsx's scoped require, so it loads in any host: the
// runner's child with or without tsx (its startup snapshot's bundle) and tslab's kernel, without
// hooking the cells' own module loading. Never fails the kernel: each step is an optimisation.
"use strict";

const fs = require("node:fs");
const path = require("node:path");

/** The text of every notebook in the folder (what the kernel will likely run), read once. */
function notebooksIn(dir) {
  try {
    return fs
      .readdirSync(dir)
      .filter((f) => f.endsWith(".ipynb"))
      .map((f) => fs.readFileSync(path.join(dir, f), "utf8"));
  } catch {
    return [];
  }
}

const notebooks = notebooksIn(process.cwd());
const mention = (text) => notebooks.some((nb) => nb.includes(text));
// tsx only when there is something to load: any other notebook (a test's, a benchmark's, your own)
// starts as tslab's, with nothing loaded.
let tsxRequire;
const load = (file) => (tsxRequire ??= require("tsx/cjs/api").require)(file, __filename);

// Cells that import the library check against its declarations.
if (mention("agentcore-kit")) {
  try {
    load("./library-types.ts").ensureLibraryTypes({ projectDir: path.resolve(__dirname, "..", "..") });
  } catch (e) {
    process.stderr.write(`note: the library's declarations could not be refreshed (npm run types says why): ${e && e.message ? e.message : e}\n`);
  }
}

// Notebooks that write agents (the tutorial's): only then is checking ahead worth a core's work for seconds.
if (process.env.AGENTCORE_KERNEL_STARTUP !== "0" && mention("writeAgentFile(")) {
  try {
    const { startAgentChecker, tutorialAgentsIn } = load("./agent-check-service.ts");
    startAgentChecker({ ahead: tutorialAgentsIn(process.cwd()) });
  } catch (e) {
    process.stderr.write(`note: the agent checker did not start early (session() starts it): ${e && e.message ? e.message : e}\n`);
  }
}
