// What a kernel running this project's notebooks does as it starts, before the first cell: start
// the warm agent checker (agent-check-service.ts), so that it loads TypeScript and checks the
// tutorial's agents ahead while the first cells run (and, in Jupyter, while the learner reads)
// instead of only from the session cell on, and the first `writeAgentFile` finds it ready.
// Loaded by `npm start` and `npm run nb` (the runner's --require) and by the Jupyter kernel
// (scripts/tslab-kernel.cjs), each time with the notebook's folder as the current directory, which
// is where the cells write the agents. AGENTCORE_KERNEL_STARTUP=0 turns it off; session() starts
// the checker all the same (a second start only adds files to check ahead).
//
// Plain CommonJS, loading the service through tsx's scoped require, so it loads in any host: the
// runner's child with or without tsx (its startup snapshot's bundle) and tslab's kernel, without
// hooking the cells' own module loading. Never fails the kernel: the checker is an optimisation.
"use strict";

if (process.env.AGENTCORE_KERNEL_STARTUP !== "0") {
  try {
    const { startAgentChecker, tutorialAgentsIn } = require("tsx/cjs/api").require("./agent-check-service.ts", __filename);
    startAgentChecker({ ahead: tutorialAgentsIn(process.cwd()) });
  } catch (e) {
    process.stderr.write(`note: the agent checker did not start early (session() starts it): ${e && e.message ? e.message : e}\n`);
  }
}
