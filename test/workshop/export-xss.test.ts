/**
 * Stored XSS through the workshop export: a notebook whose markdown, outputs, error and run
 * parameters carry hostile HTML (a `-p name=<img onerror=…>` or a model answer reaches the page)
 * is exported and opened in headless Chromium. Every payload, if it ran, would call alert() and
 * request /pwned-<where> from the page's server; neither may happen.
 */
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { chromium, type Browser } from "playwright-core";
import type { Notebook } from "../../lib/runner/notebook-file.js";
import { exportSite } from "../../lib/workshop/export/site.js";

const CHROMIUM = "/usr/bin/chromium";

/** JavaScript that shows it ran: a dialog and a request the server records. */
const ran = (where: string) => `alert('${where}');fetch('/pwned-${where}')`;
const lines = (s: string) => s.split(/(?<=\n)/);

function hostileNotebook(): Notebook {
  const param = `<img src=x onerror="${ran("param")}">`;
  return {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: { headless: { status: "failed", failed_cell: `<img src=x onerror="${ran("failed-cell")}">`, error: `<script>${ran("run-error")}</script>`, parameters: { name: param } } },
    cells: [
      {
        id: "m1",
        cell_type: "markdown",
        metadata: {},
        source: lines(
          [
            `# Hostile <img src=x onerror="${ran("heading")}">`,
            ``,
            `<img src=x onerror="${ran("md-img")}">`,
            ``,
            `<script>${ran("md-script")}</script>`,
            ``,
            `<svg onload="${ran("md-svg")}"><circle r="5"/></svg>`,
            ``,
            `<details open ontoggle="${ran("md-details")}"><summary>s</summary>d</details>`,
            ``,
            `<iframe src="javascript:${ran("md-iframe")}"></iframe>`,
            ``,
            `<a href="javascript:${ran("md-a")}" id="md-link">click me</a> and [also me](javascript:${encodeURIComponent(ran("md-mdlink"))})`,
            ``,
            `<form action="/pwned-form"><input name="password" value="x"><button id="submit-btn">go</button></form>`,
            ``,
            `<div style="background:url(/pwned-css)">styled</div>`,
            ``,
            `<img src="https://example.com/pwned-remote.png" alt="remote">`,
            ``,
            `![a diagram](../images/evil.svg)`,
          ].join("\n"),
        ),
      },
      {
        id: "c1",
        cell_type: "code",
        metadata: { headless: { status: "error" } },
        execution_count: 1,
        source: `display.markdown(\`Hello \${name}\`)`,
        outputs: [
          { output_type: "display_data", data: { "text/markdown": `Hello ${param}`, "text/plain": "Hello" }, metadata: {} },
          {
            output_type: "display_data",
            data: { "text/html": `<p>model says</p><img src=x onerror="${ran("html-img")}"><script>${ran("html-script")}</script><a href="javascript:${ran("html-a")}" id="html-link">x</a><img src="/pwned-html-remote-img">` },
            metadata: {},
          },
          {
            output_type: "display_data",
            data: { "image/svg+xml": `<svg xmlns="http://www.w3.org/2000/svg" onload="${ran("svg-onload")}"><script>${ran("svg-script")}</script><circle r="4"/></svg>` },
            metadata: {},
          },
          { output_type: "stream", name: "stdout", text: `<img src=x onerror="${ran("stream")}">\n` },
          { output_type: "error", ename: `<img src=x onerror="${ran("ename")}">`, evalue: "boom", traceback: [`<script>${ran("traceback")}</script>`] },
        ],
      },
    ],
  };
}

let tmp: string;
let server: Server;
let url: string;
const pwned: string[] = [];

