// Real-browser test of the public home page's search and filter, driven by
// tests/public_lifecycle.rs (which builds a portal and opens it from disk,
// as customers' mirrors and file:// previews do).
//
// Usage: node tests/browser/public_search.mjs HOME_URL SCREENSHOT WORD WORD_IDS TYPE TYPE_IDS
//   HOME_URL   the public home page, e.g. file:///tmp/x/out/public/index.html
//   SCREENSHOT where to save a PNG of the results
//   WORD       a search word; WORD_IDS the comma-separated ids it finds
//   TYPE       a type key;    TYPE_IDS the ids of that type
//
// Steps: the form appears (it is hidden without JavaScript) with labelled
// controls; typing WORD shows exactly WORD_IDS and hides the lists; the
// state is in the URL; choosing TYPE instead shows TYPE_IDS; Clear brings
// the lists back; the search box shows a visible focus outline; axe-core
// finds no violation on the home page (with results shown), the upcoming
// page and a record page; no page error, console error or CSP violation.
// Exit code 0 on success, 1 on any failure (each printed), 2 on bad usage.
import { axeCheck, check, finish, launchChromium } from "./harness.mjs";

const [url, screenshot, word, wordList, type, typeList] = process.argv.slice(2);
if (!url || !screenshot || !word || wordList === undefined || !type || typeList === undefined) {
  console.error("usage: node tests/browser/public_search.mjs HOME_URL SCREENSHOT WORD WORD_IDS TYPE TYPE_IDS");
  process.exit(2);
}
const ids = (list) => list.split(",").filter(Boolean).sort();
const wordIds = ids(wordList);
const typeIds = ids(typeList);

const browser = await launchChromium();

/** The ids of the result cards, once they are `wanted` (up to 5 s). */
async function results(page, wanted) {
  await page.waitForFunction((w) => {
    const shown = Array.from(document.querySelectorAll("#search-list li")).map((li) => li.dataset.id).sort();
    return JSON.stringify(shown) === JSON.stringify(w);
  }, wanted, { timeout: 5000 }).catch(() => {});
  return page.$$eval("#search-list li", (items) => items.map((li) => li.dataset.id).sort());
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
  await page.waitForSelector("#search:not([hidden])", { timeout: 10000 });
  check(await page.isVisible("#browse"), "the lists are shown before searching");
  check(!(await page.isVisible("#search-results")), "no results before searching");
  for (const control of ["#search-q", "#search-type"]) {
    const label = await page.$eval(control, (el) => (el.labels && el.labels[0] ? el.labels[0].textContent : ""));
    check(label.trim().length > 0, `${control} has a label`);
  }

  await page.focus("#search-q");
  const outline = await page.$eval("#search-q", (el) => getComputedStyle(el).outlineStyle);
  check(outline !== "none", `the focused search box has a visible outline (saw ${outline})`);

  await page.fill("#search-q", word);
  const afterWord = await results(page, wordIds);
  check(JSON.stringify(afterWord) === JSON.stringify(wordIds), `"${word}" finds ${wordIds} (saw ${afterWord})`);
  check(!(await page.isVisible("#browse")), "the lists are hidden while results show");
  const status = await page.textContent("#search-status");
  check(status.includes(String(wordIds.length)), `the status counts ${wordIds.length} (saw "${status}")`);
  check(new URL(page.url()).hash.includes(`q=${encodeURIComponent(word)}`), "the search is kept in the URL");
  await page.screenshot({ path: screenshot, fullPage: true });
  await axeCheck(page, "home page with results", { preload: false });

  const href = await page.$eval("#search-list li a", (a) => a.href).catch(() => null);
  check(href !== null, "a result links to its page");

  await page.fill("#search-q", "");
  await page.selectOption("#search-type", type);
  const afterType = await results(page, typeIds);
  check(JSON.stringify(afterType) === JSON.stringify(typeIds), `type ${type} shows ${typeIds} (saw ${afterType})`);

  await page.click("#search-reset");
  await page.waitForSelector("#browse:not([hidden])", { timeout: 5000 }).catch(() => {});
  check(await page.isVisible("#browse"), "Clear shows the lists again");
  check(new URL(page.url()).hash === "", "Clear empties the URL state");
  await axeCheck(page, "home page", { preload: false });

  if (href) {
    await page.goto(href);
    await axeCheck(page, "record page", { preload: false });
  }
  await page.goto(new URL("upcoming/index.html", url).href);
  await axeCheck(page, "upcoming page", { preload: false });
} catch (error) {
  check(false, `unexpected error: ${error.stack || error}`);
} finally {
  await browser.close();
}

finish("public search: filter, search, URL state, clear, focus, axe: ok");
