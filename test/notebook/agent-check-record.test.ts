/**
 * Records of agent checks (agent-check-record.ts): a later process takes a check's result from its
 * record only while every input of that check is as it was. Each case changes one input the
 * record must notice (a file's text, a resolution, a module format, the record itself) and
 * checks in a new process, whose parse cache is empty, as a kernel's is.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const PROJECT = join(import.meta.dirname, "..", "..");
let dir: string;

before(() => {
  mkdirSync(join(PROJECT, "out"), { recursive: true });
  dir = mkdtempSync(join(PROJECT, "out", "test-agent-record-")); // in the project: its package.json and node_modules
});
after(() => rmSync(dir, { recursive: true, force: true }));

interface Outcome {
  errors: { line: number; code: number; message: string }[];
  recorded: number;
  parsed: number;
}

/** Checks `file` (or `text` as if written there) in a new process with its records in `records`. */
function checkInNewProcess(records: string, file: string, text?: string, env: Record<string, string> = {}): Outcome {
  const check = pathToFileURL(join(PROJECT, "lib", "notebook", "agent-check.ts")).href;
  const script = [
    `const m = await import(${JSON.stringify(check)});`,
    `const errors = ${text === undefined ? `m.checkAgentFileHere(${JSON.stringify(file)})` : `m.checkAgentTextAhead(${JSON.stringify(file)}, ${JSON.stringify(text)})`};`,
    `process.stdout.write(JSON.stringify({ errors, recorded: m.parseStats.recorded, parsed: m.parseStats.parsed }));`,
  ].join("\n");
  const out = execFileSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
    cwd: PROJECT,
    env: { ...process.env, AGENTCORE_AGENT_CHECK_RECORDS: records, ...env },
    encoding: "utf8",
  });
  return JSON.parse(out) as Outcome;
}

/** A case's own folder of agent files and of records. */
function caseDir(name: string): { src: string; records: string } {
  const src = join(dir, name);
  mkdirSync(src, { recursive: true });
  return { src, records: join(src, ".records") };
}

test("a check is answered in a later process from its record, type errors included", () => {
  const { src, records } = caseDir("same");
  const file = join(src, "agent.ts");
  writeFileSync(file, `const n: number = "not a number";\nexport { n };\n`);
  const first = checkInNewProcess(records, file);
  assert.equal(first.recorded, 0);
  assert.ok(first.parsed > 0);
  assert.equal(first.errors.length, 1);
  assert.equal(readdirSync(records).filter((f) => f.endsWith(".json")).length, 1, "one record written");
  const second = checkInNewProcess(records, file);
  assert.equal(second.recorded, 1, "answered from the record");
  assert.equal(second.parsed, 0, "nothing parsed");
  assert.deepEqual(second.errors, first.errors);
});

test("a check made ahead answers the file written with that text, not with another", () => {
  const { src, records } = caseDir("ahead");
  const file = join(src, "agent.ts");
  const text = `export const answer: number = 42;\n`;
  assert.deepEqual(checkInNewProcess(records, file, text).errors, []);
  writeFileSync(file, text);
  assert.equal(checkInNewProcess(records, file).recorded, 1);
  writeFileSync(file, `export const answer: number = "42";\n`);
  const edited = checkInNewProcess(records, file);
  assert.equal(edited.recorded, 0, "other text: checked in full");
  assert.match(edited.errors[0]?.message ?? "", /not assignable to type 'number'/);
});

test("a file the agent imports changed: checked in full", () => {
  const { src, records } = caseDir("import-changed");
  const file = join(src, "agent.ts");
  writeFileSync(join(src, "dep.ts"), `export const v: number = 1;\n`);
  writeFileSync(file, `import { v } from "./dep.js";\nexport const w: number = v;\n`);
  assert.deepEqual(checkInNewProcess(records, file).errors, []);
  writeFileSync(join(src, "dep.ts"), `export const v: string = "1";\n`);
  const after = checkInNewProcess(records, file);
  assert.equal(after.recorded, 0);
  assert.equal(after.errors.length, 1);
});

