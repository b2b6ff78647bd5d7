/**
 * The learner's view of notebook 01: exactly what the README's "Opening the notebooks in Jupyter"
 * says (`npm run kernel:install`, `jupyter notebook notebooks/`, open the notebook, Cell → Run All),
 * on Debian's classic Notebook server with the tslab kernel, in headless Chromium, against this
 * test's own Local AgentCore. Every diagram must load, no cell may show an error or stderr, the
 * markdown outputs must render as HTML and the answers must appear. Screenshots go to
 * out/notebook-browser/. The committed notebook must come out unchanged (autosave is switched off;
 * the file is restored and the test fails if Jupyter wrote it anyway).
 *
 * Runs in CI (CI=true: a missing Jupyter or Chromium is a failure); elsewhere it skips with a message.
 */
import assert from "node:assert/strict";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { type Page } from "playwright-core";
import { localInventory, NOTEBOOK_PATH } from "../notebook01/helpers.js";
import { cellStates, LearnerBrowser, missingTool, pageOrSkip, SCREENSHOTS, waitForRunAll } from "./jupyter.js";

const RUN_ALL_TIMEOUT_MS = 25 * 60_000;

describe("notebook 01 in a real browser (classic Jupyter Notebook, tslab kernel, Chromium)", { timeout: 40 * 60_000 }, () => {
  const missing = missingTool();
  const learner = new LearnerBrowser(NOTEBOOK_PATH, SCREENSHOTS);
  let page: Page | undefined;
  let setupError: string | undefined;

  before(async () => {
    if (missing) return;
    setupError = await learner.prepare();
    if (setupError) return;
    try {
      page = (await learner.open()).page;
      await page.screenshot({ path: path.join(SCREENSHOTS, "01-opened.png"), fullPage: true });
      // Cell → Run All.
      await page.locator("#celllink").click();
      await page.locator("#run_all_cells > a").click();
      await waitForRunAll(page, RUN_ALL_TIMEOUT_MS);
      await page.screenshot({ path: path.join(SCREENSHOTS, "02-after-run-all.png"), fullPage: true });
    } catch (error) {
      setupError = error instanceof Error ? (error.stack ?? error.message) : String(error);
      if (page) await page.screenshot({ path: path.join(SCREENSHOTS, "99-failure.png"), fullPage: true }).catch(() => {});
    }
  });

  after(() => learner.close());

  const ready = (t: { skip(message: string): void }): Page | undefined => pageOrSkip(t, missing, setupError, page);

  test("every code cell ran", async (t) => {
    const p = ready(t);
    if (!p) return;
    const cells = await cellStates(p);
    const code = cells.filter((c) => c.type === "code");
    assert.ok(code.length > 10, `only ${code.length} code cells`);
    const notRun = code.map((c, i) => (typeof c.prompt === "number" ? undefined : `code cell ${i + 1}: [${c.prompt ?? " "}]`)).filter(Boolean);
    assert.deepEqual(notRun, []);
  });

  test("every diagram loads", async (t) => {
    const p = ready(t);
    if (!p) return;
    await p.waitForFunction(() => Array.from(document.querySelectorAll("#notebook img")).every((img) => (img as HTMLImageElement).complete), undefined, { timeout: 60_000 });
    const images = await p.$$eval("#notebook .text_cell_render img", (imgs) => imgs.map((img) => ({ src: img.getAttribute("src"), width: (img as HTMLImageElement).naturalWidth })));
    assert.equal(images.length, 4, `diagrams found: ${JSON.stringify(images)}`);
    assert.deepEqual(images.filter((i) => !(i.width > 0)), [], "images that did not load");
  });

  test("no cell shows an error or anything on stderr", async (t) => {
    const p = ready(t);
    if (!p) return;
    const errors = await p.$$eval("#notebook .output_error, #notebook .output_stderr", (els) => els.map((el) => (el.textContent ?? "").slice(0, 500)));
    assert.deepEqual(errors, []);
  });

  test("markdown outputs render as HTML", async (t) => {
    const p = ready(t);
    if (!p) return;
    const rendered = await p.$$eval("#notebook .output_markdown", (els) => els.map((el) => ({ html: el.innerHTML, text: el.textContent ?? "" })));
    assert.ok(rendered.length >= 3, `markdown outputs: ${rendered.length}`);
    assert.ok(rendered.some((r) => /<strong>Nothing remains<\/strong>/.test(r.html)), "the cleanup check's bold text is HTML");
    assert.deepEqual(rendered.filter((r) => /\*\*|^#+ /m.test(r.text)).map((r) => r.text.slice(0, 200)), [], "raw markdown syntax in a rendered output");
  });

  test("the answers appear", async (t) => {
    const p = ready(t);
    if (!p) return;
    const outputs = (await p.locator("#notebook .output_area").allInnerTexts()).join("\n");
    assert.match(outputs, /weather right now is: sunny/i);
    assert.match(outputs, /token-vault\/default\/apikeycredentialprovider\/openai-apikey-provider/);
    assert.match(outputs, /READY/);
    assert.match(outputs, /Hello! I am the Local AgentCore stand-in model/);
    assert.match(outputs, /2\s*\*\s*2 = 4\b/);
    assert.match(outputs, /Nothing remains/);
  });

  test("the page loads nothing from outside 127.0.0.1", (t) => {
    if (!ready(t)) return;
    assert.deepEqual(learner.outsideRequests(), []);
  });

  test("Local AgentCore holds nothing afterwards", async (t) => {
    if (!ready(t)) return;
    assert.deepEqual(await localInventory(learner.local!.env), []);
  });
});
