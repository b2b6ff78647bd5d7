/**
 * The learner's view of notebook 04 (outbound OAuth2 on behalf of a user): the notebook opened in
 * the classic Notebook server with the tslab kernel in headless Chromium, as in learner-view.test.ts,
 * and run cell by cell with Shift+Enter as a learner does. After the first invoke the learner does
 * what the notebook says: reads the demo user's password in a cell of their own (then deletes it),
 * CLICKS the authorization link (a new tab), signs in at the identity provider's real sign-in page,
 * allows access, and lands on the notebook's return-URL page, which completes the session. The rest
 * of the notebook then runs: the sign-in cell sees the completed session (the headless helper does
 * nothing), the next invoke reads the user's calendar, and the cleanup check finds nothing left.
 * Screenshots go to out/notebook-browser/04/ (taken when no password is on screen).
 *
 * Runs in CI (CI=true: a missing Jupyter or Chromium is a failure); elsewhere it skips with a message.
 */
import assert from "node:assert/strict";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { type BrowserContext, type Page } from "playwright-core";
import { localInventory, projectRoot } from "../notebook01/helpers.js";
import { cellStates, LearnerBrowser, missingTool, pageOrSkip, SCREENSHOTS, waitForRunAll } from "./jupyter.js";

const NOTEBOOK_PATH = path.join(projectRoot, "notebooks", "04-outbound-oauth2-3lo.ipynb");
const SHOTS = path.join(SCREENSHOTS, "04");
const CELL_TIMEOUT_MS = 10 * 60_000;
const LEARNER = "learner";
/** Marks the first invoke's cell (the one that shows the link) and the headless sign-in cell. */
const FIRST_INVOKE = "authorizationUrl = c.authorizationUrl";
const SIGN_IN_CELL = "signInAndConsent(";
const LINK_TEXT = "Sign in and allow access to your calendar";
/** What the notebook tells the learner to type in a cell of their own to read the password. */
const SCRATCH = "learner.password";

type Jupyter = {
  notebook: {
    get_cells(): { cell_type: string; input_prompt_number?: unknown; get_text(): string; output_area: { outputs: { output_type: string; data?: Record<string, string>; text?: string }[] } }[];
    get_selected_index(): number;
    select(i: number): void;
    delete_cell(i: number): void;
    command_mode(): void;
  };
};

const selectedIndex = (page: Page) => page.evaluate(() => (window as unknown as { Jupyter: Jupyter }).Jupyter.notebook.get_selected_index());

/** Shift+Enter on the selected cell, as a learner does; waits for a code cell to finish. Returns the index it ran. */
async function shiftEnter(page: Page): Promise<number> {
  const index = await selectedIndex(page);
  await page.keyboard.press("Shift+Enter");
  await page.waitForFunction(
    (i) => {
      const cell = (window as unknown as { Jupyter: Jupyter }).Jupyter.notebook.get_cells()[i]!;
      const done = cell.cell_type !== "code" || typeof cell.input_prompt_number === "number";
      return done && document.querySelector("#kernel_indicator_icon.kernel_idle_icon") !== null;
    },
    index,
    { timeout: CELL_TIMEOUT_MS, polling: 500 },
  );
  return index;
}

/** Runs cells with Shift+Enter from the selected one through the cell at `last`. */
async function runThrough(page: Page, last: number): Promise<void> {
  while ((await selectedIndex(page)) <= last) {
    const ran = await shiftEnter(page);
    if (ran === last) return;
  }
}

/** What a learner does to learn the demo user's password: a cell of their own, run, read, deleted. */
async function readPasswordInScratchCell(page: Page): Promise<string> {
  await page.keyboard.press("Escape");
  await page.keyboard.press("b"); // a new code cell below, selected
  await page.keyboard.press("Enter"); // edit it
  await page.keyboard.type(SCRATCH);
  const index = await shiftEnter(page);
  const outputs = await page.evaluate((i) => (window as unknown as { Jupyter: Jupyter }).Jupyter.notebook.get_cells()[i]!.output_area.outputs, index);
  const shown = outputs.map((o) => o.data?.["text/plain"] ?? o.text ?? "").join("");
  // tslab shows a string result as it is (a stream), or quoted as a value.
  const match = /^'?([\w-]{12,})'?$/.exec(shown.trim());
  await deleteScratchCells(page);
  // Never the value itself in a failure message.
  assert.ok(match, `the scratch cell did not show a password (${shown.length} characters, output types ${outputs.map((o) => o.output_type).join(", ")})`);
  return match[1]!;
}

