/**
 * The TypeScript SDK's `withAccessToken` with `authFlow: "M2M"` inside a deployed agent (a code
 * bundle on Local AgentCore's runtime host), against a CustomOauth2 provider for a client of the
 * built-in identity provider that is granted `calendar.read` only. Without the execution role's
 * `GetResourceOauth2Token` permission the token fetch is denied and the invoke names it; with it
 * the agent reads the calendar, and its write is refused by the API for want of `calendar.write`.
 * The client secret is in no log line.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { CreateOauth2CredentialProviderCommand } from "@aws-sdk/client-bedrock-agentcore-control";
import { PutRolePolicyCommand } from "@aws-sdk/client-iam";
import { startTestLocal, type TestLocal } from "../helpers/local.js";
import { rejection } from "../runtime-control/setup.js";
import { createRole, deployBundle, invokeJson, PROJECT_DIR, sessionId } from "../runtime-host/setup.js";
import { buildCodeBundle } from "../../lib/agentcore/build/code-bundle.js";
import { WITH_ACCESS_TOKEN_POLICY } from "./agent-role-policy.js";
import { localIdp } from "../../lib/local/client/idp.js";

const FIXTURE = fileURLToPath(new URL("./fixtures/m2m-agent.ts", import.meta.url));
const ROLE = "m2m-agent-role";

let local: TestLocal;
let runtime: { id: string; arn: string };
let clientSecret = "";
const lines: string[] = [];

before(async () => {
  local = await startTestLocal({ log: (l) => lines.push(l) });
  const idp = localIdp({ endpoint: local.endpoint, region: local.region, credentials: local.admin });
  const client = await idp.createClient({ clientId: "m2m-agent", scope: "calendar.read" });
  clientSecret = client.clientSecret!;
  await local.clients.control.send(
    new CreateOauth2CredentialProviderCommand({
      name: "calendar",
      credentialProviderVendor: "CustomOauth2",
      oauth2ProviderConfigInput: { customOauth2ProviderConfig: { clientId: "m2m-agent", clientSecret, oauthDiscovery: { discoveryUrl: client.discoveryUrl } } },
    }),
  );
  const built = await buildCodeBundle({ entrypoint: FIXTURE, agentName: "m2m_agent", projectDir: PROJECT_DIR, cacheDir: join(PROJECT_DIR, "out", "test-bundles") });
  runtime = await deployBundle(local, {
    name: "m2m_agent",
    roleArn: await createRole(local, ROLE),
    key: "m2m/agent.zip",
    zip: built.zip,
    entryPoint: [built.entryFile],
    environmentVariables: { CALENDAR_API_URL: `${local.endpoint}/_local/calendar`, OAUTH2_PROVIDER_NAME: "calendar" },
  });
});
after(() => local?.stop());

const call = (method: "GET" | "POST", session: string) =>
  invokeJson(local, { agentRuntimeArn: runtime.arn, runtimeSessionId: sessionId(session), runtimeUserId: "learner-1", contentType: "application/json", payload: { method } });

test("without GetResourceOauth2Token on the execution role, withAccessToken is denied and the invoke names the permission", async () => {
  const e = await rejection(call("GET", "denied"));
  assert.equal(e.$metadata?.httpStatusCode, 424);
  assert.match(e.message, /not authorized to perform: bedrock-agentcore:GetResourceOauth2Token/);
});

test("with it, the agent's M2M token reads the calendar, and a write outside the granted scope is refused at the API", async () => {
  await local.clients.iam.send(new PutRolePolicyCommand({ RoleName: ROLE, PolicyName: "m2m", PolicyDocument: JSON.stringify(WITH_ACCESS_TOKEN_POLICY) }));
  const read = await call("GET", "allowed");
  assert.deepEqual(read.body, { status: 200, reason: "" });
  const write = await call("POST", "allowed");
  assert.equal(write.body.status, 403);
  assert.match(write.body.reason, /error="insufficient_scope".*scope="calendar\.write"/);
});

test("the client secret is in no log line", () => {
  assert.ok(clientSecret.length >= 16);
  assert.equal(lines.join("\n").includes(clientSecret), false);
});
