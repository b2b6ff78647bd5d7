/**
 * A bundled code deploy through Local AgentCore: the agent is one esbuild bundle plus a chunk for
 * what it imports with `import()`, and node_modules holds only what it requires through
 * `createRequire` (esbuild cannot follow that). It starts and answers, using both.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { strFromU8, unzipSync } from "fflate";
import { startTestLocal, type TestLocal } from "../helpers/local.js";
import { buildCodeBundle, type CodeBundle } from "../../lib/agentcore/build/code-bundle.js";
import { createRole, deployBundle, FIXTURES, invokeJson, PROJECT_DIR, sessionId } from "./setup.js";

let local: TestLocal;
let built: CodeBundle;

before(async () => {
  local = await startTestLocal();
  built = await buildCodeBundle({
    entrypoint: join(FIXTURES, "create-require-agent.ts"),
    agentName: "create_require_agent",
    projectDir: PROJECT_DIR,
    cacheDir: join(PROJECT_DIR, "out", "test-bundles"),
  });
});
after(() => local?.stop());

test("node_modules holds the createRequire'd package and its dependencies; the import() target is a chunk, not a package", () => {
  const names = Object.keys(unzipSync(built.zip));
  const packages = new Set(names.flatMap((n) => n.match(/^node_modules\/(?:@[^/]+\/)?[^/]+(?=\/)/)?.[0] ?? []));
  assert.ok(packages.has("node_modules/yauzl"), [...packages].join(", "));
  assert.ok(!packages.has("node_modules/diff"), "diff is bundled");
  assert.ok(!packages.has("node_modules/bedrock-agentcore"), "bedrock-agentcore is bundled");
  const entry = strFromU8(unzipSync(built.zip, { filter: (f) => f.name === built.entryFile })[built.entryFile]!);
  const chunk = entry.match(/import\("\.\/([^"]+\.mjs)"\)/)?.[1];
  assert.ok(chunk && names.includes(chunk), `the entry imports a chunk of the zip lazily (${chunk})`);
});

test("the bundled agent starts and answers through Local AgentCore, with the required package and the lazy chunk", async () => {
  const roleArn = await createRole(local, "create-require-agent-role");
  const r = await deployBundle(local, { name: "create_require_agent", roleArn, key: "bundled/agent.zip", zip: built.zip, entryPoint: [built.entryFile] });
  const out = await invokeJson(local, { agentRuntimeArn: r.arn, runtimeSessionId: sessionId("bundled"), contentType: "application/json", payload: { prompt: "hi" } });
  assert.equal(out.status, 200);
  assert.deepEqual(out.body, { yauzl: "function", diff: 4 });
});