/** Deletes the learner's scratch cell (and its output: the password) and selects the cell above it. */
async function deleteScratchCells(page: Page): Promise<void> {
  await page.evaluate((scratch) => {
    const nb = (window as unknown as { Jupyter: Jupyter }).Jupyter.notebook;
    for (;;) {
      const i = nb.get_cells().findIndex((c) => c.get_text().trim() === scratch);
      if (i < 0) return;
      nb.delete_cell(i);
      nb.select(i - 1);
      nb.command_mode();
    }
  }, SCRATCH);
}


/** Clicks the link in the notebook, signs in and allows access in the tab it opens. Returns the tab, on the return-URL page. */
async function consentInNewTab(context: BrowserContext, page: Page, password: string, seen: string[]): Promise<Page> {
  const link = page.locator("#notebook .output_area a", { hasText: LINK_TEXT });
  await link.waitFor({ timeout: 60_000 });
  const [tab] = await Promise.all([context.waitForEvent("page", { timeout: 60_000 }), link.click()]);
  // What the browser refused (a content security policy, say): the failure message shows it.
  tab.on("console", (m) => {
    if (/Content Security Policy|Refused/i.test(m.text())) seen.push(`console: ${m.text().replace(/\?[^\s"']*/g, "?…")}`);
  });
  tab.on("framenavigated", (frame) => {
    // Paths only: query strings carry one-time values.
    if (frame === tab.mainFrame()) seen.push(new URL(frame.url()).pathname);
  });
  await tab.locator("input[name=username]").waitFor({ timeout: 120_000 });
  await tab.screenshot({ path: path.join(SHOTS, "03-sign-in-page.png"), fullPage: true });
  await tab.locator("input[name=username]").fill(LEARNER);
  await tab.locator("input[name=password]").fill(password);
  await tab.locator("button[type=submit]", { hasText: "Sign in" }).click();
  const allow = tab.locator("button[name=decision][value=allow]");
  await allow.waitFor({ timeout: 120_000 });
  await tab.screenshot({ path: path.join(SHOTS, "04-consent-page.png"), fullPage: true });
  await allow.click();
  await tab.locator("h1").filter({ hasText: /Access granted|Could not|Missing|Error|not granted/ }).waitFor({ timeout: 120_000 });
  await tab.screenshot({ path: path.join(SHOTS, "05-return-url-page.png"), fullPage: true });
  return tab;
}

