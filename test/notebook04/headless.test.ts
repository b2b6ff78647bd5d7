/**
 * Notebook 04 headlessly: `npm run nb -- notebooks/04-outbound-oauth2-3lo.ipynb` against a cold Local
 * AgentCore of this test's own, with the runner's secret guard on (no --allow-secrets). The executed
 * notebook must show the first invoke's authorization URL as a link, the offline sign-in completing
 * the session at the return URL, and the second invoke reading the user's calendar; no secret, no
 * stderr or absolute path; afterwards Local AgentCore must hold nothing the notebook created: no
 * runtime, role, bucket, credential provider, identity provider client or user, and an empty ledger.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { sourceText, type CodeCell, type Notebook } from "../../lib/runner/notebook-file.js";
import { Ledger } from "../../lib/agentcore/ledger.js";
import { cellWith, findSecrets, knownSecrets, outputText, projectRoot, type OwnLocal, type Run } from "../notebook01/helpers.js";
import { runHeadless } from "../helpers/headless-notebook.js";
import { outputProblems } from "../notebook01/output-checks.js";

const NOTEBOOK_NAME = "04-outbound-oauth2-3lo.ipynb";

describe("npm run nb: notebook 04 against its own cold Local AgentCore", () => {
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

  test("the first invoke streams the authorization URL as a link; the sign-in completes at the return URL; the next invoke reads the user's calendar", (t) => {
    if (!nb) return t.skip("no executed notebook");
    const cells = nb.cells.filter((c): c is CodeCell => c.cell_type === "code" && sourceText(c).includes("prompt: listPrompt"));
    assert.equal(cells.length, 2);
    const first = outputText(cells[0]!);
    assert.match(first, /<a href="http:\/\/127\.0\.0\.1:\d+\/identities\/oauth2\/authorize\?request_uri=[^"]*" target="_blank" rel="noopener">Sign in and allow access to your calendar<\/a>/);
    assert.match(first, /has not authorized access to their calendar yet/);
    assert.match(outputText(cellWith(nb, "signInAndConsent(")), /Signed in as learner and allowed access; the return URL answered 200: Access granted/);
    const second = outputText(cells[1]!);
    assert.match(second, /The calendar has no events/);
    assert.doesNotMatch(second, /asked for consent again/);
    assert.match(outputText(cellWith(nb, "UpdateWorkloadIdentityCommand(")), /allows http:\/\/127\.0\.0\.1:\d+\/oauth2\/return/);
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
