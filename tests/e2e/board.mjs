// Drives the board that `git spec board` wrote, in Debian's headless
// Chromium through playwright-core, and prints what it saw as one JSON
// object on stdout; tests/cli/board.rs asserts on it.
//
//   node tests/e2e/board.mjs OUT_DIR ACTIONS_JSON [SCREENSHOT.png]
//
// SCREENSHOT.png: a picture of the board as first loaded; BOARD_VIEWPORT
// (WIDTHxHEIGHT, default 1500x900) sets the window's size.
//
// ACTIONS_JSON: a list of filter actions, each followed by a reading of the
// visible cards: {"fill": "text"} types into the text filter (by keyboard,
// after reaching it with Tab), {"select": ["f-tag", "value"]} picks an
// option, {"keys": ["f-owner", "ArrowDown", ...]} focuses a control with
// Tab and presses keys, {"reset": true} presses the Clear button.
//
// Every request that is not file:// is recorded and aborted; dialogs
// (alert) are recorded and dismissed; console errors and page errors are
// recorded. Needs NODE_PATH to hold playwright-core (tests/e2e/setup.sh).
import { createRequire } from "node:module";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL, fileURLToPath } from "node:url";

const require = createRequire(import.meta.url);
const { chromium } = require("playwright-core");

const [outDir, actionsJson, screenshot] = process.argv.slice(2);
if (!outDir || !actionsJson) {
  console.error("usage: node tests/e2e/board.mjs OUT_DIR ACTIONS_JSON [SCREENSHOT.png]");
  process.exit(2);
}
const actions = JSON.parse(actionsJson);
const indexUrl = pathToFileURL(join(outDir, "index.html")).href;

const seen = { requests: [], dialogs: [], consoleErrors: [], pageErrors: [] };
const profile = mkdtempSync(join(tmpdir(), "git-spec-board-chromium-"));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: "/usr/bin/chromium",
  headless: true,
  args: [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
  ],
  // BOARD_VIEWPORT=WIDTHxHEIGHT (for the README's screenshot).
  viewport: (() => {
    const [width, height] = (process.env.BOARD_VIEWPORT || "1500x900").split("x").map(Number);
    return { width, height };
  })(),
});

try {
  await context.route("**/*", (route) => {
    const url = route.request().url();
    if (url.startsWith("file://")) {
      return route.continue();
    }
    seen.requests.push(url);
    return route.abort();
  });
  context.on("request", (request) => {
    const url = request.url();
    if (!url.startsWith("file://") && !seen.requests.includes(url)) {
      seen.requests.push(url);
    }
  });
  const page = context.pages()[0] ?? (await context.newPage());
  page.on("dialog", (dialog) => {
    seen.dialogs.push(`${dialog.type()}: ${dialog.message()}`);
    dialog.dismiss().catch(() => {});
  });
  page.on("console", (message) => {
    if (message.type() === "error") {
      seen.consoleErrors.push(message.text());
    }
  });
  page.on("pageerror", (error) => seen.pageErrors.push(String(error)));

  await page.goto(indexUrl, { waitUntil: "load" });
  const visible = () =>
    page.$$eval(".card", (cards) =>
      cards.filter((c) => !c.hidden && c.offsetParent !== null).map((c) => c.dataset.id));
  const columns = await page.$$eval(".column", (sections) =>
    sections.map((s) => ({
      status: s.dataset.status,
      heading: s.querySelector("h2").textContent,
      count: s.querySelector(".count .n").textContent,
      ids: Array.from(s.querySelectorAll(".card")).map((c) => c.dataset.id),
    })));
  const indexScripts = await page.$$eval("script", (s) => s.length);
  const landmarks = await page.$$eval("main, header, [role=search]", (l) => l.length);
  if (screenshot) {
    await page.screenshot({ path: screenshot, fullPage: false });
  }

  // Reaches a control from the top of the page with Tab alone.
  async function tabTo(id) {
    // A click on the heading moves the start of Tab navigation there.
    await page.click("header.top h1");
    for (let i = 0; i < 20; i += 1) {
      await page.keyboard.press("Tab");
      if (await page.evaluate((want) => document.activeElement?.id === want, id)) {
        return true;
      }
    }
    return false;
  }

  const filtered = [];
  for (const action of actions) {
    let reached = true;
    if (action.fill !== undefined) {
      reached = await tabTo("f-text");
      await page.keyboard.press("Control+A");
      await page.keyboard.press("Backspace");
      await page.keyboard.type(action.fill);
    } else if (action.select) {
      await page.selectOption(`#${action.select[0]}`, action.select[1]);
    } else if (action.keys) {
      const [id, ...keys] = action.keys;
      reached = await tabTo(id);
      for (const key of keys) {
        await page.keyboard.press(key);
      }
    } else if (action.reset) {
      await page.click("button[type=reset]");
      await page.waitForTimeout(50);
    }
    filtered.push({
      action,
      reached,
      visible: await visible(),
      shown: await page.textContent("#shown"),
    });
  }

  // Every card's link, the way back, and every relative link of each page.
  const links = [];
  const cardLinks = await page.$$eval(".card h3 a", (as) => as.map((a) => a.href));
  const pages = [];
  for (const href of cardLinks) {
    await page.goto(href, { waitUntil: "load" });
    const info = await page.evaluate(() => ({
      title: document.title,
      h1: document.querySelector("h1")?.textContent ?? null,
      scripts: document.querySelectorAll("script").length,
      back: document.querySelector("nav a")?.href ?? null,
      relative: Array.from(document.querySelectorAll("a[href]"))
        .map((a) => a.href)
        .filter((h) => h.startsWith("file://")),
      headings: Array.from(document.querySelectorAll("h2")).map((h) => h.textContent),
      landmarks: document.querySelectorAll("main, header, nav").length,
    }));
    const file = fileURLToPath(href);
    pages.push({ href, exists: existsSync(file), ...info });
    for (const target of info.relative) {
      const path = fileURLToPath(target.split("#")[0]);
      links.push({ from: href, to: target, exists: existsSync(path) });
    }
  }
  // The back link leads to the board.
  let back = null;
  if (pages.length > 0 && pages[0].back) {
    await page.goto(pages[0].back, { waitUntil: "load" });
    back = await page.evaluate(() => document.querySelector("h1")?.textContent ?? null);
  }

  process.stdout.write(JSON.stringify({
    columns, indexScripts, landmarks, filtered, pages, links, back, ...seen,
  }) + "\n");
} finally {
  await context.close();
  rmSync(profile, { recursive: true, force: true });
}
