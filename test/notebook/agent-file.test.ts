/**
 * writeAgentFile: writes, reports, type-checks with the project's TypeScript (NodeNext, the
 * project's node_modules) and throws type errors with the file and line numbers.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AgentFileTypeError, agentCheckCache, agentTemplate, typeCheckAgentFile, writeAgentFile } from "../../lib/notebook/agent-file.js";

// Agent files must live inside the project (its package.json makes them ESM, its node_modules has
// their packages); out/ is the project's git-ignored scratch folder.
const PROJECT = join(import.meta.dirname, "..", "..");
let dir: string;
let outsideDir: string;

before(() => {
  mkdirSync(join(PROJECT, "out"), { recursive: true });
  dir = mkdtempSync(join(PROJECT, "out", "test-agent-file-"));
  outsideDir = mkdtempSync(join(tmpdir(), "agent-file-outside-"));
});
after(() => {
  rmSync(dir, { recursive: true, force: true });
  rmSync(outsideDir, { recursive: true, force: true });
});

test("writes the file, reports Writing then Overwriting with the line count", () => {
  const lines: string[] = [];
  const file = join(dir, "hello.ts");
  const first = writeAgentFile(file, 'const greeting: string = "hi";\nconsole.log(greeting);', { log: (l) => lines.push(l) });
  assert.deepEqual({ ...first, bytes: undefined }, { path: file, lines: 2, bytes: undefined, overwritten: false });
  assert.equal(readFileSync(file, "utf8"), 'const greeting: string = "hi";\nconsole.log(greeting);\n');
  const second = writeAgentFile(file, "export {};\n", { log: (l) => lines.push(l) });
  assert.equal(second.overwritten, true);
  assert.equal(lines.length, 2);
  assert.match(lines[0]!, /^Writing .*hello\.ts \(2 lines\)$/);
  assert.match(lines[1]!, /^Overwriting .*hello\.ts \(1 lines\)$/);
});

test("a type error is thrown with the file, line and column, and the file is still written", () => {
  const file = join(dir, "broken.ts");
  const source = ['import { Agent } from "@strands-agents/sdk";', "", 'const n: number = "two";', "new Agent({ nope: true });", ""].join("\n");
  assert.throws(
    () => writeAgentFile(file, source, { log: null }),
    (e: unknown) => {
      assert.ok(e instanceof AgentFileTypeError);
      assert.equal(e.path, file);
      assert.deepEqual(
        e.errors.map((x) => [x.line, x.column, x.code]),
        [
          [3, 7, 2322],
          [4, 13, 2353],
        ],
      );
      assert.match(e.message, /broken\.ts was written but does not type-check \(2 errors\)/);
      assert.match(e.message, /broken\.ts:3:7 - error TS2322: Type 'string' is not assignable to type 'number'/);
      assert.match(e.message, /Fix the agent source/);
      return true;
    },
  );
  assert.equal(readFileSync(file, "utf8"), source);
});

test("checks with NodeNext: an ESM-only subpath resolves, a wrong one is reported", () => {
  const ok = join(dir, "esm-ok.ts");
  writeAgentFile(ok, 'import { BedrockAgentCoreApp } from "bedrock-agentcore/runtime";\nexport const app: BedrockAgentCoreApp | undefined = undefined;\n', { log: null });
  const bad = join(dir, "esm-bad.ts");
  writeAgentFile(bad, 'import { nothing } from "bedrock-agentcore/not-a-subpath";\nconsole.log(nothing);\n', { log: null, typeCheck: false });
  const errors = typeCheckAgentFile(bad);
  assert.equal(errors.length, 1);
  assert.equal(errors[0]!.line, 1);
  assert.equal(errors[0]!.code, 2307);
});

test("a file outside the project is refused with the fix: write it next to the notebook", () => {
  const file = join(outsideDir, "agent.ts");
  assert.throws(
    () => writeAgentFile(file, 'import { Agent } from "@strands-agents/sdk";\nconsole.log(Agent);\n', { log: null }),
    /outside the project .* write agent files next to the notebook, in the project's notebooks\/ folder/,
  );
});

test("both tutorial agents type-check", () => {
  for (const name of ["strands_agents_openai", "strands_agents_openai_identity"]) {
    const written = writeAgentFile(join(dir, `${name}.ts`), agentTemplate(name), { log: null });
    assert.ok(written.lines > 20);
  }
  assert.throws(() => agentTemplate("no_such_agent"), /No agent template no_such_agent/);
});

test("notebook 01 writes exactly the agent templates in assets/agents", () => {
  const notebook = JSON.parse(readFileSync(join(PROJECT, "notebooks", "01-outbound-auth-api-key.ipynb"), "utf8")) as {
    cells: { cell_type: string; source: string | string[] }[];
  };
  const code = notebook.cells.filter((c) => c.cell_type === "code").map((c) => (Array.isArray(c.source) ? c.source.join("") : c.source));
  const written = new Map<string, string>();
  for (const cell of code) {
    for (const m of cell.matchAll(/writeAgentFile\("([\w.-]+)\.ts", String\.raw`\n([\s\S]*?)`\);/g)) {
      // The cell holds the source verbatim: plain TypeScript, nothing escaped.
      written.set(m[1]!, m[2]!);
    }
  }
  assert.deepEqual([...written.keys()].sort(), ["strands_agents_openai", "strands_agents_openai_identity"]);
  for (const [name, source] of written) {
    assert.equal(source, agentTemplate(name), `${name}: the notebook and assets/agents/${name}.ts differ`);
    assert.doesNotMatch(source, /`|\$\{|\\`/, `${name}: nothing in the cell may need escaping`);
  }
});

test("checks reuse the packages' parsed files, and an edited file (or one it imports) is checked as it now is", () => {
  const helper = join(dir, "cache_helper.ts");
  const agent = join(dir, "cache_agent.ts");
  writeFileSync(helper, "export const n: number = 1;\n");
  writeFileSync(agent, 'import { z } from "zod";\nimport { n } from "./cache_helper.js";\nexport const s = z.string().parse(String(n));\n');
  assert.deepEqual(typeCheckAgentFile(agent), []);
  const parsed = agentCheckCache.parsed;
  assert.deepEqual(typeCheckAgentFile(agent), []);
  assert.equal(agentCheckCache.parsed, parsed, "nothing parsed again for the same files");
  assert.ok(agentCheckCache.reused > 0);

  // Same names, new text: the errors of the new text, not the cached result.
  writeFileSync(helper, 'export const n: number = "one";\n');
  assert.deepEqual(typeCheckAgentFile(agent), [], "the agent itself is fine; the helper's error is its own");
  writeFileSync(agent, 'import { n } from "./cache_helper.js";\nexport const s: string = n;\n');
  const errors = typeCheckAgentFile(agent);
  assert.equal(errors.length, 1, JSON.stringify(errors));
  assert.match(errors[0]!.message, /Type 'number' is not assignable to type 'string'/);
  assert.equal(agentCheckCache.parsed, parsed + 2, "only the two edited files parsed again");
});
