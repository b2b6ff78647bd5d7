/**
 * Notebook 03 headlessly: `npm run nb -- notebooks/03-outbound-oauth2-m2m.ipynb` against a cold Local
 * AgentCore of this test's own, with the runner's secret guard on (no --allow-secrets). The executed
 * notebook must show the agent's calendar call accepted inside the granted scope and refused outside
 * it, no secret, no stderr or absolute path, and afterwards Local AgentCore must hold nothing the
 * notebook created: no runtime, role, bucket, API-key or OAuth2 credential provider, identity
 * provider client, and an empty ledger.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { cellWith, outputText } from "../notebook01/helpers.js";
import { describeHeadless } from "../helpers/headless-notebook.js";

describeHeadless("npm run nb: notebook 03 against its own cold Local AgentCore", "03-outbound-oauth2-m2m.ipynb", {
  remainsMarker: "listOauth2CredentialProviders",
  ownTests: (run) => {
    test("the calendar call inside the granted scope is accepted; the one outside it is refused at the API, and the agent says so", (t) => {
      if (!run.nb) return t.skip("no executed notebook");
      const listed = outputText(cellWith(run.nb, "prompt: listPrompt"));
      assert.match(listed, /The calendar has no events/);
      const added = outputText(cellWith(run.nb, "prompt: addPrompt"));
      assert.match(added, /refused the call \(HTTP 403\)/);
      assert.match(added, /needs the calendar\.write scope; the token has calendar\.read/);
      assert.match(outputText(cellWith(run.nb, "createOauth2CredentialProvider(")), /Created OAuth2 credential provider calendar-m2m-provider/);
    });
  },
});
