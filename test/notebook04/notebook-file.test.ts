/**
 * The committed notebook 04: built from its readable source and the agent file it embeds, committed
 * without outputs, one `parameters` cell, the library imported by its package name, the steps in
 * order, and an agent that uses withAccessToken with the USER_FEDERATION flow and onAuthUrl, and never prints a token.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { sourceText } from "../../lib/runner/notebook-file.js";
import { projectRoot } from "../notebook01/helpers.js";
import { testCommittedNotebook } from "../helpers/committed-notebook.js";

const { code } = testCommittedNotebook("04-outbound-oauth2-3lo.ipynb", {
  parameters: ["target", "region", "agentName", "oauth2ProviderName", "modelKeyProviderName", "oauthClientId", "learnerUsername", "grantedScope", "listPrompt", "userId"],
  steps: [
    "createIdpUser(",
    "createOauth2CredentialProvider(",
    "createIdpClient(",
    "startReturnUrlServer(",
    "writeAgentFile(\"strands_agents_calendar_3lo.ts\"",
    "agentcoreRuntime.configure(",
    "agentcoreRuntime.launch(",
    "putRolePolicy(",
    "UpdateWorkloadIdentityCommand(",
    "waitUntilReady(",
    "prompt: listPrompt",
    "signInAndConsent(",
    "await cleanup()",
    "listOauth2CredentialProviders()",
  ],
});

test("the agent gets the user's token with withAccessToken (USER_FEDERATION, onAuthUrl) and never prints it; no secret is written in a cell", () => {
  const agent = readFileSync(path.join(projectRoot, "assets", "agents", "strands_agents_calendar_3lo.ts"), "utf8");
  assert.match(agent, /withAccessToken\(\{[^}]*authFlow: "USER_FEDERATION",[^}]*onAuthUrl/);
  assert.doesNotMatch(agent, /console\.(log|error|info)\([^)]*(accessToken|apiKey|modelKey)/);
  // Both invokes are for the user: the workload access token is bound to them.
  for (const cell of code.filter((c) => sourceText(c).includes("prompt: listPrompt"))) assert.match(sourceText(cell), /userId: userId, stream: true/);
  for (const cell of code) assert.doesNotMatch(sourceText(cell), /clientSecret: "|OAUTH2_CLIENT_SECRET = "|password: "/);
});
