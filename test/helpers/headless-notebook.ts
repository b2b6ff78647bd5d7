/**
 * A tutorial notebook run as CI runs it: `npm run nb -- notebooks/<name>` against a cold Local
 * AgentCore of the test's own, with the runner's secret guard on (no --allow-secrets); then what
 * Local AgentCore still holds, so a test can say nothing was left behind.
 */
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { ListOauth2CredentialProvidersCommand } from "@aws-sdk/client-bedrock-agentcore-control";
import type { Notebook } from "../../lib/runner/notebook-file.js";
import { Ledger } from "../../lib/agentcore/ledger.js";
import { localIdp } from "../../lib/local/client/idp.js";
import { localPaths } from "../../lib/local/client/index.js";
import { makeClients } from "./local.js";
import { cellWith, findSecrets, knownSecrets, localInventory, outputText, ownLocal, projectRoot, readNotebook, run, type OwnLocal, type Run } from "../notebook01/helpers.js";
import { outputProblems } from "../notebook01/output-checks.js";

export interface HeadlessRun {
  local: OwnLocal;
  result: Run;
  /** The executed notebook, when the runner wrote one. */
  nb?: Notebook;
  nbText: string;
  /** What Local AgentCore holds after the run (empty when the notebook cleaned up). */
  inventory: string[];
}

/** The OAuth2 credential providers, identity provider clients and users Local AgentCore holds. */
export async function identityInventory(env: NodeJS.ProcessEnv): Promise<string[]> {
  const values = Object.fromEntries(
    [...readFileSync(localPaths(projectRoot, env).envFile, "utf8").matchAll(/^export (\w+)=(.*)$/gm)].map((m) => [m[1]!, m[2]!.trim()]),
  );
  const credentials = { accessKeyId: values.AWS_ACCESS_KEY_ID!, secretAccessKey: values.AWS_SECRET_ACCESS_KEY! };
  const c = makeClients(values.AWS_ENDPOINT_URL!, values.AWS_REGION!, credentials);
  const idp = localIdp({ endpoint: values.AWS_ENDPOINT_URL!, region: values.AWS_REGION!, credentials });
  try {
    const providers = (await c.control.send(new ListOauth2CredentialProvidersCommand({}))).credentialProviders ?? [];
    return [
      ...providers.map((p) => `oauth2 provider ${p.name}`),
      ...(await idp.listClients()).clients.map((x) => `identity provider client ${x.clientId}`),
      ...(await idp.listUsers()).map((u) => `identity provider user ${u.username}`),
    ];
  } finally {
    for (const client of Object.values(c)) client.destroy();
  }
}

/** Runs notebooks/<name> headlessly; the caller stops `local` when done. */
export async function runHeadless(name: string): Promise<HeadlessRun> {
  const local = await ownLocal();
  const outDir = path.join(local.tmp, "out");
  const result = await run(process.execPath, ["--import", "tsx", path.join(projectRoot, "scripts", "nb.ts"), path.join("notebooks", name), "--out", outDir, "--cell-timeout", "300"], local.env);
  const outFile = path.join(outDir, name);
  const written = existsSync(outFile);
  const inventory = existsSync(path.join(local.stateDir, "env")) ? [...(await localInventory(local.env)), ...(await identityInventory(local.env))] : ["(Local AgentCore never started)"];
  return { local, result, nb: written ? readNotebook(outFile) : undefined, nbText: written ? readFileSync(outFile, "utf8") : "", inventory };
}

/**
 * A notebook's headless test: one run before its tests (its Local AgentCore stopped after them),
 * and the checks every tutorial notebook must pass around the notebook's own (`ownTests`, given
 * the run, which its tests read once it has happened): the run exits 0 with the secret guard on;
 * nothing is left behind (the cell with `remainsMarker` says "Nothing remains", Local AgentCore
 * holds none of it, the ledger is empty); no secret or token, stderr, warning, absolute path or
 * undefined in the notebook or on the terminal.
 */
export function describeHeadless(title: string, name: string, expected: { remainsMarker: string; ownTests: (run: HeadlessRun) => void }): void {
  describe(title, () => {
    const r = {} as HeadlessRun;
    before(async () => {
      Object.assign(r, await runHeadless(name));
    });
    after(async () => {
      await r.local?.stop();
    });

    test("the run exits 0 with the secret guard on", () => {
      assert.equal(r.result.code, 0, `npm run nb failed (exit ${r.result.code}):\n${r.result.stdout.slice(-4000)}\n${r.result.stderr.slice(-4000)}`);
      assert.ok(r.nb, "the executed notebook was written");
    });

    expected.ownTests(r);

    test("nothing is left behind: Local AgentCore holds none of it and the ledger is empty", (t) => {
      if (!r.nb) return t.skip("no executed notebook");
      assert.match(outputText(cellWith(r.nb, expected.remainsMarker)), /Nothing remains/);
      assert.deepEqual(r.inventory, []);
      assert.deepEqual(new Ledger(r.local.ledgerDir).entries(), []);
    });

    test("no secret or token in the notebook or on the terminal; no stderr, warning, absolute path or undefined", (t) => {
      if (!r.nb) return t.skip("no executed notebook");
      const known = knownSecrets(r.local.stateDir);
      assert.deepEqual(findSecrets(r.nbText, known), []);
      assert.deepEqual(findSecrets(r.result.stdout + r.result.stderr, known), []);
      assert.deepEqual(outputProblems(r.nb, projectRoot), []);
    });
  });
}
