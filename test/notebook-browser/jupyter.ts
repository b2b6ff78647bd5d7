/**
 * What the real-browser tests share: the tools they need, the classic Notebook server started as
 * the README says (`npm run kernel:install`, `jupyter notebook notebooks/`) in a test's own Jupyter
 * folders, headless Chromium, and opening a notebook from the file list like a learner; LearnerBrowser
 * puts them together for one notebook.
 */
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { freePort } from "../../lib/local/free-port.js";
import { ownLocal, projectRoot, run, type OwnLocal } from "../notebook01/helpers.js";

export const CHROMIUM = "/usr/bin/chromium";
export const JUPYTER = "/usr/bin/jupyter";
export const PYTHON = "/usr/bin/python3";
export const SCREENSHOTS = path.join(projectRoot, "out", "notebook-browser");

/** Why this machine cannot run the test, or undefined. */
export function missingTool(): string | undefined {
  if (!existsSync(CHROMIUM)) return `${CHROMIUM} not installed (apt-get install chromium)`;
  if (!existsSync(JUPYTER)) return `${JUPYTER} not installed (apt-get install python3-notebook jupyter-notebook)`;
  return undefined;
}

/** The test's own Jupyter folders under `tmp`, so that nothing of the machine's Jupyter is used or changed. */
export function jupyterEnv(base: NodeJS.ProcessEnv, tmp: string): NodeJS.ProcessEnv {
  return {
    ...base,
    JUPYTER_PATH: path.join(tmp, "share", "jupyter"),
    JUPYTER_CONFIG_DIR: path.join(tmp, "config"),
    JUPYTER_RUNTIME_DIR: path.join(tmp, "runtime"),
    JUPYTER_DATA_DIR: path.join(tmp, "data"),
    IPYTHONDIR: path.join(tmp, "ipython"),
  };
}

/** `npm run kernel:install`, into the test's own Jupyter folders. Returns why it failed, or undefined. */
export async function installKernel(env: NodeJS.ProcessEnv, prefix: string): Promise<string | undefined> {
  const install = await run(process.execPath, ["--import", "tsx", "scripts/kernel-install.ts", "--prefix", prefix, "--python", PYTHON], env);
  return install.code === 0 ? undefined : `kernel:install failed:\n${install.stdout}\n${install.stderr}`;
}

/** Starts `jupyter notebook notebooks/` as the README says, plus what a test needs: no browser, 127.0.0.1, a random port, a token. */
export async function startNotebookServer(env: NodeJS.ProcessEnv, logFile: string): Promise<{ server: ChildProcess; url: string; token: string }> {
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

/** Stops the Notebook server and waits for it to exit. */
export async function stopNotebookServer(server: ChildProcess | undefined): Promise<void> {
  if (!server || server.exitCode !== null) return;
  const exited = new Promise((r) => server.once("exit", r));
  server.kill("SIGTERM");
  await exited;
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
  });
}

/**
 * Opens `name` from the file list at the address Jupyter prints (logged in by the token), in the new
 * tab the file list opens, and waits for its kernel. Autosave is switched off: a learner's autosave
 * would write outputs into the committed notebook.
 */
export async function openNotebook(context: BrowserContext, server: { url: string; token: string }, name: string, screenshot: string): Promise<Page> {
  const tree = await context.newPage();
  await tree.goto(`${server.url}/tree?token=${server.token}`);
  const link = tree.locator("a.item_link", { hasText: name });
  await link.waitFor({ timeout: 60_000 });
  await tree.screenshot({ path: screenshot });
  const [page] = await Promise.all([context.waitForEvent("page"), link.click()]);
  await page.waitForFunction(() => (window as unknown as { Jupyter?: { notebook?: { kernel?: { is_connected?(): boolean } } } }).Jupyter?.notebook?.kernel?.is_connected?.() === true, undefined, { timeout: 180_000 });
  await page.evaluate(() => (window as unknown as { Jupyter: { notebook: { set_autosave_interval(ms: number): void } } }).Jupyter.notebook.set_autosave_interval(0));
  return page;
}

/** True when no code cell is queued or running and the kernel is idle. */
function notebookSettled(): boolean {
  const nb = (window as unknown as { Jupyter: { notebook: { get_cells(): { cell_type: string; input_prompt_number?: unknown }[] } } }).Jupyter.notebook;
  const busy = nb.get_cells().some((c) => c.cell_type === "code" && c.input_prompt_number === "*");
  return !busy && document.querySelector("#kernel_indicator_icon.kernel_idle_icon") !== null;
}

