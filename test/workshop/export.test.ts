/**
 * The exporter on a notebook made for the purpose: markdown, highlighted code, ANSI streams,
 * display data of each kind, an error, diagrams inlined, images embedded, secrets masked, and
 * nothing on the page that would need the network.
 */
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import type { Notebook } from "../../lib/runner/notebook-file.js";
import { exportSite, NothingToExportError, type ExportResult } from "../../lib/workshop/export/site.js";
import { ownWorkshop, type Workshop } from "./helpers.js";

const SK_KEY = "sk-local-" + "Ab3dEf6hIj9kLm2nOp5qRs8t";
const ENV_SECRET = "a-session-token-" + "value-42x";
const AWS_SECRET = "wJalrXUtnFEMI/K7MDENG/" + "bPxRfiCYEXAMPLEKEY";
// One pixel, transparent.
const PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=";
const SVG = `<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 40" width="100" height="40"><title>Flow</title><defs><marker id="arrow"><path d="M0,0 L10,5 z"/></marker></defs><line x1="0" y1="20" x2="90" y2="20" marker-end="url(#arrow)"/><text x="5" y="15">vault</text></svg>`;

const lines = (s: string) => s.split(/(?<=\n)/);

function fixture(): Notebook {
  return {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: { kernelspec: { name: "tslab", display_name: "TypeScript", language: "typescript" }, headless: { status: "ok", start_time: "2026-01-02T03:04:05.000Z", duration_ms: 4200, parameters: { name: "Ada" } } },
    cells: [
      { id: "m1", cell_type: "markdown", metadata: {}, source: lines(`# Fixture notebook\n\nSome **prose** and a [link](other.ipynb).\n\n<img src="../images/flow.svg" width="50%" alt="The flow diagram"/>\n\n![again](../images/flow.svg)\n\n![pixel](../images/pixel.png)\n\n![remote](https://example.com/remote.png)\n\n\`\`\`ts\nconst fenced: number = 1;\n\`\`\`\n`) },
      { id: "m2", cell_type: "markdown", metadata: {}, source: "## Outputs\n" },
      {
        id: "c1",
        cell_type: "code",
        metadata: { tags: ["parameters"], headless: { status: "ok", duration_ms: 12 } },
        execution_count: 1,
        source: lines(`const answer = await compute("${SK_KEY}");\nconsole.log(answer);`),
        outputs: [
          { output_type: "stream", name: "stdout", text: ["\u001b[31mred\u001b[0m and \u001b[1mbold\u001b[0m\n", `key ${SK_KEY}, token ${ENV_SECRET}\n`] },
          { output_type: "stream", name: "stdout", text: `aws secret ${AWS_SECRET}\n` },
          { output_type: "stream", name: "stderr", text: "a warning <b>not html</b>\n" },
          { output_type: "display_data", data: { "text/markdown": "| a | b |\n|---|---|\n| 1 | 2 |\n", "text/plain": "table" }, metadata: {} },
          { output_type: "display_data", data: { "application/json": { apiKey: "named-like-a-secret-123", region: "us-east-1" } }, metadata: {} },
          { output_type: "display_data", data: { "image/png": PNG }, metadata: {} },
          { output_type: "execute_result", execution_count: 1, data: { "text/plain": "42" }, metadata: {} },
        ],
      },
      {
        id: "c2",
        cell_type: "code",
        metadata: { headless: { status: "error", duration_ms: 3 } },
        execution_count: 2,
        source: "throw new Error('boom')",
        outputs: [{ output_type: "error", ename: "Error", evalue: "boom", traceback: ["\u001b[31mError: boom\u001b[0m", "    at cell 4"] }],
      },
    ],
  };
}

