// Real-browser test of the internal site's records table, driven by
// tests/internal_site.rs (which builds a fixture portal and serves it).
//
// Usage: node tests/browser/records.mjs RECORDS_URL SCREENSHOT WORD EXPECTED_IDS
//   RECORDS_URL   the records table, e.g. http://127.0.0.1:PORT/records/index.html
//   SCREENSHOT    where to save a PNG of the filtered table
//   WORD          a search word
//   EXPECTED_IDS  comma-separated ids of the emergency records matching WORD
//
// Steps: the table lists every record; filtering by class `emergency` keeps
// only emergency rows; searching WORD leaves exactly EXPECTED_IDS; the state
// is in the URL and survives a reload; a screenshot is taken; axe-core finds
// no serious or critical violation on the records table, the dashboard and
// the first matching record's page; no page error or CSP violation occurs.
// Exit code 0 on success, 1 on any failure (each printed), 2 on bad usage.
import { chromium } from "playwright-core";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

const [url, screenshot, word, expectedList] = process.argv.slice(2);
if (!url || !screenshot || !word || expectedList === undefined) {
  console.error("usage: node tests/browser/records.mjs RECORDS_URL SCREENSHOT WORD EXPECTED_IDS");
  process.exit(2);
}
const expected = expectedList.split(",").filter(Boolean).sort();
const require = createRequire(import.meta.url);
const axeSource = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");

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

async function visibleIds(page) {
  return page.$$eval("#records tbody tr", (rows) =>
    rows.filter((row) => !row.hidden && row.offsetParent !== null).map((row) => row.dataset.id).sort());
}

/** Waits up to 5 s for exactly `ids` to be visible (checked afterwards). */
async function waitForRows(page, ids) {
  await page.waitForFunction((wanted) => {
    const shown = Array.from(document.querySelectorAll("#records tbody tr"))
      .filter((row) => !row.hidden).map((row) => row.dataset.id).sort();
    return JSON.stringify(shown) === JSON.stringify(wanted);
  }, ids, { timeout: 5000 }).catch(() => {});
}

async function axeCheck(page, name) {
  // Evaluated through the DevTools protocol, so the page's CSP (script-src
  // 'self') does not apply to the injected checker.
  await page.evaluate(axeSource);
  const results = await page.evaluate(() =>
    window.axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"] } }));
  for (const violation of results.violations) {
    const serious = violation.impact === "serious" || violation.impact === "critical";
    const where = violation.nodes.slice(0, 3).map((n) => n.target.join(" ")).join("; ");
    const line = `axe ${violation.impact} on ${name}: ${violation.id} (${violation.help}) at ${where}`;
    if (serious) {
      check(false, line);
    } else {
      console.log(`note: ${line}`);
    }
  }
}

try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.on("pageerror", (error) => check(false, `page error: ${error.message}`));
  page.on("console", (message) => {
    if (message.type() === "error") {
      check(false, `console error: ${message.text()}`);
    }
  });

  await page.goto(url);
  await page.waitForSelector("#filters:not([hidden])", { timeout: 10000 });
  const total = await page.$$eval("#records tbody tr", (rows) => rows.length);
  check(total > 0, "the records table has rows");
  check((await visibleIds(page)).length === total, "every row is visible before filtering");

  await page.selectOption("#f-class", "emergency");
  const emergencyRows = await page.$$eval("#records tbody tr[data-class='emergency']", (rows) => rows.length);
  const afterClass = await visibleIds(page);
  check(afterClass.length === emergencyRows && emergencyRows > 0,
    `class filter shows the ${emergencyRows} emergency rows (saw ${afterClass.length})`);
  const classes = await page.$$eval("#records tbody tr", (rows) =>
    rows.filter((row) => !row.hidden).map((row) => row.dataset.class));
  check(classes.every((c) => c === "emergency"), `only emergency rows are visible (saw ${classes})`);

  await page.fill("#f-q", word);
  // The search index loads on the first search; give it a moment.
  await waitForRows(page, expected);
  const afterSearch = await visibleIds(page);
  check(JSON.stringify(afterSearch) === JSON.stringify(expected),
    `class=emergency + "${word}" shows ${expected} (saw ${afterSearch})`);
  const counter = await page.textContent("#result-count");
  check(counter.includes(`${expected.length} of ${total}`), `the result count says "${expected.length} of ${total}" (saw "${counter}")`);

  const hash = new URL(page.url()).hash;
  check(hash.includes("class=emergency") && hash.includes(`q=${encodeURIComponent(word)}`),
    `the filter is kept in the URL (saw "${hash}")`);

  await page.reload();
  await page.waitForSelector("#filters:not([hidden])");
  check(await page.inputValue("#f-class") === "emergency", "after reload the class filter is restored");
  check(await page.inputValue("#f-q") === word, "after reload the search word is restored");
  await waitForRows(page, expected);
  const afterReload = await visibleIds(page);
  check(JSON.stringify(afterReload) === JSON.stringify(expected), `after reload the rows are ${expected} (saw ${afterReload})`);

  await page.screenshot({ path: screenshot, fullPage: true });
  await axeCheck(page, "records table");

  await page.click("#f-reset");
  await page.waitForFunction((n) => document.querySelectorAll("#records tbody tr:not([hidden])").length === n, total);
  check(new URL(page.url()).hash === "", "clearing the filters clears the URL state");

  const recordHref = await page.$eval(`#records tbody tr[data-id='${expected[0] || ""}'] a`, (a) => a.href).catch(() => null);
  if (recordHref) {
    await page.goto(recordHref);
    await axeCheck(page, "record page");
  }
  await page.goto(new URL("../index.html", url).href);
  await axeCheck(page, "dashboard");
} catch (error) {
  check(false, `unexpected error: ${error.stack || error}`);
} finally {
  await browser.close();
}

if (failures.length > 0) {
  console.error(`${failures.length} failure(s)`);
  process.exit(1);
}
console.log("records table: filter, search, URL state, reload, axe: ok");
