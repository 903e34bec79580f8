// Debian's Chromium through playwright-core, the way the browser tests run it.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { REPO } from '../../http/harness.mjs';

export const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
export const SHOTS = process.env.E2E_SCREENSHOTS || join(REPO, 'tests', 'e2e', 'screenshots');

/** playwright-core's chromium, or throws with a hint. */
export async function loadChromium() {
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM)`);
  let playwright;
  try {
    playwright = await import('playwright-core');
  } catch (e) {
    throw new Error(`cannot load playwright-core (run npm ci in ${REPO}): ${e.message}`);
  }
  return (playwright.default || playwright).chromium;
}

/** Launch Chromium headless (E2E_HEADFUL=1 to watch, E2E_SLOWMO=ms). */
export async function launch(chromium) {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: !process.env.E2E_HEADFUL,
    slowMo: Number(process.env.E2E_SLOWMO || 0),
    handleSIGINT: false,
    handleSIGTERM: false,
    handleSIGHUP: false,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-quic', '--no-first-run', '--disable-component-update', '--disable-sync']
      .filter((a) => !(process.env.E2E_HEADFUL && a === '--headless')),
  });
}

// Message keys (call.deadline, material.status.ready, …) or {placeholders} that leaked into a
// page: a translation is missing.
export const RAW_KEY_RE = /(?<![\w@/.-])(?:site|nav|call|entry|entries|account|admin|error|rule|flash|autosave|form|applicant_type|csv|home|apply|time|country|material|punct)\.[a-z_]+(?:\.[a-z_]+)*(?![\w@/-])/;
export const PLACEHOLDER_RE = /\{[a-z_]+\}/;

/** The first leaked key or placeholder in the page's visible text, with context; or null. */
export async function leakedKey(page) {
  const body = await page.locator('body').innerText();
  const m = RAW_KEY_RE.exec(body) || PLACEHOLDER_RE.exec(body);
  if (!m) return null;
  return `${JSON.stringify(m[0])} in ${JSON.stringify(body.slice(Math.max(0, m.index - 80), m.index + 80))}`;
}