describe("notebook 04 in a real browser: the learner clicks the consent link", { timeout: 60 * 60_000 }, () => {
  const missing = missingTool();
  const learner = new LearnerBrowser(NOTEBOOK_PATH, SHOTS);
  let page: Page | undefined;
  let setupError: string | undefined;
  let returnPage = { heading: "", text: "" };
  let password = "";
  const tabPaths: string[] = [];
  const committedCells = (JSON.parse(learner.committed) as { cells: unknown[] }).cells.length;

  before(async () => {
    if (missing) return;
    setupError = await learner.prepare();
    if (setupError) return;
    try {
      let context: BrowserContext;
      ({ context, page } = await learner.open());
      await page.screenshot({ path: path.join(SHOTS, "01-opened.png"), fullPage: true });
      // The learner starts at the top and runs cell after cell, up to the first invoke.
      const cells = await cellStates(page);
      const firstInvoke = cells.findIndex((c) => c.type === "code" && c.text.includes(FIRST_INVOKE));
      assert.ok(firstInvoke > 0, "the first invoke's cell");
      await page.locator("#notebook .cell").first().click();
      await runThrough(page, firstInvoke);
      await page.screenshot({ path: path.join(SHOTS, "02-authorization-link.png"), fullPage: true });
      password = await readPasswordInScratchCell(page);
      const tab = await consentInNewTab(context, page, password, tabPaths);
      returnPage = { heading: await tab.locator("h1").innerText(), text: await tab.locator("body").innerText() };
      await tab.close(); // "You can close this tab and go back to the notebook"
      await page.bringToFront();
      // Back in the notebook: the rest, cell after cell.
      await runThrough(page, cells.length - 1);
      await waitForRunAll(page, CELL_TIMEOUT_MS);
      await page.screenshot({ path: path.join(SHOTS, "06-after-all-cells.png"), fullPage: true });
    } catch (error) {
      setupError = `${error instanceof Error ? (error.stack ?? error.message) : String(error)}\nthe consent tab: ${tabPaths.join(" → ")}`;
      if (password) setupError = setupError.split(password).join("<password>");
      // Never a screenshot with the password on it.
      if (page) await deleteScratchCells(page).then(() => page!.screenshot({ path: path.join(SHOTS, "99-failure.png"), fullPage: true })).catch(() => {});
    }
  });

  after(() => learner.close());

  const ready = (t: { skip(message: string): void }): Page | undefined => pageOrSkip(t, missing, setupError, page);

  const outputOf = async (p: Page, marker: string) => {
    const index = (await cellStates(p)).findIndex((c) => c.type === "code" && c.text.includes(marker));
    assert.ok(index >= 0, `no cell with ${marker}`);
    return p.locator("#notebook .cell").nth(index).locator(".output_area").allInnerTexts().then((t) => t.join("\n"));
  };

  test("the link went through the identity provider's sign-in and consent pages to the return URL, which completed the session", (t) => {
    if (!ready(t)) return;
    assert.ok(tabPaths.some((p) => /\/interaction\//.test(p)), `pages the tab showed: ${tabPaths.join(", ")}`);
    assert.deepEqual(tabPaths.filter((p) => p.startsWith("console:")), [], "the browser refused something in the consent tab");
    assert.equal(returnPage.heading, "Access granted", returnPage.text);
    assert.ok(tabPaths.filter((p) => !p.startsWith("console:")).at(-1)?.endsWith("/oauth2/return"), `the tab ended at ${tabPaths.at(-1)}`);
  });

  test("every code cell ran, and the learner's scratch cell is gone", async (t) => {
    const p = ready(t);
    if (!p) return;
    const all = await cellStates(p);
    // Shift+Enter on the last cell adds an empty one below it, as for any learner.
    const cells = all.at(-1)?.type === "code" && all.at(-1)?.text === "" ? all.slice(0, -1) : all;
    assert.deepEqual(cells.filter((c) => c.text.trim() === SCRATCH), []);
    assert.equal(cells.length, committedCells);
    const notRun = cells.filter((c) => c.type === "code").map((c, i) => (typeof c.prompt === "number" ? undefined : `code cell ${i + 1}: [${c.prompt ?? " "}]`)).filter(Boolean);
    assert.deepEqual(notRun, []);
  });

  test("the sign-in cell saw the learner's consent and did not play the browser itself", async (t) => {
    const p = ready(t);
    if (!p) return;
    const out = await outputOf(p, SIGN_IN_CELL);
    assert.match(out, /You signed in and consented: the return URL completed the session/);
    assert.doesNotMatch(out, /Signed in as learner and allowed access/);
  });

  test("the next invoke read the user's calendar", async (t) => {
    const p = ready(t);
    if (!p) return;
    const outputs = (await p.locator("#notebook .output_area").allInnerTexts()).join("\n");
    assert.match(outputs, /The calendar has no events/);
    assert.doesNotMatch(outputs, /asked for consent again/);
    assert.match(outputs, /Nothing remains/);
  });

  test("no cell shows an error or stderr, and the password is on no page", async (t) => {
    const p = ready(t);
    if (!p) return;
    const errors = await p.$$eval("#notebook .output_error, #notebook .output_stderr", (els) => els.map((el) => (el.textContent ?? "").slice(0, 500)));
    assert.deepEqual(errors, []);
    assert.ok(password.length >= 12, "the learner read a password");
    assert.ok(!(await p.locator("#notebook").innerText()).includes(password), "the password is still shown in the notebook");
  });

  test("the pages load nothing from outside 127.0.0.1", (t) => {
    if (!ready(t)) return;
    assert.deepEqual(learner.outsideRequests(), []);
  });

  test("Local AgentCore holds nothing afterwards", async (t) => {
    if (!ready(t)) return;
    assert.deepEqual(await localInventory(learner.local!.env), []);
  });
});