/** Waits until the notebook is settled twice in a row (a cell can start just after an idle moment). */
export async function waitForRunAll(page: Page, timeoutMs: number): Promise<void> {
  const settled = () => page.waitForFunction(notebookSettled, undefined, { timeout: timeoutMs, polling: 1000 });
  await settled();
  await page.waitForTimeout(3000);
  await settled();
}

export interface CellState {
  type: string;
  prompt: number | string | null;
  text: string;
}

/** Every cell's type, input prompt (a number once run) and source. */
export function cellStates(page: Page): Promise<CellState[]> {
  return page.evaluate(() =>
    (window as unknown as { Jupyter: { notebook: { get_cells(): { cell_type: string; input_prompt_number?: number | string | null; get_text(): string }[] } } }).Jupyter.notebook
      .get_cells()
      .map((c) => ({ type: c.cell_type, prompt: c.input_prompt_number ?? null, text: c.get_text() })),
  );
}

/** Puts the committed notebook back when Jupyter wrote it during the test, and fails the test then. */
export function restoreCommitted(notebookPath: string, committed: string): void {
  if (readFileSync(notebookPath, "utf8") !== committed) {
    writeFileSync(notebookPath, committed);
    assert.fail(`Jupyter wrote ${path.basename(notebookPath)} during the test (restored)`);
  }
}

/**
 * The page a test step drives, or undefined after skipping: a missing tool fails in CI (`.ci/run`
 * installs it) and skips elsewhere; a setup error fails.
 */
export function pageOrSkip(t: { skip(message: string): void }, missing: string | undefined, setupError: string | undefined, page: Page | undefined): Page | undefined {
  if (missing) {
    if (process.env.CI) assert.fail(`${missing}: .ci/run installs it`);
    t.skip(missing);
    return undefined;
  }
  assert.equal(setupError, undefined, setupError);
  return page;
}

/**
 * A learner at one notebook: the test's own Local AgentCore, Jupyter folders and kernel, the
 * Notebook server, and Chromium with one context that records every URL it requests. close()
 * undoes all of it, whatever was reached, and puts the committed notebook back (failing then).
 */
export class LearnerBrowser {
  local: OwnLocal | undefined;
  server: ChildProcess | undefined;
  browser: Browser | undefined;
  readonly requests: string[] = [];
  readonly committed: string;

  constructor(
    readonly notebookPath: string,
    /** Where its screenshots and the server log go. */
    readonly shots: string,
  ) {
    this.committed = readFileSync(notebookPath, "utf8");
  }

  /** Local AgentCore and the kernel; returns why the kernel install failed, or undefined. */
  async prepare(): Promise<string | undefined> {
    this.local = await ownLocal();
    mkdirSync(this.shots, { recursive: true });
    this.env = jupyterEnv(this.local.env, this.local.tmp);
    return installKernel(this.env, this.local.tmp);
  }

  /** The server started, the notebook opened from the file list in a new context (screenshot 00). */
  async open(): Promise<{ context: BrowserContext; page: Page }> {
    const started = await startNotebookServer(this.env!, path.join(this.shots, "jupyter-server.log"));
    this.server = started.server;
    this.browser = await launchChromium();
    const context = await this.browser.newContext({ viewport: { width: 1280, height: 1000 } });
    context.on("request", (req) => this.requests.push(req.url()));
    const page = await openNotebook(context, started, path.basename(this.notebookPath), path.join(this.shots, "00-file-list.png"));
    return { context, page };
  }

  /** What the pages requested from anywhere but 127.0.0.1 (data:, blob: and about: are local). */
  outsideRequests(): string[] {
    return this.requests.filter((u) => !/^(https?|wss?):\/\/127\.0\.0\.1[:/]|^(data|blob|about):/.test(u));
  }

  async close(): Promise<void> {
    await this.browser?.close();
    await stopNotebookServer(this.server);
    // Whatever happened, the committed notebook stays as it was.
    restoreCommitted(this.notebookPath, this.committed);
    await this.local?.stop();
  }

  private env: NodeJS.ProcessEnv | undefined;
}
