/**
 * Notebook 02 headlessly: `npm run nb -- notebooks/02-inbound-auth-jwt.ipynb` against a cold Local
 * AgentCore of this test's own, with the runner's secret guard on (no --allow-secrets). The executed
 * notebook must show SigV4 refused, the user's token accepted with the agent naming the user who
 * signed in, another app client's token refused, no secret or token, no stderr or absolute path,
 * and afterwards Local AgentCore must hold nothing the notebook created: no runtime, role, bucket,
 * identity provider client or user, and an empty ledger.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Notebook } from "../../lib/runner/notebook-file.js";
import { Ledger } from "../../lib/agentcore/ledger.js";
import { cellWith, findSecrets, knownSecrets, outputText, projectRoot, type OwnLocal, type Run } from "../notebook01/helpers.js";
import { runHeadless } from "../helpers/headless-notebook.js";
import { outputProblems } from "../notebook01/output-checks.js";

const NOTEBOOK_NAME = "02-inbound-auth-jwt.ipynb";

describe("npm run nb: notebook 02 against its own cold Local AgentCore", () => {
  let local: OwnLocal;
  let result: Run;
  let nb: Notebook | undefined;
  let nbText = "";
  let inventory: string[] = [];

  before(async () => {
    ({ local, result, nb, nbText, inventory } = await runHeadless(NOTEBOOK_NAME));
  });

  after(async () => {
    await local?.stop();
  });

  test("the run exits 0 with the secret guard on", () => {
    assert.equal(result.code, 0, `npm run nb failed (exit ${result.code}):\n${result.stdout.slice(-4000)}\n${result.stderr.slice(-4000)}`);
    assert.ok(nb, "the executed notebook was written");
  });

  test("SigV4 is refused, the user's token accepted and the agent names that user; another app's token is refused", (t) => {
    if (!nb) return t.skip("no executed notebook");
    const sub = /sub ([0-9a-f-]{36});/.exec(outputText(cellWith(nb, "createIdpUser(")))?.[1];
    assert.ok(sub, "the user's sub is shown when the user is created");
    assert.match(outputText(cellWith(nb, "refusal(() => agentcoreRuntime.invoke({ prompt: prompt }))")), /Refused.*AccessDeniedException.*HTTP 403.*Authorization method mismatch/s);
    const accepted = outputText(cellWith(nb, "bearerToken: userToken.accessToken"));
    assert.match(accepted, new RegExp(`You are the user ${sub}, signed in through the app client whoami-web-app`));
    assert.match(accepted, new RegExp(`The agent saw the user who signed in \\(${sub}\\)`));
    const other = outputText(cellWith(nb, "bearerToken: otherToken.accessToken"));
    assert.match(other, /client_id: 'whoami-other-app'/);
    assert.match(other, /Refused.*UnauthorizedException.*HTTP 401.*client_id\) is\s+not allowed/s);
  });

  test("nothing is left behind: Local AgentCore holds none of it and the ledger is empty", (t) => {
    if (!nb) return t.skip("no executed notebook");
    assert.match(outputText(cellWith(nb, "listUsers()")), /Nothing remains/);
    assert.deepEqual(inventory, []);
    assert.deepEqual(new Ledger(local.ledgerDir).entries(), []);
  });

  test("no secret or token in the notebook or on the terminal; no stderr, warning, absolute path or undefined", (t) => {
    if (!nb) return t.skip("no executed notebook");
    const known = knownSecrets(local.stateDir);
    assert.deepEqual(findSecrets(nbText, known), []);
    assert.deepEqual(findSecrets(result.stdout + result.stderr, known), []);
    assert.deepEqual(outputProblems(nb, projectRoot), []);
  });
});
