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
import { axeViolations, check, finish, launchChromium } from "./harness.mjs";

const [url, screenshot, word, expectedList] = process.argv.slice(2);
if (!url || !screenshot || !word || expectedList === undefined) {
  console.error("usage: node tests/browser/records.mjs RECORDS_URL SCREENSHOT WORD EXPECTED_IDS");
  process.exit(2);
}
const expected = expectedList.split(",").filter(Boolean).sort();

const browser = await launchChromium();

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

/** axe findings of impact serious or critical fail; the others are noted. */
async function axeCheck(page, name) {
  for (const violation of await axeViolations(page, name)) {
    if (violation.impact === "serious" || violation.impact === "critical") {
      check(false, violation.line);
    } else {
      console.log(`note: ${violation.line}`);
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

finish("records table: filter, search, URL state, reload, axe: ok");
