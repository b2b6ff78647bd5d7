/**
 * A workshop from start to finish, on a Local AgentCore of the test's own: `prepare` (every
 * notebook executed once, notebook 01 included) → `export` → headless Chromium reads the site from
 * a local server (headings, the "How much is 2X2?" answer, no secret, no request leaving
 * 127.0.0.1; screenshot in out/workshop/) → `reset --yes` leaves nothing behind → the next
 * `prepare` works.
 */
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync, readdirSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { createConnection } from "node:net";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { chromium, type Browser } from "playwright-core";
import { findSecrets, knownSecrets } from "../notebook01/helpers.js";
import { ownWorkshop, projectRoot, type Workshop } from "./helpers.js";
import type { Run } from "../notebook01/helpers.js";

const CHROMIUM = "/usr/bin/chromium";
const SCREENSHOT_DIR = path.join(projectRoot, "out", "workshop");

/** Serves a folder on 127.0.0.1 (port chosen by the OS); nothing outside it. */
async function serveFolder(dir: string): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    const rel = decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname).replace(/^\/+/, "") || "index.html";
    const file = path.resolve(dir, rel);
    if (!file.startsWith(dir + path.sep) || !existsSync(file)) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { "content-type": file.endsWith(".html") ? "text/html; charset=utf-8" : "application/octet-stream" }).end(readFileSync(file));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as { port: number }).port}` };
}

function portAnswers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host: "127.0.0.1" });
    socket.once("connect", () => (socket.destroy(), resolve(true)));
    socket.once("error", () => resolve(false));
  });
}

describe("a workshop: prepare, export, browser, reset, prepare again", () => {
  let ws: Workshop;
  let first: Run;
  let secrets: string[] = [];

  before(async () => {
    ws = await ownWorkshop();
    first = await ws.workshop(["prepare", "--out", ws.outDir]);
    if (existsSync(path.join(ws.stateDir, "env"))) secrets = knownSecrets(ws.stateDir);
  });

  after(async () => {
    await ws?.stop();
  });

  test("prepare exits 0 with a checklist, every notebook executed and cleaned up", () => {
    assert.equal(first.code, 0, `prepare failed:\n${first.stdout}\n${first.stderr}`);
    assert.match(first.stdout, /Checklist \(target local\):/);
    assert.match(first.stdout, /✓ Jupyter kernel|✗ Jupyter kernel .*\(optional\)/);
    assert.match(first.stdout, new RegExp(`✓ Local AgentCore start\\s+started at http://127\\.0\\.0\\.1:${ws.env.AGENTCORE_LOCAL_PORT}`));
    assert.match(first.stdout, /✓ Agent dependencies\s+\d+ packages/);
    assert.match(first.stdout, /✓ Node\.js/);
    for (const nb of readdirSync(path.join(projectRoot, "notebooks")).filter((f) => f.endsWith(".ipynb"))) {
      const name = nb.replace(/\.ipynb$/, "");
      assert.match(first.stdout, new RegExp(`✓ Notebook ${name}\\s+every cell ran in [\\d.]+ s, cleaned up`));
      assert.ok(existsSync(path.join(ws.outDir, nb)), `${nb} executed into --out`);
    }
    assert.match(first.stdout, /READY in \d+ s/);
    // The run's own ledger is empty again: cleanup ran.
    const ledger = path.join(ws.ledgerDir, ".agentcore-ledger.json");
    if (existsSync(ledger)) assert.deepEqual(JSON.parse(readFileSync(ledger, "utf8")).entries, []);
    // The kernel went to this test's Jupyter folder, not the user's.
    if (/✓ Jupyter kernel/.test(first.stdout)) assert.ok(existsSync(path.join(ws.env.JUPYTER_DATA_DIR!, "kernels", "tslab", "kernel.json")));
  });

  test("export writes a page per executed notebook and an index; no secret in any of them", async () => {
    const r = await ws.workshop(["export", "--from", ws.outDir, "--out", ws.siteDir]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const pages = readdirSync(ws.siteDir).sort();
    assert.ok(pages.includes("index.html") && pages.includes("01-outbound-auth-api-key.html") && pages.includes("00-hello.html"), pages.join(", "));
    for (const page of pages) assert.deepEqual(findSecrets(readFileSync(path.join(ws.siteDir, page), "utf8"), secrets), [], page);
  });

  test("headless Chromium reads the exported notebook 01 from a local server", async (t) => {
    if (!existsSync(CHROMIUM)) {
      if (process.env.CI) assert.fail(`${CHROMIUM} is missing: .ci/run installs Debian's chromium`);
      t.skip(`${CHROMIUM} not installed (apt-get install chromium)`);
      return;
    }
    const { server, url } = await serveFolder(ws.siteDir);
    let browser: Browser | undefined;
    try {
      browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
      });
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      const requests: string[] = [];
      page.on("request", (req) => requests.push(req.url()));

      await page.goto(`${url}/index.html`);
      await page.getByRole("link", { name: /Outbound Auth/ }).click();
      await page.waitForURL(/01-outbound-auth-api-key\.html$/);

      const h1 = await page.locator("main h1").allTextContents();
      assert.deepEqual(h1, ["Outbound Auth", "Hosting Strands Agents with OpenAI models in Amazon Bedrock AgentCore Runtime", "Congratulations!"]);
      const h2 = await page.locator("main h2").allTextContents();
      for (const heading of ["Creating your agents and experimenting locally", "Create a Resource Credential Provider", "Deploying the agent to AgentCore Runtime", "Cleanup"]) {
        assert.ok(h2.includes(heading), `h2 "${heading}" in ${h2.join(" | ")}`);
      }
      assert.ok((await page.locator("nav.toc a").count()) >= 10, "a table of contents");

      // The cell that asks "How much is 2X2?" (the mathPrompt parameter) through the AWS SDK.
      const mathCell = page.locator("section.code-cell", { hasText: "InvokeAgentRuntimeCommand({" });
      assert.equal(await mathCell.count(), 1);
      const answer = (await mathCell.locator(".outputs").innerText()).trim();
      assert.match(answer, /2\s*[*x×X]\s*2\s*=\s*4\b/, `the answer to "How much is 2X2?": ${answer}`);
      assert.match(await page.locator("section.code-cell", { hasText: "const mathPrompt" }).innerText(), /How much is 2X2\?/);

      // The diagrams are inline SVG, laid out with a real size.
      const diagrams = page.locator("svg.diagram");
      assert.equal(await diagrams.count(), 4);
      for (const box of await Promise.all((await diagrams.all()).map((d) => d.boundingBox()))) assert.ok(box && box.width > 200 && box.height > 50);

      // No secret in what the page shows or holds; the masked provider key is shown instead.
      const shown = await page.locator("body").innerText();
      assert.deepEqual(findSecrets(shown, secrets), []);
      assert.deepEqual(findSecrets(await page.content(), secrets), []);
      assert.match(shown, /key sk-…\w{4}\)/);

      // Everything came from the local server: the page needs no network.
      const foreign = requests.filter((u) => !u.startsWith(url) && !u.startsWith("data:"));
      assert.deepEqual(foreign, []);

      mkdirSync(SCREENSHOT_DIR, { recursive: true });
      await page.screenshot({ path: path.join(SCREENSHOT_DIR, "notebook-01.png") });
      await mathCell.scrollIntoViewIfNeeded();
      await page.screenshot({ path: path.join(SCREENSHOT_DIR, "notebook-01-2x2.png") });
      assert.ok(readFileSync(path.join(SCREENSHOT_DIR, "notebook-01.png")).subarray(1, 4).toString() === "PNG");
    } finally {
      await browser?.close();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  test("reset --yes stops Local AgentCore and leaves no state, ledger or executed notebook behind; the next prepare works", async () => {
    const port = Number(ws.env.AGENTCORE_LOCAL_PORT);
    const r = await ws.workshop(["reset", "--yes", "--out", ws.outDir]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /Reset done: Local AgentCore stopped/);
    assert.equal(existsSync(ws.stateDir), false, "state folder deleted");
    assert.equal(existsSync(ws.outDir), false, "executed notebooks deleted");
    assert.equal(existsSync(path.join(ws.ledgerDir, ".agentcore-ledger.json")), false, "ledger deleted");
    assert.equal(existsSync(path.join(projectRoot, "notebooks", ".agentcore.json")), false, "the runtime configuration the notebook wrote is gone");
    assert.equal(await portAnswers(port), false, "nothing listens on Local AgentCore's port");

    const again = await ws.workshop(["prepare", "--out", ws.outDir]);
    assert.equal(again.code, 0, `second prepare failed:\n${again.stdout}\n${again.stderr}`);
    assert.match(again.stdout, /✓ Local AgentCore start\s+started at/);
    assert.match(again.stdout, /✓ Agent dependencies\s+.*already cached/);
    assert.match(again.stdout, /✓ Notebook 01-outbound-auth-api-key\s+every cell ran/);
  });
});
