/**
 * The committed notebook 03: built from its readable source and the agent file it embeds, committed
 * without outputs, one `parameters` cell, the library imported by its package name, the steps in
 * order, and an agent that uses withAccessToken with the M2M flow and never prints a token.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { declaredParameters } from "../../lib/runner/parameters.js";
import { cellTags, sourceText } from "../../lib/runner/notebook-file.js";
import { renderNotebook } from "../../scripts/notebooks/build.js";
import { projectRoot, readNotebook } from "../notebook01/helpers.js";

const NOTEBOOK_PATH = path.join(projectRoot, "notebooks", "03-outbound-oauth2-m2m.ipynb");
const committed = readFileSync(NOTEBOOK_PATH, "utf8");
const nb = readNotebook(NOTEBOOK_PATH);
const code = nb.cells.filter((c) => c.cell_type === "code");

test("the notebook is what its source and the agent file build (run scripts/notebooks/build.ts 03 after editing them)", () => {
  assert.equal(committed, renderNotebook("03"));
});

test("committed without outputs; one parameters cell; every cell runs headless", () => {
  for (const cell of code) assert.deepEqual(cell.cell_type === "code" && cell.outputs, [], sourceText(cell).slice(0, 60));
  const tagged = nb.cells.filter((c) => cellTags(c).includes("parameters"));
  assert.equal(tagged.length, 1);
  assert.deepEqual(
    [...declaredParameters(sourceText(tagged[0]!)).keys()],
    ["target", "region", "agentName", "oauth2ProviderName", "modelKeyProviderName", "oauthClientId", "grantedScope", "cognitoClientId", "cognitoDiscoveryUrl", "calendarApiUrl", "listPrompt", "addPrompt", "userId"],
  );
  for (const cell of nb.cells) assert.deepEqual(cellTags(cell).filter((t) => t === "skip-headless" || t === "raises-exception"), []);
});

test("cells import the library by its package name; the steps come in order", () => {
  const imports = code.flatMap((c) => [...sourceText(c).matchAll(/^import .* from "([^"]+)";$/gm)].map((m) => m[1]!));
  assert.deepEqual(imports.filter((spec) => spec.startsWith(".") || spec.includes("/lib/")), []);
  const steps = [
    "createIdpClient(",
    "createOauth2CredentialProvider(",
    "writeAgentFile(\"strands_agents_calendar_m2m.ts\"",
    "agentcoreRuntime.configure(",
    "agentcoreRuntime.launch(",
    "putRolePolicy(",
    "waitUntilReady(",
    "prompt: listPrompt",
    "prompt: addPrompt",
    "await cleanup()",
    "listOauth2CredentialProviders()",
  ];
  const positions = steps.map((step) => code.findIndex((c) => sourceText(c).includes(step)));
  assert.ok(positions.every((p) => p >= 0), `missing: ${steps.filter((_, i) => positions[i]! < 0).join(", ")}`);
  assert.deepEqual(positions, [...positions].sort((a, b) => a - b));
});

test("the agent gets its token with withAccessToken (M2M) and never prints it; no secret is written in a cell", () => {
  const agent = readFileSync(path.join(projectRoot, "assets", "agents", "strands_agents_calendar_m2m.ts"), "utf8");
  assert.match(agent, /withAccessToken\(\{[^}]*authFlow: "M2M"/);
  assert.doesNotMatch(agent, /console\.(log|error|info)\([^)]*(accessToken|apiKey|modelKey)/);
  for (const cell of code) assert.doesNotMatch(sourceText(cell), /clientSecret: "|OAUTH2_CLIENT_SECRET = "/);
});
