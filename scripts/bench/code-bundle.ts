/**
 * The tutorial agent's code bundle, bundled with esbuild (ours) beside the older layout with every
 * package in node_modules (the alternative, `bundleDependencies: false`): its size and file count,
 * and its first instance start with a fresh dependency cache, i.e. a new runtime's first invoke
 * (unpack, agent start, "Hello" answered), then a second session's first invoke (the agent's own
 * start: one bundle to parse instead of hundreds of packages to resolve), both on the same Local
 * AgentCore, alternating.
 */
import { rmSync } from "node:fs";
import { join } from "node:path";
import { buildCodeBundle } from "../../lib/agentcore/build/code-bundle.js";
import { dependencyCacheDir } from "../../lib/local/runtime-host/code-bundle.js";
import { deployNotebookAgent, invoke, NOTEBOOK_AGENT, sessionId } from "./agents.js";
import { PROJECT_DIR, startOwnLocal } from "./own-local.js";
import { type Bench, result } from "./result.js";
import { median, since } from "./stats.js";

const MODES = [
  ["bundled", true],
  ["node-modules", false],
] as const;

export const codeBundleBench: Bench = {
  id: "bundle",
  title: "The tutorial agent's code bundle: esbuild bundle vs all of node_modules (size, files, first instance start)",
  async run(ctx) {
    const built = Object.fromEntries(
      await Promise.all(
        MODES.map(async ([label, bundleDependencies]) => [
          label,
          await buildCodeBundle({ entrypoint: NOTEBOOK_AGENT, agentName: "bench_bundle", projectDir: PROJECT_DIR, cacheDir: join(PROJECT_DIR, "out", "bench", "bundles"), bundleDependencies }),
        ]),
      ),
    );
    const [ours, alt] = [built["bundled"]!, built["node-modules"]!];
    ctx.log(`bundled: ${ours.zip.length} bytes, ${ours.fileCount} files, ${ours.packageCount} packages | node_modules: ${alt.zip.length} bytes, ${alt.fileCount} files, ${alt.packageCount} packages`);
    const results = [
      result({ name: "bundle.tutorial-agent.bytes", unit: "MB", value: ours.zip.length / 1e6, baseline: alt.zip.length / 1e6, goal: "reported", met: true, runs: 1 }),
      result({ name: "bundle.tutorial-agent.files", unit: "files", value: ours.fileCount, baseline: alt.fileCount, goal: "reported", met: true, runs: 1 }),
      result({ name: "bundle.tutorial-agent.packages", unit: "packages", value: ours.packageCount, baseline: alt.packageCount, goal: "reported", met: true, runs: 1 }),
    ];

    const local = await startOwnLocal("bundle");
    try {
      const samples: Record<string, number[]> = { bundled: [], "node-modules": [] };
      const again: Record<string, number[]> = { bundled: [], "node-modules": [] };
      const rounds = ctx.quick ? 2 : 5;
      for (let i = 0; i < rounds; i++) {
        for (const [label, bundleDependencies] of MODES) {
          // A new runtime (its own version folder) on an empty dependency cache: everything is unpacked.
          rmSync(dependencyCacheDir(local.stateDir, ""), { recursive: true, force: true });
          const agent = await deployNotebookAgent(local, `bench_bundle_${label.replace("-", "_")}_${i}`, NOTEBOOK_AGENT, bundleDependencies);
          const t0 = performance.now();
          await invoke(local.clients.data, { arn: agent.arn, session: sessionId(`bundle-${label}-${i}-${Date.now()}`), payload: { prompt: "Hello" }, userId: "bench-user" });
          samples[label]!.push(since(t0));
          // A second session of the same version: unpacked already, so only the agent's own start and answer.
          const t1 = performance.now();
          await invoke(local.clients.data, { arn: agent.arn, session: sessionId(`bundle-again-${label}-${i}-${Date.now()}`), payload: { prompt: "Hello" }, userId: "bench-user" });
          again[label]!.push(since(t1));
          ctx.log(`${label}, round ${i + 1}: first instance start ${Math.round(samples[label]!.at(-1)!)} ms, a new session's first invoke ${Math.round(again[label]!.at(-1)!)} ms`);
        }
      }
      const value = median(samples["bundled"]!);
      results.push(
        result({ name: "bundle.first-instance-start", unit: "ms", value, baseline: median(samples["node-modules"]!), goal: "≤ 3000 ms", met: value <= 3000, runs: rounds }),
        result({ name: "bundle.new-session-first-invoke", unit: "ms", value: median(again["bundled"]!), baseline: median(again["node-modules"]!), goal: "≤ 1000 ms", met: median(again["bundled"]!) <= 1000, runs: rounds }),
      );
      return results;
    } finally {
      await local.stop();
    }
  },
};