before(async () => {
  tmp = mkdtempSync(path.join(os.tmpdir(), "workshop-xss-"));
  mkdirSync(path.join(tmp, "out"));
  mkdirSync(path.join(tmp, "images"));
  mkdirSync(path.join(tmp, "notebooks"));
  // A local image file is inlined as markup: its handlers, even unquoted ones, must not come along.
  writeFileSync(path.join(tmp, "images", "evil.svg"), `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10" onload=${ran("svg-file").replace(/[ ']/g, "")}><a href="javascript:${ran("svg-file-link")}"><circle r="4"/></a></svg>`);
  writeFileSync(path.join(tmp, "out", "66-hostile.ipynb"), JSON.stringify(hostileNotebook()));
  await exportSite({ fromDir: path.join(tmp, "out"), outDir: path.join(tmp, "site"), notebooksDir: path.join(tmp, "notebooks"), env: {} });
  const site = path.join(tmp, "site");
  server = createServer((req, res) => {
    const rel = decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname).replace(/^\/+/, "");
    if (rel.startsWith("pwned")) pwned.push(rel);
    const file = path.resolve(site, rel || "index.html");
    if (!file.startsWith(site + path.sep) || !existsSync(file)) return void res.writeHead(404).end();
    res.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end(readFileSync(file));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});

after(async () => {
  await new Promise((resolve) => server?.close(resolve));
  rmSync(tmp, { recursive: true, force: true });
});

test("the exported HTML holds no live script, handler or javascript: link", () => {
  const page = readFileSync(path.join(tmp, "site", "66-hostile.html"), "utf8");
  // Inside a frame's srcdoc the markup is attribute-escaped: unescape it to inspect it too.
  const frames = [...page.matchAll(/srcdoc="([^"]*)"/g)].map((m) => m[1]!.replace(/&quot;/g, '"').replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&#39;/g, "'").replace(/&amp;/g, "&"));
  for (const html of [page.replace(/srcdoc="[^"]*"/g, ""), ...frames]) {
    assert.doesNotMatch(html, /<script\b/i);
    assert.doesNotMatch(html, /<[^>]+\son[a-z]+\s*=/i, "no event handler attribute");
    assert.doesNotMatch(html, /(href|src)\s*=\s*["']?\s*javascript:/i);
    assert.doesNotMatch(html, /<(iframe|form|input|button)\b(?![^>]*class="output-frame")/i, "no frame, form or field but the output frame");
  }
  assert.equal((page.match(/<iframe class="output-frame" sandbox=""/g) ?? []).length, 1, "the HTML output is framed, with no permission");
});

test("headless Chromium opens the hostile page and no payload runs", async (t) => {
  if (!existsSync(CHROMIUM)) {
    if (process.env.CI) assert.fail(`${CHROMIUM} is missing: .ci/run installs Debian's chromium`);
    t.skip(`${CHROMIUM} not installed (apt-get install chromium)`);
    return;
  }
  let browser: Browser | undefined;
  try {
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    });
    const dialogs: string[] = [];
    const requests: string[] = [];
    const open = async () => {
      const page = await browser!.newPage();
      page.on("dialog", (d) => {
        dialogs.push(d.message());
        d.dismiss().catch(() => {});
      });
      page.on("request", (r) => requests.push(r.url()));
      await page.goto(`${url}/66-hostile.html`, { waitUntil: "load" });
      return page;
    };
    // The links, if any were left with a script, would run when used (links to pages and sites are not followed).
    const clicked = await open();
    for (const frame of clicked.frames()) {
      const links = await frame.locator('a:not([href^="http"]):not([href^="#"]):not([href$=".html"])').all();
      for (const a of links) await a.click({ timeout: 2000, noWaitAfter: true }).catch(() => {});
    }
    await clicked.waitForLoadState("load");
    await clicked.close();
    const page = await open();
    // A settled page: a payload queued on load has had its turn.
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0))));

    assert.deepEqual(dialogs, [], "no alert() ran");
    assert.deepEqual(pwned, [], "no payload reached the server");
    assert.deepEqual(requests.filter((u) => !u.startsWith(url) && !u.startsWith("data:") && u !== "about:srcdoc"), [], "nothing loaded from elsewhere");
    // The content is still shown: the model's text in the frame, the greeting as text.
    const frame = page.frames().find((f) => f.url() === "about:srcdoc");
    assert.ok(frame, "the HTML output's frame");
    assert.match(await frame.locator("body").innerText(), /model says/);
    assert.match(await page.locator("main").innerText(), /Hello/);
  } finally {
    await browser?.close();
  }
});
