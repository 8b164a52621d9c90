// What every headless-Chromium test script shares: the browser launch, the
// failure list, the axe-core run and the exit status. Each script keeps its
// own steps and its own rule for which axe findings fail it.
import { chromium } from "playwright-core";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const axeSource = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");
const AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"];

/** Every failed check's message, in order. */
export const failures = [];

/** Records `message` as a failure (and prints it) unless `condition` holds. */
export function check(condition, message) {
  if (!condition) {
    failures.push(message);
    console.error(`FAIL: ${message}`);
  }
}

/** Debian's chromium (or $CHROMIUM), headless, with no network chatter. */
export function launchChromium() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
}

/**
 * The axe-core violations of `page` (WCAG 2.1 A/AA and best practice), each
 * as `{impact, line}` where `line` names the rule and up to three nodes.
 * Evaluated through the DevTools protocol, so the page's CSP does not apply
 * to the injected checker. `preload: false` when the CSP's connect-src
 * (rightly) refuses fetching the stylesheets again.
 */
export async function axeViolations(page, name, { preload = true } = {}) {
  await page.evaluate(axeSource);
  const results = await page.evaluate(
    ([preload, values]) => window.axe.run(document, { preload, runOnly: { type: "tag", values } }),
    [preload, AXE_TAGS]);
  return results.violations.map((violation) => {
    const where = violation.nodes.slice(0, 3).map((n) => n.target.join(" ")).join("; ");
    return {
      impact: violation.impact,
      line: `axe ${violation.impact} on ${name}: ${violation.id} (${violation.help}) at ${where}`,
    };
  });
}

/** Every axe violation of `page` is a failure. */
export async function axeCheck(page, name, options) {
  for (const violation of await axeViolations(page, name, options)) {
    check(false, violation.line);
  }
}

/** Exits 1 listing the failures, else prints `summary` (exit 0). */
export function finish(summary) {
  if (failures.length > 0) {
    console.error(`${failures.length} failure(s)`);
    process.exit(1);
  }
  console.log(summary);
}
