// Manual helper: full-page screenshots of internal-site pages.
// Usage: node tests/browser/screenshot.mjs OUT_DIR URL [URL...]
// COLOR_SCHEME=dark, NOJS=1 and TILE=<height> change how pages are taken.
// Prints console messages and page errors (e.g. CSP violations) it sees.
import { chromium } from "playwright-core";
import path from "node:path";

const [outDir, ...urls] = process.argv.slice(2);
if (!outDir || urls.length === 0) {
  console.error("usage: node tests/browser/screenshot.mjs OUT_DIR URL [URL...]");
  process.exit(2);
}
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
try {
  const scheme = process.env.COLOR_SCHEME || "light";
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, colorScheme: scheme, javaScriptEnabled: process.env.NOJS !== "1" });
  page.on("console", (m) => console.log(`console ${m.type()}: ${m.text()}`));
  page.on("pageerror", (e) => console.log(`pageerror: ${e.message}`));
  for (const [index, url] of urls.entries()) {
    await page.goto(url);
    const file = path.join(outDir, `shot-${index}.png`);
    await page.screenshot({ path: file, fullPage: true });
    console.log(`${url} -> ${file}`);
    // TILE=1200 also saves the page in tiles of that height, for reading.
    const tile = Number(process.env.TILE || 0);
    if (tile > 0) {
      const height = await page.evaluate(() => document.documentElement.scrollHeight);
      for (let y = 0, n = 0; y < height; y += tile, n++) {
        const clip = { x: 0, y, width: 1280, height: Math.min(tile, height - y) };
        await page.screenshot({ path: path.join(outDir, `shot-${index}-${n}.png`), fullPage: true, clip });
      }
    }
  }
} finally {
  await browser.close();
}