test("an import that was missing now resolves: checked in full", () => {
  const { src, records } = caseDir("import-appears");
  const file = join(src, "agent.ts");
  writeFileSync(file, `import { v } from "./later.js";\nexport const w: number = v;\n`);
  assert.equal(checkInNewProcess(records, file).errors[0]?.code, 2307, "cannot find module");
  writeFileSync(join(src, "later.ts"), `export const v = 1;\n`);
  const after = checkInNewProcess(records, file);
  assert.equal(after.recorded, 0);
  assert.deepEqual(after.errors, []);
});

test("a package's types now resolve to another file (same files, same texts): checked in full", () => {
  const { src, records } = caseDir("resolution");
  const pkg = join(src, "node_modules", "fake-pkg");
  mkdirSync(pkg, { recursive: true });
  writeFileSync(join(pkg, "number.d.ts"), `export declare const v: number;\n`);
  writeFileSync(join(pkg, "text.d.ts"), `export declare const v: string;\n`);
  writeFileSync(join(pkg, "package.json"), JSON.stringify({ name: "fake-pkg", version: "1.0.0", types: "number.d.ts" }));
  const file = join(src, "agent.ts");
  writeFileSync(file, `import { v } from "fake-pkg";\nexport const w: number = v;\n`);
  assert.deepEqual(checkInNewProcess(records, file).errors, []);
  writeFileSync(join(pkg, "package.json"), JSON.stringify({ name: "fake-pkg", version: "1.0.0", types: "text.d.ts" }));
  const after = checkInNewProcess(records, file);
  assert.equal(after.recorded, 0);
  assert.match(after.errors[0]?.message ?? "", /'string' is not assignable to type 'number'/);
});

test("the folder's package.json makes the agent CommonJS (same files, same resolutions): checked in full", () => {
  const { src, records } = caseDir("format");
  writeFileSync(join(src, "package.json"), JSON.stringify({ type: "module" }));
  const file = join(src, "agent.ts");
  writeFileSync(file, `export const here: string = import.meta.url;\n`);
  assert.deepEqual(checkInNewProcess(records, file).errors, []);
  writeFileSync(join(src, "package.json"), JSON.stringify({ type: "commonjs" }));
  const after = checkInNewProcess(records, file);
  assert.equal(after.recorded, 0);
  assert.equal(after.errors.length, 1, "import.meta is not allowed in CommonJS");
});

test("a damaged record, another file's record or another TypeScript's is not used", () => {
  const { src, records } = caseDir("damaged");
  const file = join(src, "agent.ts");
  const other = join(src, "other.ts");
  writeFileSync(file, `export const a: number = 1;\n`);
  writeFileSync(other, `export const b: number = "b";\n`);
  checkInNewProcess(records, file);
  const [record] = readdirSync(records).filter((f) => f.endsWith(".json"));
  const path = join(records, record!);
  const good = readFileSync(path, "utf8");

  writeFileSync(path, good.slice(0, good.length / 2));
  assert.equal(checkInNewProcess(records, file).recorded, 0, "truncated");
  writeFileSync(path, JSON.stringify({ ...JSON.parse(good), typescript: "0.0.1" }));
  assert.equal(checkInNewProcess(records, file).recorded, 0, "another TypeScript");

  // other.ts's record replaced by agent.ts's (which says: no errors)
  checkInNewProcess(records, other);
  const otherRecord = readdirSync(records).find((f) => f.endsWith(".json") && f !== record)!;
  writeFileSync(join(records, otherRecord), good);
  const swapped = checkInNewProcess(records, other);
  assert.equal(swapped.recorded, 0);
  assert.equal(swapped.errors.length, 1);
});

test("AGENTCORE_AGENT_CHECK_RECORDS=0: no record read or written", () => {
  const { src, records } = caseDir("off");
  const file = join(src, "agent.ts");
  writeFileSync(file, `export const a = 1;\n`);
  checkInNewProcess(records, file);
  const off = checkInNewProcess("0", file);
  assert.equal(off.recorded, 0, "not read");
  assert.ok(off.parsed > 0);
  const unrecorded = join(src, "unrecorded.ts");
  writeFileSync(unrecorded, `export const b = 2;\n`);
  checkInNewProcess("0", unrecorded);
  const name = `${createHash("sha256").update(unrecorded).digest("hex").slice(0, 24)}.json`;
  assert.equal(existsSync(join(PROJECT, "node_modules", ".cache", "agent-check", "records", name)), false, "not written where records go by default");
  assert.equal(existsSync(join(records, name)), false);
});
