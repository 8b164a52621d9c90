// Real-browser test of the audit site's records sorting, date filter, CAB
// agenda, period pages and phone layout, driven by tests/audit_site.rs
// (which builds a fixture portal and serves its internal site).
//
// Usage: node tests/browser/audit.mjs SITE_URL FROM TO RANGE_IDS CAB_FIRST PERIOD [SHOTS_DIR]
//   SITE_URL   the internal site's root, e.g. http://127.0.0.1:PORT/
//   FROM, TO   a deployed date range (YYYY-MM-DD) for the records filter
//   RANGE_IDS  comma-separated ids of the records deployed in that range
//   CAB_FIRST  the id expected first on the CAB agenda
//   PERIOD     a period page key (e.g. 2026-q1)
//   SHOTS_DIR  optional: where to save 390 px wide screenshots
//
// Steps: sorting by the Deployed column orders rows by their deployed
// instant (ascending, then descending; rows without one last) and sets
// aria-sort; the date filter shows exactly RANGE_IDS; the CAB agenda lists
// CAB_FIRST first and its link opens that record's page; axe-core finds no
// violation at all on the records table, the CAB agenda and the period
// page; at 390 px wide no page scrolls horizontally. No page error occurs.
// Exit code 0 on success, 1 on any failure (each printed), 2 on bad usage.
import { axeCheck, check, finish, launchChromium } from "./harness.mjs";
import path from "node:path";

const [site, from, to, rangeList, cabFirst, period, shots] = process.argv.slice(2);
if (!site || !from || !to || rangeList === undefined || !cabFirst || !period) {
  console.error("usage: node tests/browser/audit.mjs SITE_URL FROM TO RANGE_IDS CAB_FIRST PERIOD [SHOTS_DIR]");
  process.exit(2);
}
const rangeIds = rangeList.split(",").filter(Boolean).sort();
const at = (relative) => new URL(relative, site).href;

async function deployedOrder(page) {
  return page.$$eval("#records tbody tr", (rows) => rows.map((row) => {
    const time = row.querySelector("td.date time");
    return time ? time.getAttribute("datetime") : "";
  }));
}

function sortedCopy(values, descending) {
  const dated = values.filter((v) => v !== "").sort();
  if (descending) {
    dated.reverse();
  }
  return dated.concat(values.filter((v) => v === ""));
}

const browser = await launchChromium();

try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.on("pageerror", (error) => check(false, `page error: ${error.message}`));
  page.on("console", (message) => {
    if (message.type() === "error") {
      check(false, `console error: ${message.text()}`);
    }
  });

  // Sorting by deployed date.
  await page.goto(at("records/index.html"));
  await page.waitForSelector("#filters:not([hidden])", { timeout: 10000 });
  const deployedHeader = page.locator("#records thead th", { hasText: "Deployed" });
  await deployedHeader.locator("button.sort").click();
  const ascending = await deployedOrder(page);
  check(JSON.stringify(ascending) === JSON.stringify(sortedCopy(ascending, false)),
    `ascending sort by deployed (saw ${ascending})`);
  check(await deployedHeader.getAttribute("aria-sort") === "ascending", "aria-sort is ascending");
  await deployedHeader.locator("button.sort").click();
  const descending = await deployedOrder(page);
  check(JSON.stringify(descending) === JSON.stringify(sortedCopy(descending, true)),
    `descending sort by deployed (saw ${descending})`);
  check(await deployedHeader.getAttribute("aria-sort") === "descending", "aria-sort is descending");
  check(await page.locator("#records thead th[aria-sort]").count() === 1, "one column has aria-sort");

  // Date range filter.
  await page.fill("#f-from", from);
  await page.fill("#f-to", to);
  const shown = await page.$$eval("#records tbody tr", (rows) =>
    rows.filter((row) => !row.hidden).map((row) => row.dataset.id).sort());
  check(JSON.stringify(shown) === JSON.stringify(rangeIds), `deployed ${from}..${to} shows ${rangeIds} (saw ${shown})`);
  const hash = new URL(page.url()).hash;
  check(hash.includes(`from=${from}`) && hash.includes(`to=${to}`), `the range is kept in the URL (saw "${hash}")`);
  await axeCheck(page, "records table");

  // CAB agenda: first entry, and opening it.
  await page.goto(at("cab/index.html"));
  await axeCheck(page, "CAB agenda");
  const first = await page.$eval("#agenda tbody tr", (row) => row.dataset.id).catch(() => null);
  check(first === cabFirst, `the CAB agenda starts with ${cabFirst} (saw ${first})`);
  await page.click(`#agenda tbody tr[data-id='${cabFirst}'] td.id a`);
  await page.waitForLoadState();
  check(page.url().endsWith(`changes/${cabFirst.toLowerCase()}.html`), `the agenda opens the record page (at ${page.url()})`);
  const heading = await page.textContent("h1");
  check(heading.includes(cabFirst), `the record page is ${cabFirst}'s (saw "${heading}")`);

  // Period page.
  await page.goto(at(`period/${period}/index.html`));
  check(await page.$eval("nav.periods a[aria-current='page']", (a) => a.textContent).catch(() => "") !== "",
    "the period selector marks the current period");
  await axeCheck(page, `period ${period}`);
  await page.goto(at("index.html"));
  await axeCheck(page, "dashboard");

  // Phone width: nothing scrolls the page sideways.
  const phone = await browser.newPage({ viewport: { width: 390, height: 844 } });
  phone.on("pageerror", (error) => check(false, `page error: ${error.message}`));
  const pages = ["index.html", `period/${period}/index.html`, "records/index.html", "cab/index.html",
    `changes/${cabFirst.toLowerCase()}.html`, "flags/index.html"];
  for (const [index, relative] of pages.entries()) {
    await phone.goto(at(relative));
    const width = await phone.evaluate(() => document.documentElement.scrollWidth);
    check(width <= 390, `${relative} is ${width} px wide at a 390 px viewport`);
    if (shots) {
      await phone.screenshot({ path: path.join(shots, `phone-${index}.png`), fullPage: true });
    }
  }
} catch (error) {
  check(false, `unexpected error: ${error.stack || error}`);
} finally {
  await browser.close();
}

finish("audit site: sorting, date filter, CAB agenda, periods, axe, phone width: ok");
