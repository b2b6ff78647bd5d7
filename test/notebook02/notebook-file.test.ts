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
import { declaredParameters } from "../../lib/runner/parameters.js";
import { cellTags, sourceText } from "../../lib/runner/notebook-file.js";
import { renderNotebook } from "../../scripts/notebooks/build.js";
import { projectRoot, readNotebook } from "../notebook01/helpers.js";

const NOTEBOOK_PATH = path.join(projectRoot, "notebooks", "02-inbound-auth-jwt.ipynb");
const committed = readFileSync(NOTEBOOK_PATH, "utf8");
const nb = readNotebook(NOTEBOOK_PATH);
const code = nb.cells.filter((c) => c.cell_type === "code");

test("the notebook is what its source and the agent file build (run scripts/notebooks/build.ts 02 after editing them)", () => {
  assert.equal(committed, renderNotebook("02"));
});

test("committed without outputs; one parameters cell; every cell runs headless", () => {
  for (const cell of code) assert.deepEqual(cell.cell_type === "code" && cell.outputs, [], sourceText(cell).slice(0, 60));
  const tagged = nb.cells.filter((c) => cellTags(c).includes("parameters"));
  assert.equal(tagged.length, 1);
  assert.deepEqual([...declaredParameters(sourceText(tagged[0]!)).keys()], ["target", "region", "agentName", "appClientId", "otherAppClientId", "username", "userPoolName", "redirectUri", "prompt"]);
  for (const cell of nb.cells) assert.deepEqual(cellTags(cell).filter((t) => t === "skip-headless" || t === "raises-exception"), []);
});

test("cells import the library by its package name; the steps come in order", () => {
  const imports = code.flatMap((c) => [...sourceText(c).matchAll(/^import .* from "([^"]+)";$/gm)].map((m) => m[1]!));
  assert.deepEqual(imports.filter((spec) => spec.startsWith(".") || spec.includes("/lib/")), []);
  const steps = [
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
  ];
  const positions = steps.map((step) => code.findIndex((c) => sourceText(c).includes(step)));
  assert.ok(positions.every((p) => p >= 0), `missing: ${steps.filter((_, i) => positions[i]! < 0).join(", ")}`);
  assert.deepEqual(positions, [...positions].sort((a, b) => a - b));
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
  const positions = steps.map((step) => all.indexOf(step));
  assert.ok(positions.every((p) => p >= 0), `missing: ${steps.filter((_, i) => positions[i]! < 0).join(", ")}`);
  assert.deepEqual(positions, [...positions].sort((a, b) => a - b));
  // The INBOUND_* variables are an override only: nothing is created at Cognito when they are set.
  assert.match(all, /const bringOwn = target === "aws" && !!process\.env\.INBOUND_DISCOVERY_URL;/);
  assert.match(all, /const pool = target === "aws" && !bringOwn \? await createUserPool/);
  assert.match(all, /const appClient = localAppClient \?\? cognitoAppClient \?\? fromEnvironment\(\);/);
});
