/** Parameter parsing and injection (papermill semantics, TypeScript declarations). */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { normalizeNotebook, sourceText } from "../../lib/runner/notebook-file.js";
import { declaredParameters, injectedParametersSource, injectParameters, parseParameterArg } from "../../lib/runner/parameters.js";
import { codeCells, errorOf, fixture, readExecuted, runNb, tempDir } from "./helpers.js";

describe("parseParameterArg", () => {
  test("values are JSON when they parse, else strings", () => {
    assert.deepEqual(parseParameterArg("n=42"), ["n", 42]);
    assert.deepEqual(parseParameterArg("b=true"), ["b", true]);
    assert.deepEqual(parseParameterArg("x=null"), ["x", null]);
    assert.deepEqual(parseParameterArg('o={"a":[1,2]}'), ["o", { a: [1, 2] }]);
    assert.deepEqual(parseParameterArg('s="quoted"'), ["s", "quoted"]);
    assert.deepEqual(parseParameterArg("region=us-west-2"), ["region", "us-west-2"]);
    assert.deepEqual(parseParameterArg("eq=a=b"), ["eq", "a=b"]);
    assert.deepEqual(parseParameterArg("empty="), ["empty", ""]);
  });
});

describe("declarations", () => {
  test("keyword and annotation of each top-level variable of the parameters cell", () => {
    const found = declaredParameters('const a = 1;\nlet b: string | undefined = undefined;\nvar c: number[] = [], d = "x";\nfunction f() { const inner = 1; }');
    assert.deepEqual(Object.fromEntries(found), {
      a: { keyword: "const", typeText: undefined },
      b: { keyword: "let", typeText: "string | undefined" },
      c: { keyword: "var", typeText: "number[]" },
      d: { keyword: "var", typeText: undefined },
    });
    assert.equal(found.has("inner"), false);
  });

  test("widened types for unannotated primitives, the declared type otherwise", () => {
    const declared = declaredParameters('const region = "us-east-1";\nlet retries: 1 | 2 | 3 = 1;\nconst tags = ["a"];');
    const src = injectedParametersSource(new Map<string, unknown>([["region", "eu-west-1"], ["retries", 2], ["tags", ["b", "c"]], ["extra", false]]), declared);
    assert.equal(
      src,
      [
        "// Parameters injected by the headless runner (-p name=value)",
        'const region: string = "eu-west-1";',
        "let retries: 1 | 2 | 3 = 2;",
        'const tags = ["b","c"];',
        "const extra: boolean = false;",
      ].join("\n"),
    );
  });

  test("the injected cell goes right after the parameters cell, or first when there is none", () => {
    const make = (tagged: boolean) =>
      normalizeNotebook({
        nbformat: 4,
        nbformat_minor: 4,
        metadata: {},
        cells: [
          { cell_type: "markdown", metadata: {}, source: "# t" },
          { cell_type: "code", metadata: tagged ? { tags: ["parameters"] } : {}, source: "const n = 1;", outputs: [], execution_count: null },
          { cell_type: "code", metadata: {}, source: "n", outputs: [], execution_count: null },
        ],
      });
    const nb = make(true);
    const injection = injectParameters(nb, new Map([["n", 2], ["typo", 3]]));
    assert.deepEqual(injection, { index: 2, unknownNames: ["typo"] });
    assert.deepEqual(nb.cells[2]!.metadata.tags, ["injected-parameters"]);
    assert.match(sourceText(nb.cells[2]!), /^const n: number = 2;$/m);
    assert.equal(nb.cells.length, 4);
    // cells got nbformat 4.5 ids, unique
    assert.equal(new Set(nb.cells.map((c) => c.id)).size, 4);

    const untagged = make(false);
    assert.equal(injectParameters(untagged, new Map([["n", 2]]))?.index, 0);
    assert.equal(injectParameters(untagged, new Map()), undefined);
  });
});

describe("injected values are type-checked like any cell", () => {
  test("a value of the wrong type fails the injected-parameters cell with exit 1", async () => {
    const out = await tempDir();
    const run = await runNb([fixture("basics.ipynb"), "--out", out, "-p", "count=many"]);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /✗ injected-parameters cell \(execution count \[2\]\) failed/);
    assert.match(run.stderr, /Type 'string' is not assignable to type 'number'/);
    const nb = readExecuted(out, "basics.ipynb");
    const injected = codeCells(nb).find((c) => (c.metadata.tags ?? []).includes("injected-parameters"))!;
    assert.equal(errorOf(injected)?.ename, "TypeScriptError");
  });
});
