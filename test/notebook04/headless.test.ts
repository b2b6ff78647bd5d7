/**
 * Notebook 04 headlessly: `npm run nb -- notebooks/04-outbound-oauth2-3lo.ipynb` against a cold Local
 * AgentCore of this test's own, with the runner's secret guard on (no --allow-secrets). The executed
 * notebook must show the first invoke's authorization URL as a link, the offline sign-in completing
 * the session at the return URL, and the second invoke reading the user's calendar; no secret, no
 * stderr or absolute path; afterwards Local AgentCore must hold nothing the notebook created: no
 * runtime, role, bucket, credential provider, identity provider client or user, and an empty ledger.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { sourceText, type CodeCell } from "../../lib/runner/notebook-file.js";
import { cellWith, outputText } from "../notebook01/helpers.js";
import { describeHeadless } from "../helpers/headless-notebook.js";

describeHeadless("npm run nb: notebook 04 against its own cold Local AgentCore", "04-outbound-oauth2-3lo.ipynb", {
  remainsMarker: "listOauth2CredentialProviders",
  ownTests: (run) => {
    test("the first invoke streams the authorization URL as a link; the sign-in completes at the return URL; the next invoke reads the user's calendar", (t) => {
      if (!run.nb) return t.skip("no executed notebook");
      const cells = run.nb.cells.filter((c): c is CodeCell => c.cell_type === "code" && sourceText(c).includes("prompt: listPrompt"));
      assert.equal(cells.length, 2);
      const first = outputText(cells[0]!);
      assert.match(first, /<a href="http:\/\/127\.0\.0\.1:\d+\/identities\/oauth2\/authorize\?request_uri=[^"]*" target="_blank" rel="noopener">Sign in and allow access to your calendar<\/a>/);
      assert.match(first, /has not authorized access to their calendar yet/);
      assert.match(outputText(cellWith(run.nb, "signInAndConsent(")), /Signed in as learner and allowed access; the return URL answered 200: Access granted/);
      const second = outputText(cells[1]!);
      assert.match(second, /The calendar has no events/);
      assert.doesNotMatch(second, /asked for consent again/);
      assert.match(outputText(cellWith(run.nb, "UpdateWorkloadIdentityCommand(")), /allows http:\/\/127\.0\.0\.1:\d+\/oauth2\/return/);
    });
  },
});
