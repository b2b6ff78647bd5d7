/**
 * The committed notebook 03: built from its readable source and the agent file it embeds, committed
 * without outputs, one `parameters` cell, the library imported by its package name, the steps in
 * order, and an agent that uses withAccessToken with the M2M flow and never prints a token.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { sourceText } from "../../lib/runner/notebook-file.js";
import { projectRoot } from "../notebook01/helpers.js";
import { testCommittedNotebook } from "../helpers/committed-notebook.js";

const { code } = testCommittedNotebook("03-outbound-oauth2-m2m.ipynb", {
  parameters: ["target", "region", "agentName", "oauth2ProviderName", "modelKeyProviderName", "oauthClientId", "grantedScope", "cognitoClientId", "cognitoDiscoveryUrl", "calendarApiUrl", "listPrompt", "addPrompt", "userId"],
  steps: [
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
  ],
});

test("the agent gets its token with withAccessToken (M2M) and never prints it; no secret is written in a cell", () => {
  const agent = readFileSync(path.join(projectRoot, "assets", "agents", "strands_agents_calendar_m2m.ts"), "utf8");
  assert.match(agent, /withAccessToken\(\{[^}]*authFlow: "M2M"/);
  assert.doesNotMatch(agent, /console\.(log|error|info)\([^)]*(accessToken|apiKey|modelKey)/);
  for (const cell of code) assert.doesNotMatch(sourceText(cell), /clientSecret: "|OAUTH2_CLIENT_SECRET = "/);
});
