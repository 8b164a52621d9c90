// Real-browser test of `changeportal serve`'s live reload, driven by
// tests/serve.rs (which starts serve on a temporary portal).
//
// Usage: node tests/browser/live_reload.mjs BASE_URL RECORD_FILE SCREENSHOT
//   BASE_URL     e.g. http://127.0.0.1:PORT (serve's public site is at /)
//   RECORD_FILE  the record of CHG-0001, rewritten by this script
//   SCREENSHOT   where to save a PNG of the page with the error overlay
//
// Steps, with the record page open and never reloaded by the script: an edit
// of the title shows up by itself (the page reloads through the event
// stream); a broken edit keeps the page and adds the error overlay naming the
// file (styled by the overlay style sheet, i.e. allowed by the page's CSP);
// the fix removes the overlay. The internal site's dashboard also opens its
// event stream. No page error and no CSP violation may occur.
// Exit code 0 on success, 1 on any failure (each printed), 2 on bad usage.
import { chromium } from "playwright-core";
import { readFileSync, writeFileSync } from "node:fs";

const [base, recordFile, screenshot] = process.argv.slice(2);
if (!base || !recordFile || !screenshot) {
  console.error("usage: node tests/browser/live_reload.mjs BASE_URL RECORD_FILE SCREENSHOT");
  process.exit(2);
}
const WAIT = 10000;
const failures = [];
function check(condition, message) {
  if (!condition) {
    failures.push(message);
    console.error(`FAIL: ${message}`);
  }
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});

/** Opens `url` in a new page that records errors and CSP violations. */
async function open(url) {
  const page = await browser.newPage();
  page.on("pageerror", (error) => check(false, `page error on ${url}: ${error.message}`));
  page.on("console", (message) => {
    const text = message.text();
    if (message.type() === "error" && !text.includes("Failed to load resource")) {
      check(false, `console error on ${url}: ${text}`);
    }
    if (/Content Security Policy|Refused to/.test(text)) {
      check(false, `CSP violation on ${url}: ${text}`);
    }
  });
  const stream = page.waitForResponse((r) => r.url().endsWith("/__changeportal/events"), { timeout: WAIT });
  await page.goto(url);
  await stream;
  return page;
}

const original = readFileSync(recordFile, "utf8");
const retitled = (title) => original.replace(/^title: .*$/m, `title: ${title}`);
const hasText = (page, text) =>
  page.waitForFunction((t) => document.body && document.body.innerText.includes(t), text, { timeout: WAIT });

try {
  const page = await open(`${base}/changes/chg-0001/`);

  writeFileSync(recordFile, retitled("Live reloaded pelican title"));
  await hasText(page, "Live reloaded pelican title");

  writeFileSync(recordFile, "---\nid: CHG-0001\ntitle: [unclosed\n---\n");
  const overlay = page.locator("#changeportal-overlay");
  await overlay.waitFor({ state: "visible", timeout: WAIT });
  const text = await overlay.innerText();
  check(text.includes("chg-0001.md"), `the overlay does not name the file: ${text}`);
  check((await page.locator("body").innerText()).includes("Live reloaded pelican title"),
    "the last good page is not shown under the overlay");
  const position = await overlay.evaluate((element) => getComputedStyle(element).position);
  check(position === "fixed", `the overlay style sheet did not apply (position ${position})`);
  await page.screenshot({ path: screenshot, fullPage: false });

  writeFileSync(recordFile, retitled("Recovered heron title"));
  await hasText(page, "Recovered heron title");
  await overlay.waitFor({ state: "detached", timeout: WAIT });

  const internal = await open(`${base}/internal/`);
  await internal.close();
} catch (error) {
  check(false, `${error.name}: ${error.message}`);
} finally {
  await browser.close();
}

if (failures.length > 0) {
  console.error(`${failures.length} failure(s)`);
  process.exit(1);
}
console.log("live reload works in Chromium");