describe("export", () => {
  let tmp: string;
  let result: ExportResult;
  let page: string;
  let index: string;

  before(async () => {
    tmp = mkdtempSync(path.join(os.tmpdir(), "workshop-export-"));
    mkdirSync(path.join(tmp, "images"));
    mkdirSync(path.join(tmp, "notebooks"));
    mkdirSync(path.join(tmp, "out"));
    writeFileSync(path.join(tmp, "images", "flow.svg"), SVG);
    writeFileSync(path.join(tmp, "images", "pixel.png"), Buffer.from(PNG, "base64"));
    writeFileSync(path.join(tmp, "out", "10-fixture.ipynb"), JSON.stringify(fixture()));
    result = await exportSite({ fromDir: path.join(tmp, "out"), outDir: path.join(tmp, "site"), notebooksDir: path.join(tmp, "notebooks"), env: { MY_SESSION_TOKEN: ENV_SECRET } });
    page = readFileSync(path.join(tmp, "site", "10-fixture.html"), "utf8");
    index = readFileSync(result.index, "utf8");
  });

  after(() => rmSync(tmp, { recursive: true, force: true }));

  test("one page per executed notebook and an index linking to it", () => {
    assert.equal(result.pages.length, 1);
    assert.equal(result.pages[0]!.title, "Fixture notebook");
    assert.match(index, /<a class="card" href="10-fixture\.html"><h2>Fixture notebook<\/h2>/);
    assert.match(index, /every cell ran/);
  });

  test("markdown rendered, headings numbered for the contents, notebook links point at pages", () => {
    assert.match(page, /<h1 id="fixture-notebook">Fixture notebook<\/h1>/);
    assert.match(page, /<strong>prose<\/strong>/);
    assert.match(page, /<a href="other\.html">link<\/a>/);
    assert.match(page, /<nav class="toc"[\s\S]*href="#outputs"/);
  });

  test("code highlighted by highlight.js, in cells and in fenced blocks", () => {
    assert.match(page, /<code class="hljs language-typescript"><span class="hljs-keyword">const<\/span> answer/);
    assert.match(page, /<pre class="code-block"><code class="hljs language-ts"><span class="hljs-keyword">const<\/span> <span class="hljs-attr">fenced<\/span>: <span class="hljs-built_in">number<\/span>/);
    assert.match(page, /\.hljs-keyword\{|\.hljs-keyword,|\.hljs-keyword \{/, "the highlight theme is inlined");
  });

  test("ANSI colours become styled spans; stream text is escaped, not interpreted", () => {
    assert.match(page, /<span style="color:#cf222e">red<\/span>/);
    assert.match(page, /<b>bold<\/b>/);
    assert.match(page, /a warning &lt;b&gt;not html&lt;\/b&gt;/);
    assert.doesNotMatch(page, /\u001b/);
    // Consecutive stdout writes are one block, as in Jupyter.
    assert.equal((page.match(/class="output-stream stdout"/g) ?? []).length, 1);
    assert.match(page, /class="output-stream stderr"/);
  });

  test("display data by its richest type, execute results and errors", () => {
    assert.match(page, /<div class="output-markdown markdown"><table>/);
    assert.match(page, /class="output-json"><code class="hljs language-json">/);
    assert.match(page, new RegExp(`src="data:image/png;base64,${PNG.slice(0, 20)}`));
    assert.match(page, /<div class="output-result"><pre class="output-text">42<\/pre>/);
    assert.match(page, /<div class="output-error" role="alert"><div class="error-name">Error<\/div><pre><span style="color:#cf222e">Error: boom<\/span>/);
    assert.match(page, /class="cell-body failed"/);
  });

  test("diagrams inlined as SVG, each copy with its own ids; local images embedded; remote ones become links", () => {
    const svgs = page.match(/<svg\b[^>]*class="diagram"/g) ?? [];
    assert.equal(svgs.length, 2);
    assert.doesNotMatch(page, /<\?xml/);
    const ids = [...page.matchAll(/<marker id="([^"]+)"/g)].map((m) => m[1]);
    assert.equal(new Set(ids).size, 2, `distinct marker ids: ${ids.join(", ")}`);
    for (const id of ids) assert.ok(page.includes(`url(#${id})`), `the line refers to its own marker ${id}`);
    assert.match(page, /aria-label="The flow diagram"/);
    assert.match(page, /style="width:50%"/);
    assert.doesNotMatch(page, /src="\.\.\/images\//);
    assert.match(page, /<img src="data:image\/png;base64,[^"]+" alt="pixel">/);
    assert.match(page, /<a class="remote-image" href="https:\/\/example\.com\/remote\.png">remote<\/a>/);
  });

  test("secrets masked everywhere: shaped keys, secret-named variables, AWS secret keys, secret-named JSON members", () => {
    for (const secret of [SK_KEY, ENV_SECRET, AWS_SECRET, "named-like-a-secret-123"]) {
      assert.ok(!page.includes(secret), `page leaks ${secret.slice(0, 6)}…`);
      assert.ok(!index.includes(secret));
    }
    assert.ok(page.includes("sk-…8t".replace("8t", SK_KEY.slice(-4))), "the masked form is shown");
  });

  test("nothing on the page needs the network", () => {
    const loads = [...page.matchAll(/\b(?:src|href)="([^"]*)"|url\(([^)]*)\)|@import/g)].map((m) => m[1] ?? m[2] ?? m[0]);
    const remote = loads.filter((u) => /^(https?:)?\/\//.test(u) || u === "@import");
    assert.deepEqual(remote, ["https://example.com/remote.png"], "only the link that replaced the remote image");
    assert.doesNotMatch(page, /<link\b|<script\b/);
  });

  test("an empty folder is a clear error", async () => {
    await assert.rejects(exportSite({ fromDir: path.join(tmp, "nothing-here"), outDir: path.join(tmp, "site2") }), (e: Error) => e instanceof NothingToExportError && /npm run workshop -- prepare/.test(e.message));
  });
});

describe("workshop command line", () => {
  let ws: Workshop;
  before(async () => (ws = await ownWorkshop()));
  after(async () => ws?.stop());

  test("--help, an unknown command and a misplaced option", async () => {
    const help = await ws.workshop(["--help"]);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /prepare \[--out <dir>\]/);
    assert.equal((await ws.workshop(["bake"])).code, 2);
    assert.equal((await ws.workshop(["prepare", "--yes"])).code, 2);
  });

  test("export with nothing executed says to run prepare first (exit 1)", async () => {
    const r = await ws.workshop(["export", "--from", path.join(ws.tmp, "empty"), "--out", ws.siteDir]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /No executed notebooks .* npm run workshop -- prepare/);
  });

  test("reset without --yes and without a terminal deletes nothing and says how to confirm", async () => {
    mkdirSync(ws.outDir, { recursive: true });
    writeFileSync(path.join(ws.outDir, "keep.ipynb"), "{}");
    mkdirSync(ws.stateDir, { recursive: true });
    writeFileSync(path.join(ws.stateDir, "marker"), "state");
    const r = await ws.workshop(["reset", "--out", ws.outDir]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /Run it with --yes/);
    assert.equal(readFileSync(path.join(ws.outDir, "keep.ipynb"), "utf8"), "{}");
    assert.equal(readFileSync(path.join(ws.stateDir, "marker"), "utf8"), "state");
  });
});
