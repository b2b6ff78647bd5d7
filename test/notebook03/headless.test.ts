/**
 * Notebook 03 headlessly: `npm run nb -- notebooks/03-outbound-oauth2-m2m.ipynb` against a cold Local
 * AgentCore of this test's own, with the runner's secret guard on (no --allow-secrets). The executed
 * notebook must show the agent's calendar call accepted inside the granted scope and refused outside
 * it, no secret, no stderr or absolute path, and afterwards Local AgentCore must hold nothing the
 * notebook created: no runtime, role, bucket, API-key or OAuth2 credential provider, identity
 * provider client, and an empty ledger.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Notebook } from "../../lib/runner/notebook-file.js";
import { Ledger } from "../../lib/agentcore/ledger.js";
import { cellWith, findSecrets, knownSecrets, outputText, projectRoot, type OwnLocal, type Run } from "../notebook01/helpers.js";
import { runHeadless } from "../helpers/headless-notebook.js";
import { outputProblems } from "../notebook01/output-checks.js";

const NOTEBOOK_NAME = "03-outbound-oauth2-m2m.ipynb";

describe("npm run nb: notebook 03 against its own cold Local AgentCore", () => {
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

  test("the calendar call inside the granted scope is accepted; the one outside it is refused at the API, and the agent says so", (t) => {
    if (!nb) return t.skip("no executed notebook");
    const listed = outputText(cellWith(nb, "prompt: listPrompt"));
    assert.match(listed, /The calendar has no events/);
    const added = outputText(cellWith(nb, "prompt: addPrompt"));
    assert.match(added, /refused the call \(HTTP 403\)/);
    assert.match(added, /needs the calendar\.write scope; the token has calendar\.read/);
    assert.match(outputText(cellWith(nb, "createOauth2CredentialProvider(")), /Created OAuth2 credential provider calendar-m2m-provider/);
  });

  test("nothing is left behind: Local AgentCore holds none of it and the ledger is empty", (t) => {
    if (!nb) return t.skip("no executed notebook");
    assert.match(outputText(cellWith(nb, "listOauth2CredentialProviders")), /Nothing remains/);
    assert.deepEqual(inventory, []);
    assert.deepEqual(new Ledger(local.ledgerDir).entries(), []);
  });

  test("no secret in the notebook or on the terminal; no stderr, warning, absolute path or undefined", (t) => {
    if (!nb) return t.skip("no executed notebook");
    const known = knownSecrets(local.stateDir);
    assert.deepEqual(findSecrets(nbText, known), []);
    assert.deepEqual(findSecrets(result.stdout + result.stderr, known), []);
    assert.deepEqual(outputProblems(nb, projectRoot), []);
  });
});
