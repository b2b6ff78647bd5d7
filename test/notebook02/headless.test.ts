/**
 * Notebook 02 headlessly: `npm run nb -- notebooks/02-inbound-auth-jwt.ipynb` against a cold Local
 * AgentCore of this test's own, with the runner's secret guard on (no --allow-secrets). The executed
 * notebook must show SigV4 refused, the user's token accepted with the agent naming the user who
 * signed in, another app client's token refused, no secret or token, no stderr or absolute path,
 * and afterwards Local AgentCore must hold nothing the notebook created: no runtime, role, bucket,
 * identity provider client or user, and an empty ledger.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { cellWith, outputText } from "../notebook01/helpers.js";
import { describeHeadless } from "../helpers/headless-notebook.js";

describeHeadless("npm run nb: notebook 02 against its own cold Local AgentCore", "02-inbound-auth-jwt.ipynb", {
  remainsMarker: "listUsers()",
  ownTests: (run) => {
    test("SigV4 is refused, the user's token accepted and the agent names that user; another app's token is refused", (t) => {
      if (!run.nb) return t.skip("no executed notebook");
      const sub = /sub ([0-9a-f-]{36});/.exec(outputText(cellWith(run.nb, "createIdpUser(")))?.[1];
      assert.ok(sub, "the user's sub is shown when the user is created");
      assert.match(outputText(cellWith(run.nb, "refusal(() => agentcoreRuntime.invoke({ prompt: prompt }))")), /Refused.*AccessDeniedException.*HTTP 403.*Authorization method mismatch/s);
      const accepted = outputText(cellWith(run.nb, "bearerToken: userToken.accessToken"));
      assert.match(accepted, new RegExp(`You are the user ${sub}, signed in through the app client whoami-web-app`));
      assert.match(accepted, new RegExp(`The agent saw the user who signed in \\(${sub}\\)`));
      const other = outputText(cellWith(run.nb, "bearerToken: otherToken.accessToken"));
      assert.match(other, /client_id: 'whoami-other-app'/);
      assert.match(other, /Refused.*UnauthorizedException.*HTTP 401.*client_id\) is\s+not allowed/s);
    });
  },
});
