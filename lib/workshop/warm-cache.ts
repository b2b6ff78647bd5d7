/**
 * Warms the agent dependency cache: the zip of the agent's `node_modules` closure that every code
 * deploy ships (`notebooks/.agentcore-build/`). Built once here, offline, from the installed
 * packages, so the room's first launch only appends the agent's own few files.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { buildCodeBundle } from "../agentcore/build/code-bundle.js";
import type { Check } from "../doctor/checks.js";

/** The agent the tutorial deploys, as `writeAgentFile` writes it next to the notebook. */
const AGENT_ENTRY = join("assets", "agents", "strands_agents_openai_identity.ts");
const TUTORIAL_NOTEBOOK = join("notebooks", "01-outbound-auth-api-key.ipynb");
const DEFAULT_AGENT_NAME = "strands_agents_openai";

/** The notebook's `agentName` parameter: the bundle's package name, and so its cache key, depends on it. */
export function tutorialAgentName(projectDir: string): string {
  try {
    const m = /const agentName = \\?"([^"\\]+)\\?"/.exec(readFileSync(join(projectDir, TUTORIAL_NOTEBOOK), "utf8"));
    return m?.[1] ?? DEFAULT_AGENT_NAME;
  } catch {
    return DEFAULT_AGENT_NAME;
  }
}

export async function warmAgentDependencies(projectDir: string): Promise<Check> {
  const name = "Agent dependencies";
  const entrypoint = join(projectDir, AGENT_ENTRY);
  if (!existsSync(entrypoint)) {
    return { name, ok: false, required: true, detail: `${AGENT_ENTRY} is missing`, fix: "Restore it: git checkout -- assets/agents" };
  }
  try {
    const bundle = await buildCodeBundle({
      entrypoint,
      agentName: tutorialAgentName(projectDir),
      projectDir,
      cacheDir: join(projectDir, "notebooks", ".agentcore-build"),
    });
    const mb = (bundle.zip.byteLength / 1024 / 1024).toFixed(1);
    return { name, ok: true, required: true, detail: `${bundle.packageCount} packages, ${mb} MB zipped (${bundle.dependenciesCached ? "already cached" : "cached now"} in notebooks/.agentcore-build)` };
  } catch (e) {
    return {
      name,
      ok: false,
      required: true,
      detail: `cannot bundle the agent: ${(e as Error).message.split("\n")[0]}`,
      fix: "Reinstall the packages: npm ci (the agent's dependencies come from node_modules).",
    };
  }
}
