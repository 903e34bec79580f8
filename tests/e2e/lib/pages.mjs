// Page helpers the browser tests share: a page in a language that records JavaScript errors and
// 5xx answers, the text of a page, and a click that waits for the navigation it starts.
export const pathOf = (page) => new URL(page.url()).pathname;
export const textOf = (page) => page.locator('body').innerText();

/**
 * A new context and page: `locale` (zh-CN, en-US) and its Accept-Language, Beijing time, 1280 px;
 * page errors and 5xx answers are pushed, tagged with `who`, onto `errors.page` and `errors.server`;
 * dialogs are accepted.
 */
export async function openPage(browser, { locale, lang, who, waitMs, errors }) {
  const context = await browser.newContext({
    locale,
    extraHTTPHeaders: { 'Accept-Language': lang === 'zh' ? 'zh-CN,zh;q=0.9' : 'en;q=0.9' },
    timezoneId: 'Asia/Shanghai',
    viewport: { width: 1280, height: 900 },
  });
  context.setDefaultTimeout(waitMs);
  context.setDefaultNavigationTimeout(waitMs);
  const page = await context.newPage();
  page.on('pageerror', (e) => errors.page.push(`[${who}] ${e.message}`));
  page.on('response', (r) => {
    if (r.status() >= 500) errors.server.push(`[${who}] ${r.request().method()} ${r.url()} -> ${r.status()}`);
  });
  page.on('dialog', (d) => d.accept().catch(() => {}));
  return { context, page };
}

/** Click and wait for the navigation it starts; returns the main response. */
export async function clickNav(page, locator) {
  const [resp] = await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), locator.click()]);
  return resp;
}

/** Every needle is on the page (`check(cond, msg)` is the test's own assertion). */
export async function expectTextWith(check, page, needles, shown = 800) {
  const body = await textOf(page);
  for (const n of needles) {
    check(body.includes(n), () => `expected ${JSON.stringify(n)} on ${page.url()}; the page says: ` +
      JSON.stringify(body.slice(0, shown)));
  }
}
