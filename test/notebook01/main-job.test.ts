/**
 * The main job: `npm start` runs notebook 01 headlessly against Local AgentCore (its own here:
 * state folder and port of this test), twice in a row. Each executed notebook must hold the
 * tutorial's answers, no secret may show in it or on the terminal, and afterwards Local AgentCore
 * must hold nothing the notebook created.
 */
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import type { Notebook } from "../../lib/runner/notebook-file.js";
import {
  answers,
  findSecrets,
  knownSecrets,
  localInventory,
  NOTEBOOK_NAME,
  outputText,
  ownLocal,
  readNotebook,
  runStart,
  type OwnLocal,
  type Run,
} from "./helpers.js";

interface Pass {
  run: Run;
  outFile: string;
  nb?: Notebook;
  nbText: string;
  /** What Local AgentCore holds once the run is over. */
  inventory: string[];
}

describe("npm start: notebook 01 against its own Local AgentCore, twice", () => {
  let local: OwnLocal;
  const passes: Pass[] = [];

  before(async () => {
    local = await ownLocal();
    for (const n of [1, 2]) {
      const outDir = path.join(local.tmp, `out-${n}`);
      const run = await runStart(local.env, ["--out", outDir, "--cell-timeout", "300"]);
      const outFile = path.join(outDir, NOTEBOOK_NAME);
      const nbText = existsSync(outFile) ? readFileSync(outFile, "utf8") : "";
      passes.push({
        run,
        outFile,
        nbText,
        nb: nbText ? readNotebook(outFile) : undefined,
        inventory: existsSync(path.join(local.stateDir, "env")) ? await localInventory(local.env) : ["(Local AgentCore never started)"],
      });
    }
  });

  after(async () => {
    await local?.stop();
  });

  for (const n of [1, 2]) {
    describe(`run ${n}`, () => {
      const pass = () => passes[n - 1]!;

      test("completes with exit 0 and says where the executed notebook is", () => {
        const { run, outFile } = pass();
        assert.equal(run.code, 0, `npm start failed (exit ${run.code}):\n${run.stdout.slice(-4000)}\n${run.stderr.slice(-4000)}`);
        assert.ok(run.stdout.includes(`Executed notebook: ${outFile}`), run.stdout.slice(-1000));
        assert.ok(existsSync(outFile));
      });

      test("every code cell ran, none failed", () => {
        const nb = pass().nb!;
        const code = nb.cells.filter((c) => c.cell_type === "code");
        assert.ok(code.length >= 15, `only ${code.length} code cells`);
        for (const [i, cell] of code.entries()) {
          const status = (cell.metadata.headless as { status?: string } | undefined)?.status;
          assert.equal(status, "ok", `code cell ${i + 1} status ${status}: ${cell.cell_type === "code" ? outputText(cell).slice(0, 500) : ""}`);
        }
        assert.equal((nb.metadata.headless as { status?: string }).status, "ok");
      });

      test("the local agent answered the weather question with its weather tool", () => {
        assert.match(answers(pass().nb!).local, /weather right now is: sunny/i);
      });

      test("the credential provider's ARN is shown, with the key masked", () => {
        const { provider } = answers(pass().nb!);
        assert.match(provider, /arn:aws:bedrock-agentcore:[a-z0-9-]+:\d{12}:token-vault\/default\/apikeycredentialprovider\/openai-apikey-provider/);
        assert.match(provider, /sk-…[A-Za-z0-9]{4}/);
      });

      test("the launch created the runtime, which became READY", () => {
        const { launch, status } = answers(pass().nb!);
        assert.match(launch, /arn:aws:bedrock-agentcore:[a-z0-9-]+:\d{12}:runtime\/strands_agents_openai-/);
        // Cleanup ran in between, so the second run creates it again ("Recreated": the config file remembered it).
        assert.match(launch, /(Created|Recreated) agent runtime/);
        assert.match(status, /READY/);
      });

      test('the runtime answered "Hello"', () => {
        assert.match(answers(pass().nb!).hello, /^Hello! I am the Local AgentCore stand-in model/m);
      });

      test('"How much is 2X2?" through the raw SDK: 4, computed by the calculator tool', () => {
        // The stand-in model only writes "<expression> = <result>" from a calculator tool result.
        assert.match(answers(pass().nb!).sdk, /2\s*\*\s*2 = 4\b/);
      });

      test("the cleanup report lists every resource deleted, the credential provider included", () => {
        const { cleanup, remaining } = answers(pass().nb!);
        for (const kind of ["agent-runtime", "iam-role-policy", "iam-role", "credential-provider", "s3-object"]) {
          assert.match(cleanup, new RegExp(`${kind}.*deleted`), `${kind} not reported deleted:\n${cleanup}`);
        }
        assert.doesNotMatch(cleanup, /failed/);
        assert.match(remaining, /Nothing remains/);
      });

      test("no secret anywhere in the executed notebook or the terminal output", () => {
        const { run, nbText } = pass();
        const known = knownSecrets(local.stateDir);
        assert.ok(known.length > 0, "the test must know the notebook user's secret key to look for it");
        assert.deepEqual(findSecrets(nbText, known), [], "in the executed notebook");
        assert.deepEqual(findSecrets(run.stdout, known), [], "in stdout");
        assert.deepEqual(findSecrets(run.stderr, known), [], "in stderr");
      });

      test("afterwards Local AgentCore holds no runtime, role, repository, provider or bucket", () => {
        assert.deepEqual(pass().inventory, []);
      });
    });
  }
});
