/**
 * The committed notebook 02: built from its readable source and the agent file it embeds, committed
 * without outputs, one `parameters` cell, the library imported by its package name, the steps in
 * order (on AWS: its own Cognito pool, clients and user), a runtime with a JWT authorizer that passes
 * the Authorization header on, and no token, password or secret written in a cell or printed by
 * the agent.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { sourceText } from "../../lib/runner/notebook-file.js";
import { projectRoot } from "../notebook01/helpers.js";
import { assertInOrder, testCommittedNotebook } from "../helpers/committed-notebook.js";

const { code } = testCommittedNotebook("02-inbound-auth-jwt.ipynb", {
  parameters: ["target", "region", "agentName", "appClientId", "otherAppClientId", "username", "userPoolName", "redirectUri", "prompt"],
  steps: [
    "createIdpUser(",
    "signInOffline(",
    "writeAgentFile(\"inbound_jwt_whoami.ts\"",
    "customJWTAuthorizer:",
    "agentcoreRuntime.launch(",
    "waitUntilReady(",
    "refusal(() => agentcoreRuntime.invoke({ prompt: prompt }))",
    "bearerToken: userToken.accessToken",
    "bearerToken: otherToken.accessToken",
    "await cleanup()",
    "listUsers()",
  ],
});

test("the runtime trusts one app client and passes Authorization on; the agent never prints or returns the token", () => {
  const configure = sourceText(code.find((c) => sourceText(c).includes("customJWTAuthorizer:"))!);
  assert.match(configure, /allowedClients: \[appClient\.clientId\]/);
  assert.match(configure, /requestHeaderAllowlist: \["Authorization"\]/);
  const agent = readFileSync(path.join(projectRoot, "assets", "agents", "inbound_jwt_whoami.ts"), "utf8");
  assert.doesNotMatch(agent, /console\.|context\.log/);
  // The answer is built from claims only: nothing concatenates the token or the header.
  assert.doesNotMatch(agent, /\+\s*(token|authorization|context\.headers)\b/);
  assert.doesNotMatch(agent, /return\s+(token|authorization|context\.headers)\b/);
  for (const cell of code) {
    assert.doesNotMatch(sourceText(cell), /console\.log\([^)]*(accessToken|password|clientSecret)/);
    assert.doesNotMatch(sourceText(cell), /password: "|INBOUND_USER_TOKEN = "/);
  }
});

test("on AWS the notebook makes its own Cognito pool, app clients and user (unless INBOUND_DISCOVERY_URL brings a pool) and checks the pool is gone", () => {
  const all = code.map(sourceText).join("\n");
  const steps = ["createUserPool({ poolName: userPoolName })", "createUserPoolClient({ userPoolId: pool.userPoolId, clientName: appClientId })", "createCognitoUser(", "signInCognito({ clientId: appClient.clientId", "clientName: otherAppClientId", "await cleanup()", "ListUserPoolsCommand({"];
  assertInOrder(steps, (step) => all.indexOf(step));
  // The INBOUND_* variables are an override only: nothing is created at Cognito when they are set.
  assert.match(all, /const bringOwn = target === "aws" && !!process\.env\.INBOUND_DISCOVERY_URL;/);
  assert.match(all, /const pool = target === "aws" && !bringOwn \? await createUserPool/);
  assert.match(all, /const appClient = localAppClient \?\? cognitoAppClient \?\? fromEnvironment\(\);/);
});
