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
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { chromium, type Browser, type Page } from "playwright-core";
import { freePort } from "../../lib/local/free-port.js";
import { localInventory, NOTEBOOK_NAME, NOTEBOOK_PATH, ownLocal, projectRoot, run, type OwnLocal } from "../notebook01/helpers.js";

const CHROMIUM = "/usr/bin/chromium";
const JUPYTER = "/usr/bin/jupyter";
const PYTHON = "/usr/bin/python3";
const SCREENSHOTS = path.join(projectRoot, "out", "notebook-browser");
const RUN_ALL_TIMEOUT_MS = 25 * 60_000;

/** Why this machine cannot run the test, or undefined. */
function missingTool(): string | undefined {
  if (!existsSync(CHROMIUM)) return `${CHROMIUM} not installed (apt-get install chromium)`;
  if (!existsSync(JUPYTER)) return `${JUPYTER} not installed (apt-get install python3-notebook jupyter-notebook)`;
  return undefined;
}

/** Starts `jupyter notebook notebooks/` as the README says, plus what a test needs: no browser, 127.0.0.1, a random port, a token. */
async function startNotebookServer(env: NodeJS.ProcessEnv, logFile: string): Promise<{ server: ChildProcess; url: string; token: string }> {
  const port = await freePort();
  const token = randomBytes(24).toString("hex");
  const server = spawn(
    JUPYTER,
    [
      "notebook", "notebooks/", "--no-browser", "--ip=127.0.0.1", `--port=${port}`, "--port-retries=0", `--NotebookApp.token=${token}`,
      // CI containers run as root, which Jupyter refuses unless told.
      ...(process.getuid?.() === 0 ? ["--allow-root"] : []),
    ],
    { cwd: projectRoot, env, stdio: ["ignore", "pipe", "pipe"] },
  );
  let log = "";
  const collect = (chunk: Buffer) => {
    log += chunk.toString();
    writeFileSync(logFile, log);
  };
  server.stdout!.on("data", collect);
  server.stderr!.on("data", collect);
  const url = `http://127.0.0.1:${port}`;
  // Ready when the API answers (with the token); gone if the process exits first.
  for (let attempt = 0; attempt < 240; attempt++) {
    if (server.exitCode !== null) throw new Error(`jupyter notebook exited with ${server.exitCode}:\n${log}`);
    const ok = await fetch(`${url}/api/status?token=${token}`).then((r) => r.ok, () => false);
    if (ok) return { server, url, token };
    await new Promise((r) => setTimeout(r, 500));
  }
  server.kill();
  throw new Error(`jupyter notebook did not answer on ${url}:\n${log}`);
}

interface CellState {
  type: string;
  prompt: number | string | null;
}

/** Waits until no code cell is queued or running and the kernel is idle, twice in a row (a cell can start just after an idle moment). */
async function waitForRunAll(page: Page): Promise<void> {
  const settled = () =>
    page.waitForFunction(
      () => {
        const nb = (window as unknown as { Jupyter: { notebook: { get_cells(): { cell_type: string; input_prompt_number?: unknown }[] } } }).Jupyter.notebook;
        const busy = nb.get_cells().some((c) => c.cell_type === "code" && c.input_prompt_number === "*");
        return !busy && document.querySelector("#kernel_indicator_icon.kernel_idle_icon") !== null;
      },
      undefined,
      { timeout: RUN_ALL_TIMEOUT_MS, polling: 1000 },
    );
  await settled();
  await page.waitForTimeout(3000);
  await settled();
}

describe("notebook 01 in a real browser (classic Jupyter Notebook, tslab kernel, Chromium)", { timeout: 40 * 60_000 }, () => {
  const missing = missingTool();
  let local: OwnLocal;
  let server: ChildProcess | undefined;
  let browser: Browser | undefined;
  let page: Page | undefined;
  let setupError: string | undefined;
  let requests: string[] = [];
  const committedNotebook = readFileSync(NOTEBOOK_PATH, "utf8");

  before(async () => {
    if (missing) return;
    local = await ownLocal();
    mkdirSync(SCREENSHOTS, { recursive: true });
    const env = {
      ...local.env,
      JUPYTER_PATH: path.join(local.tmp, "share", "jupyter"),
      JUPYTER_CONFIG_DIR: path.join(local.tmp, "config"),
      JUPYTER_RUNTIME_DIR: path.join(local.tmp, "runtime"),
      JUPYTER_DATA_DIR: path.join(local.tmp, "data"),
      IPYTHONDIR: path.join(local.tmp, "ipython"),
    };
    // `npm run kernel:install`, into this test's own Jupyter folders.
    const install = await run(process.execPath, ["--import", "tsx", "scripts/kernel-install.ts", "--prefix", local.tmp, "--python", PYTHON], env);
    if (install.code !== 0) {
      setupError = `kernel:install failed:\n${install.stdout}\n${install.stderr}`;
      return;
    }
    try {
      const started = await startNotebookServer(env, path.join(SCREENSHOTS, "jupyter-server.log"));
      server = started.server;
      browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
      });
      const context = await browser.newContext({ viewport: { width: 1280, height: 1000 } });
      context.on("request", (req) => requests.push(req.url()));
      const tree = await context.newPage();
      // The address Jupyter prints: the file list, logged in by the token.
      await tree.goto(`${started.url}/tree?token=${started.token}`);
      const link = tree.locator("a.item_link", { hasText: NOTEBOOK_NAME });
      await link.waitFor({ timeout: 60_000 });
      await tree.screenshot({ path: path.join(SCREENSHOTS, "00-file-list.png") });
      // The file list opens a notebook in a new tab.
      const [opened] = await Promise.all([context.waitForEvent("page"), link.click()]);
      page = opened;
      await page.waitForFunction(() => (window as unknown as { Jupyter?: { notebook?: { kernel?: { is_connected?(): boolean } } } }).Jupyter?.notebook?.kernel?.is_connected?.() === true, undefined, { timeout: 180_000 });
      // A learner's autosave would write outputs into the committed notebook: not in a test.
      await page.evaluate(() => (window as unknown as { Jupyter: { notebook: { set_autosave_interval(ms: number): void } } }).Jupyter.notebook.set_autosave_interval(0));
      await page.screenshot({ path: path.join(SCREENSHOTS, "01-opened.png"), fullPage: true });
      // Cell → Run All.
      await page.locator("#celllink").click();
      await page.locator("#run_all_cells > a").click();
      await waitForRunAll(page);
      await page.screenshot({ path: path.join(SCREENSHOTS, "02-after-run-all.png"), fullPage: true });
    } catch (error) {
      setupError = error instanceof Error ? (error.stack ?? error.message) : String(error);
      if (page) await page.screenshot({ path: path.join(SCREENSHOTS, "99-failure.png"), fullPage: true }).catch(() => {});
    }
  });

  after(async () => {
    await browser?.close();
    if (server && server.exitCode === null) {
      const exited = new Promise((r) => server!.once("exit", r));
      server.kill("SIGTERM");
      await exited;
    }
    // Whatever happened, the committed notebook stays as it was.
    if (readFileSync(NOTEBOOK_PATH, "utf8") !== committedNotebook) {
      writeFileSync(NOTEBOOK_PATH, committedNotebook);
      assert.fail(`Jupyter wrote ${NOTEBOOK_NAME} during the test (restored)`);
    }
    await local?.stop();
  });

  const ready = (t: { skip(message: string): void }): Page | undefined => {
    if (missing) {
      if (process.env.CI) assert.fail(`${missing}: .ci/run installs it`);
      t.skip(missing);
      return undefined;
    }
    assert.equal(setupError, undefined, setupError);
    return page;
  };

  test("every code cell ran", async (t) => {
    const p = ready(t);
    if (!p) return;
    const cells = await p.evaluate(() =>
      (window as unknown as { Jupyter: { notebook: { get_cells(): { cell_type: string; input_prompt_number?: number | string | null }[] } } }).Jupyter.notebook
        .get_cells()
        .map((c) => ({ type: c.cell_type, prompt: c.input_prompt_number ?? null })),
    ) as CellState[];
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
    const outside = requests.filter((u) => !/^(https?|wss?):\/\/127\.0\.0\.1[:/]|^(data|blob|about):/.test(u));
    assert.deepEqual(outside, []);
  });

  test("Local AgentCore holds nothing afterwards", async (t) => {
    if (!ready(t)) return;
    assert.deepEqual(await localInventory(local.env), []);
  });
});
