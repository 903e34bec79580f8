// Laurel browser journey (run by ctest as `node tests/e2e/journey.mjs` from the repo root).
//
// Starts a fresh server exactly like the HTTP suite (tests/http/harness.mjs: temp SQLite
// database, migrate, load-calls calls/wic-2025.toml, admin user, `serve --demo`), then drives
// Debian's Chromium through playwright-core:
//   A  zh applicant: home, call page, register, apply, autosave, invalid submit, upload the
//      required document (a PDF) through the materials section, valid submit
//   B  lost-save protection: offline autosave keeps the text in localStorage, then saves it
//   C  en applicant: language switch, register, practice case (uploads the required image and
//      video), errors, fix, submit, withdraw
//   D  organiser: /admin counts, the call's entry list with the zh receipt, CSV export
// Every page is saved as a full-page PNG in tests/e2e/screenshots/NN-lang-step.png.
// Prints one line per step and `e2e: N steps passed`; exits non-zero with the failing step.
//
// Env: LAUREL_BIN (default <repo>/build/laurel), CHROMIUM (default /usr/bin/chromium),
//      E2E_SCREENSHOTS=dir (default tests/e2e/screenshots), E2E_HEADFUL=1 to watch, E2E_SLOWMO=ms,
//      E2E_DEFECTS=warn to report page defects (see defect()) without failing the run.

import { launch } from './lib/browser.mjs';
import { mkdirSync, readdirSync, rmSync, existsSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import {
  REPO, BIN, ADMIN_EMAIL, ADMIN_PASSWORD, APPLICANT_PASSWORD, AWARD, CASE, startServer,
} from '../http/harness.mjs';
import { mp4File, pdfFile, pngFile } from './lib/media.mjs';
import { item as materialItem, section as materialSection, uploadAndSettle, waitStatus } from './lib/materials.mjs';

const E2E_DIR = join(REPO, 'tests', 'e2e');
const SHOTS = process.env.E2E_SCREENSHOTS || join(E2E_DIR, 'screenshots');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const OVERALL_TIMEOUT_MS = 240_000;   // hard stop; a normal run takes well under 90 s
const STEP_TIMEOUT_MS = 15_000;       // default wait for any one element / navigation

// ---------------------------------------------------------------------------------------
// Tiny runner

let stepNo = 0;
let passed = 0;
let shotNo = 0;
let currentStep = '';
let lastPage = null;
const notes = [];           // observations that never fail the run
const defects = [];         // things a user would see as broken; fail the run at the end
const pageErrors = [];      // uncaught JS errors in any page (fatal, checked per step)
const serverErrors = [];    // HTTP 5xx answers seen by the browser (fatal)

function log(line) { process.stdout.write(line + '\n'); }

class StepError extends Error {}

function fail(msg) { throw new StepError(msg); }
function check(cond, msg) { if (!cond) fail(msg); }

async function step(name, fn) {
  stepNo += 1;
  currentStep = `${stepNo} ${name}`;
  const t0 = Date.now();
  await fn();
  if (pageErrors.length) fail(`JavaScript error in the page: ${pageErrors.join(' | ')}`);
  if (serverErrors.length) fail(`server answered with 5xx: ${serverErrors.join(' | ')}`);
  passed += 1;
  log(`ok ${stepNo} - ${name} (${Date.now() - t0} ms)`);
}

function note(msg) {
  notes.push(msg);
  log(`  note: ${msg}`);
}

/**
 * A defect on a page that does not stop the journey (the later steps still run), but fails
 * the run at the end unless E2E_DEFECTS=warn. Each distinct message is reported once.
 */
const defectKeys = new Set();
function defect(msg, key = msg) {
  if (defectKeys.has(key)) return;
  defectKeys.add(key);
  defects.push(msg);
  log(`  DEFECT: ${msg}`);
}

async function shot(page, lang, name) {
  shotNo += 1;
  const file = join(SHOTS, `${String(shotNo).padStart(2, '0')}-${lang}-${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/** Poll fn() until it returns a truthy value; fail with msg() after timeoutMs. */
async function until(fn, msg, timeoutMs = STEP_TIMEOUT_MS, everyMs = 100) {
  const end = Date.now() + timeoutMs;
  let last;
  for (;;) {
    try {
      last = await fn();
      if (last) return last;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) {
      const detail = last instanceof Error ? ` (last error: ${last.message})` : '';
      fail(`${typeof msg === 'function' ? await msg() : msg}${detail}`);
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

const textOf = (page) => page.locator('body').innerText();

/** Text visible on the page contains every needle. */
async function expectText(page, ...needles) {
  const body = await textOf(page);
  for (const n of needles) {
    const ok = n instanceof RegExp ? n.test(body) : body.includes(n);
    check(ok, `expected ${n instanceof RegExp ? n : JSON.stringify(n)} on ${page.url()}; ` +
      `page text starts: ${JSON.stringify(body.slice(0, 600))}`);
  }
  return body;
}

// Message keys (call.deadline, entry.status.draft, …) or {placeholders} that leaked into a
// page: a translation is missing. Checked on every page we screenshot.
const RAW_KEY_RE = /(?<![\w@/.-])(?:site|nav|call|entry|entries|account|admin|error|rule|flash|autosave|form|applicant_type|csv|home|apply|time|country|material|punct)\.[a-z_]+(?:\.[a-z_]+)*(?![\w@/-])/;
const PLACEHOLDER_RE = /\{[a-z_]+\}/;
async function expectNoRawKeys(page) {
  const body = await textOf(page);
  const m = RAW_KEY_RE.exec(body) || PLACEHOLDER_RE.exec(body);
  check(!m, `untranslated text ${JSON.stringify(m && m[0])} on ${page.url()}: ` +
    `${JSON.stringify(body.slice(Math.max(0, (m && m.index) - 80), (m && m.index) + 80))}`);
}

/**
 * Layout defects a user sees, checked on every page we screenshot: empty error markers
 * (a bare warning sign), table columns with data but no heading, label-less facts, empty
 * receipt cells (a missing receipt should read "—").
 */
async function checkPage(page) {
  const where = pathOf(page).replace(/\/[a-z0-9]{12,}(?=\/|$)/g, '/{id}');
  const found = await page.evaluate(() => {
    const out = [];
    const empty = (el) => el.textContent.trim() === '';
    const emptyErrors = [...document.querySelectorAll('.field-error')].filter(empty).length;
    if (emptyErrors) {
      out.push(['empty-error', `${emptyErrors} empty .field-error element(s) (a bare warning sign with no message)`]);
    }
    for (const table of document.querySelectorAll('table')) {
      const ths = [...table.querySelectorAll('thead th')];
      ths.forEach((th, i) => {
        if (!empty(th)) return;
        const col = [...table.querySelectorAll('tbody tr')].map((tr) => tr.children[i]).filter(Boolean);
        // A last column holding only links ("Edit") is an action column; no heading needed.
        const actionsOnly = i === ths.length - 1 &&
          col.every((td) => [...td.childNodes].every((n) => n.nodeName === 'A' || !n.textContent.trim()));
        const sample = col.map((td) => td.textContent.trim()).find((t) => t);
        if (sample && !actionsOnly) {
          out.push([`th-${i}`, `table column ${i + 1} has no heading (cells like ${JSON.stringify(sample)})`]);
        }
      });
      for (const td of table.querySelectorAll('tbody td.mono')) {
        if (empty(td)) out.push(['empty-receipt', 'an empty receipt cell (expected "—" for an entry without a receipt)']);
      }
    }
    for (const c of document.querySelectorAll('main select, main textarea, main input')) {
      if (['hidden', 'radio', 'checkbox', 'submit', 'button'].includes(c.type)) continue;
      const label = c.closest('label') || (c.id && document.querySelector(`label[for="${c.id}"]`));
      let text = c.getAttribute('aria-label') || '';
      if (label) {
        const copy = label.cloneNode(true);
        copy.querySelectorAll('select, textarea, input').forEach((x) => x.remove());
        text += copy.textContent;
      }
      if (!text.trim()) out.push([`label-${c.name}`, `the field ${JSON.stringify(c.name)} has no visible label`]);
    }
    for (const dt of document.querySelectorAll('dl dt')) {
      const dd = dt.nextElementSibling;
      if (empty(dt) && dd && !empty(dd)) {
        out.push(['empty-dt', `a fact without a label (value ${JSON.stringify(dd.textContent.trim())})`]);
      }
    }
    return out;
  });
  for (const [key, msg] of found) defect(`${where}: ${msg}`, `${where} ${key}`);
}

/** Screenshot after checking the page has no leaked keys (fatal) or layout defects. */
async function page_shot(page, lang, name) {
  await expectNoRawKeys(page);
  await checkPage(page);
  return shot(page, lang, name);
}

function pathOf(page) { return new URL(page.url()).pathname; }

/** A response body for a failure message (never waits more than 2 s). */
function bodyOf(res) {
  return Promise.race([res.text().catch(() => ''), new Promise((r) => setTimeout(() => r('(body unavailable)'), 2000))])
    .then((t) => t.slice(0, 500));
}

async function expectPath(page, re, what) {
  await until(() => re.test(pathOf(page)),
    () => `expected ${what} (${re}) but the browser is at ${page.url()}`);
}

/** Click and wait for the resulting top-level navigation; returns the main response. */
async function clickAndNavigate(page, locator) {
  const [resp] = await Promise.all([
    page.waitForNavigation({ waitUntil: 'load', timeout: STEP_TIMEOUT_MS }),
    locator.click(),
  ]);
  return resp;
}

// ---------------------------------------------------------------------------------------
// Browser set-up

async function newContext(browser, who) {
  const context = await browser.newContext({
    locale: 'zh-CN',                  // a browser in China: the site starts in Chinese
    timezoneId: 'Asia/Shanghai',
    viewport: { width: 1280, height: 900 },
    acceptDownloads: true,
  });
  context.setDefaultTimeout(STEP_TIMEOUT_MS);
  context.setDefaultNavigationTimeout(STEP_TIMEOUT_MS);
  const page = await context.newPage();
  page.on('pageerror', (e) => pageErrors.push(`[${who}] ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && !/Failed to load resource|ERR_INTERNET_DISCONNECTED/.test(m.text())) {
      note(`[${who}] console error on ${page.url()}: ${m.text()}`);
    }
  });
  page.on('response', (r) => {
    if (r.status() >= 500) serverErrors.push(`[${who}] ${r.request().method()} ${r.url()} -> ${r.status()}`);
  });
  // Dialogs: confirm() is accepted only when a step expects it; an unexpected beforeunload
  // ("Leave site?") prompt is accepted but reported, since a user would see it.
  page.expectedDialogs = [];
  page.seenDialogs = [];
  page.on('dialog', async (d) => {
    page.seenDialogs.push({ type: d.type(), message: d.message(), url: page.url() });
    const i = page.expectedDialogs.indexOf(d.type());
    if (i >= 0) {
      page.expectedDialogs.splice(i, 1);
    } else if (d.type() === 'beforeunload' && page.leavingAfterUpload) {
      defect('entry form: after a file was chosen and uploaded (nothing else changed), leaving the page makes ' +
        'the browser ask "Leave site? Changes you made may not be saved." — the file input sits inside ' +
        '#entry-form, so its input event stores laurel.unsaved.{id} in localStorage, and the autosave, finding ' +
        'no changed field, never clears it', 'beforeunload-after-upload');
    } else if (d.type() === 'beforeunload') {
      defect('entry edit page: sending the form (Submit / Save) right after typing makes the browser ask ' +
        '"Leave site? Changes you made may not be saved." — the autosave copy kept in localStorage is ' +
        'still pending when the form is sent', 'beforeunload');
    } else {
      note(`[${who}] unexpected ${d.type()} dialog on ${page.url()}` +
        (d.message() ? `: ${JSON.stringify(d.message())}` : ''));
    }
    try { await d.accept(); } catch { /* page gone */ }
  });
  return { context, page };
}

// ---------------------------------------------------------------------------------------
// Shared actions

async function register(page, lang, a) {
  await page.goto(`${page.base}/register`);
  await page.fill('input[name=email]', a.email);
  await page.fill('input[name=password]', APPLICANT_PASSWORD);
  await page.fill('input[name=password2]', APPLICANT_PASSWORD);
  await page.fill('input[name=name_zh]', a.name_zh);
  await page.fill('input[name=name_en]', a.name_en);
  await page.selectOption('select[name=type]', a.type);
  await page.selectOption('select[name=country]', a.country);
  await page.check(`input[name=overseas][value="${a.overseas ? 1 : 0}"]`);
  await page.fill('input[name=contact_name]', a.contact_name);
  await page.fill('input[name=phone]', a.phone);
  await page_shot(page, lang, 'register-filled');
  const resp = await clickAndNavigate(page, page.locator('form[action="/register"] button.primary'));
  if (!/^\/entries\/?$/.test(pathOf(page))) {
    const errs = await page.locator('.field-error, .alert').allInnerTexts().catch(() => []);
    fail(`registration did not land on /entries (at ${page.url()}, status ${resp && resp.status()}): ` +
      `${errs.join(' | ')}`);
  }
  await expectText(page, a.email);
}

/** From the call page: click Apply, choose the category, start → the draft's edit page. */
async function applyTo(page, lang, slug, category, applyLabel) {
  await page.goto(`${page.base}/calls/${slug}`);
  const link = page.locator(`a[href="/calls/${slug}/apply"]`).first();
  check(await link.isVisible(), `no Apply link on /calls/${slug}`);
  check((await link.innerText()).includes(applyLabel),
    `Apply link says ${JSON.stringify(await link.innerText())}, expected ${JSON.stringify(applyLabel)}`);
  await clickAndNavigate(page, link);
  await expectPath(page, new RegExp(`^/calls/${slug}/apply$`), 'the apply page');
  await page.check(`input[name=category][value="${category}"]`);
  await page_shot(page, lang, `apply-${category}`);
  await clickAndNavigate(page, page.locator(`form[action="/calls/${slug}/entries"] button.primary`));
  await expectPath(page, /^\/entries\/[^/]+\/edit$/, 'the new draft\'s edit page');
  return pathOf(page).split('/')[2];
}

/** Wait until the autosave status says saved (not bad); returns its text. */
async function waitSaved(page, savedWord, timeoutMs = STEP_TIMEOUT_MS) {
  const status = page.locator('#autosave-status');
  return until(async () => {
    const text = await status.innerText();
    const bad = await status.evaluate((el) => el.classList.contains('bad'));
    return !bad && text.includes(savedWord) ? text : null;
  }, async () => `autosave status never said ${JSON.stringify(savedWord)}; it says ` +
    `${JSON.stringify(await status.innerText())} (class ${JSON.stringify(await status.getAttribute('class'))})`,
  timeoutMs);
}

/** Messages of the non-empty .field-error elements. */
async function fieldErrors(page) {
  return (await page.locator('.field-error').allInnerTexts()).map((t) => t.trim()).filter(Boolean);
}

/** A draft has no receipt: its heading line must not end in a bare "Receipt no." label. */
async function checkDraftHead(page, receiptLabel) {
  const head = (await page.locator('.page-head .muted').first().innerText()).trim();
  if (head.includes(receiptLabel) && !/[A-Z]{2}\d{2}-[A-Z]{2}-\d{4}/.test(head)) {
    defect(`/entries/{id}/edit: a draft's heading line ends in the label ${JSON.stringify(receiptLabel)} ` +
      `with no receipt number (${JSON.stringify(head)})`, 'draft-receipt-label');
  }
}

/** Submit the entry form with the given button; returns the main HTTP response. */
async function pressEntryButton(page, id, value) {
  const [resp] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === 'POST' &&
      new URL(r.url()).pathname === `/entries/${id}` && r.request().isNavigationRequest()),
    page.click(`#entry-form button[name=action][value=${value}]`),
  ]);
  await page.waitForLoadState('load');
  return resp;
}

/**
 * Upload files through the materials section of the entry form the browser shows (the edit
 * page, or the form shown again after a refused submit) and wait until they are listed and
 * ready. When the page never lists a file that did upload, that is a defect: report it, open
 * the edit page (where it must be listed) and go on from there.
 */
async function uploadMaterials(page, id, kind, files) {
  const names = files.map((f) => basename(f));
  const got = await uploadAndSettle(page, kind, files).catch((e) => fail(e.message));
  if (!got.listed) {
    const where = pathOf(page).replace(id, '{id}');
    const what = /\/edit$/.test(where) ? 'the edit page' : 'the form shown again after a refused submit';
    defect(`${where} (${what}): a ${kind} file uploaded there ` +
      `(${names.join(', ')}) never shows in the ${kind} list and the section's "required" error stays; ` +
      `the upload row ("${got.rows.replace(/\s*\n\s*/g, ' · ')}") just disappears. The page refreshes its lists from ` +
      `location.pathname, which here is the entry's view page, not /entries/{id}/edit`, `upload-not-listed-${where}`);
    page.leavingAfterUpload = true;
    try {
      await page.goto(`${page.base}/entries/${id}/edit`);
    } finally {
      page.leavingAfterUpload = false;
    }
    for (const n of names) {
      check(await materialItem(page, kind, n).count() === 1, `${n} is not listed on the edit page either`);
    }
  }
  for (const n of names) {
    const status = await waitStatus(page, kind, n, ['ready', 'rejected'], 30_000).catch((e) => fail(e.message));
    if (status !== 'ready') {
      fail(`${n} became ${status}: ${await materialItem(page, kind, n).locator('.field-error').innerText({ timeout: 1000 }).catch(() => '')}`);
    }
  }
  // The section's "at least N … required" error (from a refused submit) goes once it is met.
  const err = materialSection(page, kind).locator(':scope > .field-error');
  await until(async () => await err.count() === 0,
    async () => `the ${kind} section still says ${JSON.stringify(await err.innerText())} after the upload`, 5000);
}

// ---------------------------------------------------------------------------------------
// The journey

async function journey(server, browser) {
  const base = server.url;
  const stamp = `${process.pid}-${Date.now().toString(36)}`;
  const zhUser = {
    email: `zh-${stamp}@example.org`, name_zh: '清华大学', name_en: 'Tsinghua University',
    type: 'university', country: 'CN', overseas: false, contact_name: '李华', phone: '+86 10 6278 0000',
  };
  const enUser = {
    email: `en-${stamp}@example.org`, name_zh: '非洲数字政策研究所', name_en: 'African Digital Policy Institute',
    type: 'think-tank', country: 'KE', overseas: true, contact_name: 'Wanjiru Kamau', phone: '+254 20 123 4567',
  };

  // ===================================================================================== A
  const A = await newContext(browser, 'zh');
  const pa = A.page;
  pa.base = base;
  lastPage = pa;
  let zhEntryId;
  let zhReceipt;

  await step('zh home: calls, Beijing time, live countdown', async () => {
    await pa.goto(base + '/');
    check((await pa.getAttribute('html', 'lang'))?.startsWith('zh'), 'home is not in Chinese by default');
    await expectText(pa, '领先科技奖', '北京时间', 'UTC+8', '携手构建网络空间命运共同体');
    const cards = pa.locator('.call-card');
    check(await cards.count() === 2, `expected 2 call cards, found ${await cards.count()}`);
    const cd = pa.locator('.countdown[data-deadline]').first();
    const before = await cd.innerText();
    check(/^\d+ 天 \d\d:\d\d:\d\d$/.test(before), `countdown text ${JSON.stringify(before)} is not Chinese`);
    await until(async () => (await cd.innerText()) !== before,
      `countdown stayed ${JSON.stringify(before)} for 2 s`, 2500);
    await page_shot(pa, 'zh', 'home');
  });

  await step('zh call page', async () => {
    await clickAndNavigate(pa, pa.locator(`a[href="/calls/${AWARD}"]`).first());
    await expectPath(pa, new RegExp(`^/calls/${AWARD}$`), 'the call page');
    await expectText(pa, '2025年世界互联网大会领先科技奖', '基础研究', '关键技术', '工程研发', '北京时间');
    check(await pa.locator('.countdown[data-deadline]').count() >= 1, 'no countdown on the call page');
    await page_shot(pa, 'zh', 'call');
  });

  await step('zh register a university in CN', async () => {
    await register(pa, 'zh', zhUser);
    await expectText(pa, '我的申报');
    await page_shot(pa, 'zh', 'entries-empty');
  });

  await step('zh apply to leading-tech basic-research → draft edit page', async () => {
    zhEntryId = await applyTo(pa, 'zh', AWARD, 'basic-research', '我要申报');
    check(await pa.locator('#entry-form').isVisible(), 'no #entry-form on the edit page');
    await checkDraftHead(pa, '受理编号');
    await page_shot(pa, 'zh', 'edit-new');
  });

  const zhTitle = '面向大规模网络的新型路由理论';
  await step('zh autosave: type a title, status says saved, reload keeps it', async () => {
    const patched = pa.waitForResponse((r) => r.request().method() === 'PATCH' &&
      new URL(r.url()).pathname === `/api/v1/submissions/${zhEntryId}`, { timeout: STEP_TIMEOUT_MS });
    await pa.locator('input[name=title_zh]').pressSequentially(zhTitle, { delay: 15 });
    const res = await patched;
    if (res.status() !== 200) fail(`autosave PATCH answered ${res.status()}: ${await bodyOf(res)}`);
    const said = await waitSaved(pa, '已自动保存');
    check(!/\{time\}/.test(said), `autosave status shows a raw placeholder: ${said}`);
    await page_shot(pa, 'zh', 'autosaved');
    await pa.reload();
    const v = await pa.inputValue('input[name=title_zh]');
    check(v === zhTitle, `after reload title_zh is ${JSON.stringify(v)}, expected ${JSON.stringify(zhTitle)}`);
  });

  await step('zh submit with the rest empty → 422 with field errors', async () => {
    const resp = await pressEntryButton(pa, zhEntryId, 'submit');
    check(resp.status() === 422, `invalid submit answered ${resp.status()}, expected 422`);
    const errs = await fieldErrors(pa);
    check(errs.length >= 3, `expected at least 3 .field-error with a message, found ${errs.length}: ${errs.join(' | ')}`);
    const docErr = pa.locator('#materials-document > .field-error');
    check(await docErr.count() === 1 && /至少需要 1 个文档文件/.test(await docErr.innerText()),
      `the document section does not say a document is required: ${errs.join(' | ')}`);
    check(await pa.locator('.alert').first().isVisible(), 'no .alert at the top of the invalid form');
    const v = await pa.inputValue('input[name=title_zh]');
    check(v === zhTitle, `the invalid form lost the title (now ${JSON.stringify(v)})`);
    await page_shot(pa, 'zh', 'edit-errors');
  });

  await step('zh upload the required document (PDF) on the form shown after the refused submit', async () => {
    await uploadMaterials(pa, zhEntryId, 'document', [await pdfFile('成果论文.pdf')]);
    const badge = (await materialItem(pa, 'document', '成果论文.pdf').locator('.badge').innerText()).trim();
    check(badge === '已就绪', `the document's status badge says ${JSON.stringify(badge)}, expected 已就绪`);
  });

  await step('zh fill everything and submit → receipt LT25-BR-NNNN', async () => {
    await pa.fill('input[name=title_en]', 'A new routing theory for very large networks');
    await pa.fill('textarea[name=summary_zh]', '本成果提出了一种新的路由理论，并在多个国家的网络中得到验证。');
    await pa.fill('textarea[name=summary_en]',
      'This achievement proposes a new routing theory, validated in networks of several countries.');
    const crit = pa.locator('textarea[name^="criteria."]');
    const n = await crit.count();
    check(n === 3, `basic research should have 3 criteria textareas, found ${n}`);
    for (let i = 0; i < n; i++) {
      await crit.nth(i).fill(`该成果于2019年首次发表，已被国际同行正面引用。说明 ${i + 1}。`);
    }
    await pa.fill('textarea[name=organizations]', '清华大学\n中国科学院计算技术研究所');
    await page_shot(pa, 'zh', 'edit-filled');
    // Like a user who types a last word and clicks Submit at once (before the autosave ran):
    // sending the form must not raise the browser's "Leave site? Changes may not be saved".
    await pa.locator('textarea[name=organizations]').press('End');
    await pa.locator('textarea[name=organizations]').pressSequentially('\n北京邮电大学', { delay: 10 });
    const resp = await pressEntryButton(pa, zhEntryId, 'submit');
    if (resp.status() >= 400) {
      fail(`valid submit answered ${resp.status()}: ${(await fieldErrors(pa)).join(' | ')}`);
    }
    await expectPath(pa, new RegExp(`^/entries/${zhEntryId}$`), 'the entry view page');
    zhReceipt = (await pa.locator('.receipt').innerText()).trim();
    check(/^LT25-BR-\d{4}$/.test(zhReceipt), `receipt ${JSON.stringify(zhReceipt)} does not match LT25-BR-NNNN`);
    await expectText(pa, '已提交', zhTitle, '北京时间', '成果论文.pdf');
    await page_shot(pa, 'zh', 'submitted');
  });

  await step('zh my entries lists the entry as 已提交', async () => {
    await clickAndNavigate(pa, pa.locator('header nav a[href="/entries"]'));
    const row = pa.locator('table.list tbody tr', { hasText: zhReceipt });
    check(await row.count() === 1, `My entries has no row with ${zhReceipt}`);
    const badge = (await row.locator('.badge').innerText()).trim();
    check(badge === '已提交', `status badge says ${JSON.stringify(badge)}, expected 已提交`);
    await page_shot(pa, 'zh', 'entries');
  });

  // ===================================================================================== B
  let lostId;
  const lostText = `断网期间输入的摘要，不能丢失。${stamp}`;
  await step('lost-save: offline autosave fails visibly, text kept in localStorage', async () => {
    lostId = await applyTo(pa, 'zh', AWARD, 'key-technology', '我要申报');
    await pa.fill('input[name=title_zh]', '离线保存测试');
    await waitSaved(pa, '已自动保存');
    await A.context.setOffline(true);
    await pa.locator('textarea[name=summary_zh]').pressSequentially(lostText.slice(0, 12), { delay: 10 });
    await pa.locator('textarea[name=summary_zh]').fill(lostText);
    const status = pa.locator('#autosave-status');
    await until(async () => (await status.getAttribute('class') || '').split(/\s+/).includes('bad'),
      async () => `autosave status never turned bad while offline; it says ${JSON.stringify(await status.innerText())}`);
    const failText = await status.innerText();
    check(/无法连接服务器|保存失败/.test(failText), `offline status text is ${JSON.stringify(failText)}`);
    const kept = await pa.evaluate((id) => localStorage.getItem('laurel.unsaved.' + id), lostId);
    check(kept && kept.includes(lostText), `localStorage does not hold the text: ${kept}`);
    await page_shot(pa, 'zh', 'offline');
  });

  await step('lost-save: back online it saves; reload keeps the text', async () => {
    await A.context.setOffline(false);
    await waitSaved(pa, '已自动保存', 12_000);
    const kept = await pa.evaluate((id) => localStorage.getItem('laurel.unsaved.' + id), lostId);
    check(kept === null, `localStorage still holds unsaved text after the save: ${kept}`);
    await page_shot(pa, 'zh', 'back-online');
    // Reload from a clean slate so the text can only come from the server.
    await pa.evaluate(() => localStorage.clear());
    await pa.reload();
    const v = await pa.inputValue('textarea[name=summary_zh]');
    check(v === lostText, `after reload summary_zh is ${JSON.stringify(v)}`);
  });

  // ===================================================================================== C
  const C = await newContext(browser, 'en');
  const pc = C.page;
  pc.base = base;
  lastPage = pc;
  let caseId;

  await step('en switch language via the link', async () => {
    await pc.goto(base + '/');
    await clickAndNavigate(pc, pc.locator('a[href^="/lang/en"]'));
    check(pathOf(pc) === '/', `language switch went to ${pc.url()}`);
    check((await pc.getAttribute('html', 'lang')) === 'en', 'html lang is not en after the switch');
    const cookies = await C.context.cookies(base);
    check(cookies.some((c) => c.name === 'laurel_lang' && c.value === 'en'), 'no laurel_lang=en cookie');
  });

  await step('en register a think tank in KE (overseas)', async () => {
    await register(pc, 'en', enUser);
    await expectText(pc, 'My entries');
  });

  await step('en a think tank may not apply to the award (not in its applicant types)', async () => {
    await pc.goto(`${base}/calls/${AWARD}/apply`);
    const alert = pc.locator('.alert');
    check(await alert.count() >= 1 && /may not apply/.test(await alert.first().innerText()),
      `no "may not apply" notice for a think tank on /calls/${AWARD}/apply`);
    check(await pc.locator('input[name=category]').count() === 0, 'the award offers categories to a think tank');
    await page_shot(pc, 'en', 'apply-not-eligible');
  });

  await step('en home: Leading Technology Award, Beijing time', async () => {
    await clickAndNavigate(pc, pc.locator('header a.brand'));
    await expectText(pc, 'Leading Technology Award', 'Beijing time, UTC+8', 'Practice Cases');
    const cd = await pc.locator('.countdown[data-deadline]').first().innerText();
    check(/^\d+ d \d\d:\d\d:\d\d$/.test(cd), `countdown ${JSON.stringify(cd)} is not English`);
    await page_shot(pc, 'en', 'home');
  });

  await step('en apply to practice-cases digital-economy', async () => {
    await pc.goto(`${base}/calls/${CASE}`);
    await page_shot(pc, 'en', 'call');
    caseId = await applyTo(pc, 'en', CASE, 'digital-economy', 'Apply');
    await expectText(pc, 'Digital economy innovation');
    await checkDraftHead(pc, 'Receipt no.');
  });

  await step('en upload the required image and video (both at once)', async () => {
    const [photo, clip] = await Promise.all([pngFile('site-photo.png'), mp4File('case-video.mp4')]);
    await Promise.all([
      uploadMaterials(pc, caseId, 'image', [photo]),
      uploadMaterials(pc, caseId, 'video', [clip]),
    ]);
    for (const [kind, name] of [['image', 'site-photo.png'], ['video', 'case-video.mp4']]) {
      const li = materialItem(pc, kind, name);
      check((await li.locator('.badge').innerText()).trim() === 'Ready', `the ${kind} is not Ready`);
      const img = li.locator('.material-preview img');
      check(await img.count() === 1, `the ${kind} has no thumbnail`);
      // One evaluate per poll: the page may replace the list (and the <img>) while it refreshes.
      await until(() => img.evaluate((el) => {
        el.scrollIntoView({ block: 'center' });
        return el.complete && el.naturalWidth > 0;
      }, null, { timeout: 2000 }), `the ${kind} thumbnail does not load`);
    }
    await page_shot(pc, 'en', 'edit-materials');
  });

  async function fillCase(startedOn, countries) {
    await pc.fill('input[name=title_zh]', '跨境数字丝路合作项目');
    await pc.fill('input[name=title_en]', 'Cross-border Digital Silk Road cooperation project');
    await pc.fill('textarea[name=summary_en]',
      'A cooperation project connecting small businesses in Kenya and China through cross-border e-commerce.');
    const crit = pc.locator('textarea[name^="criteria."]');
    const n = await crit.count();
    check(n === 4, `digital-economy should have 4 criteria textareas, found ${n}`);
    for (let i = 0; i < n; i++) await crit.nth(i).fill(`Statement ${i + 1}: evidence from 2019 to 2025.`);
    await pc.fill('textarea[name=organizations]', 'African Digital Policy Institute\nZhejiang University');
    await pc.fill('input[name=started_on]', startedOn);
    await pc.selectOption('select[name=countries]', countries);
    await pc.selectOption('select[name=form]', 'project');
  }

  await step('en case with start 2014 and one country → errors mention 2015 and countries', async () => {
    await fillCase('2014-06-01', ['KE']);
    // The date input carries min=2015-01-01, so the browser itself refuses to send the form.
    const dateInvalid = await pc.locator('input[name=started_on]').evaluate((el) => el.validity.rangeUnderflow);
    let resp;
    if (dateInvalid) {
      const msg = await pc.locator('input[name=started_on]').evaluate((el) => el.validationMessage);
      check(/2015/.test(msg), `browser validation message does not mention 2015: ${JSON.stringify(msg)}`);
      const navigated = await Promise.race([
        pc.waitForNavigation({ timeout: 1500 }).then(() => true, () => false),
        pc.click('#entry-form button[name=action][value=submit]').then(() => new Promise((r) => setTimeout(() => r(false), 1600))),
      ]);
      check(!navigated, 'the browser sent a form with an out-of-range date');
      await shot(pc, 'en', 'edit-browser-blocks-2014');
      // The server must say the same (older browsers, or typed dates that skip the check):
      // send it without browser validation.
      await pc.evaluate(() => { document.getElementById('entry-form').noValidate = true; });
    }
    resp = await pressEntryButton(pc, caseId, 'submit');
    check(resp.status() === 422, `invalid case submit answered ${resp.status()}, expected 422`);
    const errs = (await fieldErrors(pc)).join(' | ');
    check(/2015/.test(errs), `field errors do not mention 2015: ${errs}`);
    check(/countr/i.test(errs), `field errors do not mention countries: ${errs}`);
    const startedErr = pc.locator('input[name=started_on]').locator('xpath=ancestor::label/following-sibling::p[1][contains(@class,"field-error")]');
    check(await startedErr.count() === 1, 'the 2015 error is not right below the start-date field');
    await page_shot(pc, 'en', 'edit-errors');
  });

  let caseReceipt;
  await step('en fix (2019-05-01, CN+KE, project) and submit → receipt PC25-DE-NNNN', async () => {
    await pc.fill('input[name=started_on]', '2019-05-01');
    await pc.selectOption('select[name=countries]', ['CN', 'KE']);
    await pc.selectOption('select[name=form]', 'project');
    const resp = await pressEntryButton(pc, caseId, 'submit');
    if (resp.status() >= 400) fail(`fixed case submit answered ${resp.status()}: ${(await fieldErrors(pc)).join(' | ')}`);
    await expectPath(pc, new RegExp(`^/entries/${caseId}$`), 'the case view page');
    caseReceipt = (await pc.locator('.receipt').innerText()).trim();
    check(/^PC25-DE-\d{4}$/.test(caseReceipt), `receipt ${JSON.stringify(caseReceipt)} does not match PC25-DE-NNNN`);
    await expectText(pc, 'Submitted', '2019-05-01', 'Kenya', 'Beijing time', 'site-photo.png', 'case-video.mp4');
    check(await pc.locator('.material-gallery img').count() === 1 && await pc.locator('.material-gallery video').count() === 1,
      'the submitted case does not show its image and video');
    await page_shot(pc, 'en', 'submitted');
  });

  await step('en withdraw (accept the confirmation) → Withdrawn', async () => {
    pc.expectedDialogs.push('confirm');
    const before = pc.seenDialogs.length;
    await clickAndNavigate(pc, pc.locator('form[data-confirm] button'));
    check(pc.seenDialogs.slice(before).some((d) => d.type === 'confirm' && d.message),
      'withdrawing did not ask for confirmation');
    await expectPath(pc, new RegExp(`^/entries/${caseId}$`), 'the case view page');
    const badge = (await pc.locator('.facts .badge').first().innerText()).trim();
    check(badge === 'Withdrawn', `status badge says ${JSON.stringify(badge)}, expected Withdrawn`);
    await page_shot(pc, 'en', 'withdrawn');
    await clickAndNavigate(pc, pc.locator('header nav a[href="/entries"]'));
    const row = pc.locator('table.list tbody tr', { hasText: 'Digital Silk Road' });
    check((await row.locator('.badge').innerText()).trim() === 'Withdrawn', 'My entries does not show Withdrawn');
    await page_shot(pc, 'en', 'entries');
  });

  // ===================================================================================== D
  const D = await newContext(browser, 'admin');
  const pd = D.page;
  pd.base = base;
  lastPage = pd;

  await step('organiser logs in → /admin shows both calls with counts', async () => {
    await pd.goto(base + '/login');
    await pd.fill('input[name=email]', ADMIN_EMAIL);
    await pd.fill('input[name=password]', ADMIN_PASSWORD);
    await page_shot(pd, 'zh', 'login');
    await clickAndNavigate(pd, pd.locator('form[action="/login"] button.primary'));
    await expectPath(pd, /^\/admin$/, 'the admin page');
    const cards = pd.locator('article.card');
    check(await cards.count() === 2, `expected 2 calls on /admin, found ${await cards.count()}`);
    const award = await cards.filter({ has: pd.locator(`a[href="/admin/calls/${AWARD}/entries"]`) }).innerText();
    const cases = await cards.filter({ has: pd.locator(`a[href="/admin/calls/${CASE}/entries"]`) }).innerText();
    // leading-tech: 1 submitted of 2 (the offline-test draft); practice cases: 0 of 1 (withdrawn).
    check(/\b1\b[^\n]*\b2\b/.test(award), `leading-tech counts wrong: ${JSON.stringify(award)}`);
    check(/\b0\b[^\n]*\b1\b/.test(cases), `practice-cases counts wrong: ${JSON.stringify(cases)}`);
    await page_shot(pd, 'zh', 'admin');
  });

  await step('organiser opens leading-tech entries → zh receipt listed, CSV has it', async () => {
    await clickAndNavigate(pd, pd.locator(`a.btn[href="/admin/calls/${AWARD}/entries"]`));
    const row = pd.locator('table.list tbody tr', { hasText: zhReceipt });
    check(await row.count() === 1, `admin list has no row with ${zhReceipt}`);
    await expectText(pd, zhUser.email);
    const csv = pd.locator('a[href*="entries.csv"]');
    check(await csv.count() === 1, 'no CSV export link');
    const res = await D.context.request.get(base + await csv.getAttribute('href'));
    check(res.status() === 200, `CSV export answered ${res.status()}`);
    const body = await res.text();
    check(body.includes(zhReceipt), `CSV export lacks ${zhReceipt}`);
    await page_shot(pd, 'zh', 'admin-entries');
  });

  for (const c of [A, C, D]) await c.context.close();
}

// ---------------------------------------------------------------------------------------
// Main

async function main() {
  const t0 = Date.now();
  if (!existsSync(CHROMIUM)) {
    log(`e2e: FAILED: Chromium not found at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM)`);
    return 1;
  }
  mkdirSync(SHOTS, { recursive: true });
  // Only this script's own screenshots (NN-lang-step.png); tests/e2e/uploads.mjs keeps its uploads-*.png.
  for (const f of readdirSync(SHOTS)) if (/^\d+-.*\.png$/.test(f)) rmSync(join(SHOTS, f), { force: true });

  let playwright;
  try {
    playwright = await import('playwright-core');
  } catch (e) {
    log(`e2e: FAILED: cannot load playwright-core (run npm ci in ${REPO}): ${e.message}`);
    return 1;
  }
  const { chromium } = playwright.default || playwright;

  let server = null;
  let browser = null;
  let code = 0;
  const watchdog = setTimeout(() => {
    log(`e2e: FAILED: timed out after ${OVERALL_TIMEOUT_MS / 1000} s in step ${currentStep}`);
    cleanup().finally(() => process.exit(1));
  }, OVERALL_TIMEOUT_MS);
  watchdog.unref();
  for (const sig of ['SIGINT', 'SIGTERM']) {
    process.once(sig, () => {
      log(`e2e: FAILED: interrupted (${sig}) in step ${currentStep || '(setup)'}`);
      cleanup().finally(() => process.exit(1));
    });
  }

  // Close the browser, stop the server, remove its temp dir; safe to call more than once
  // (the watchdog and the normal path may both call it): every caller waits for the end.
  let cleaning = null;
  function cleanup() {
    if (!cleaning) {
      cleaning = (async () => {
        const b = browser; browser = null;
        const s = server; server = null;
        if (b) await Promise.race([b.close().catch(() => {}), new Promise((r) => setTimeout(r, 10_000))]);
        if (s) await s.stop().catch((e) => log(`e2e: could not stop the server: ${e.message}`));
      })();
    }
    return cleaning;
  }

  try {
    server = await startServer();
    log(`server ${server.url} (${BIN})`);
    browser = await launch(chromium);  // our own SIGINT/SIGTERM handler closes it and stops the server
    await journey(server, browser);
    const secs = ((Date.now() - t0) / 1000).toFixed(1);
    if (defects.length && process.env.E2E_DEFECTS !== 'warn') {
      code = 1;
      log(`e2e: FAILED: ${passed} steps passed in ${secs} s, but the pages have ${defects.length} defect(s) ` +
        '(set E2E_DEFECTS=warn to report them without failing):');
      for (const d of defects) log(`  - ${d}`);
    } else {
      log(`e2e: ${passed} steps passed in ${secs} s` +
        (defects.length ? ` (${defects.length} page defect(s) reported above, E2E_DEFECTS=warn)` : '') +
        (notes.length ? ` (${notes.length} note(s) above)` : ''));
    }
  } catch (e) {
    code = 1;
    let where = '';
    if (lastPage && !lastPage.isClosed()) {
      where = ` (browser at ${lastPage.url()})`;
      try {
        const file = await shot(lastPage, 'fail', 'failure');
        where += `; screenshot ${relative(REPO, file)}`;
      } catch { /* page unusable */ }
    }
    const msg = e instanceof StepError ? e.message : (e && e.stack) || String(e);
    log(`e2e: FAILED at step ${currentStep || '(setup)'}${where}: ${msg}`);
    log(`e2e: ${passed} steps passed before the failure`);
    if (server) log(server.logs().split('\n').slice(-40).join('\n'));
  } finally {
    clearTimeout(watchdog);
    await cleanup();
  }
  return code;
}

main().then((code) => process.exit(code), (e) => {
  log(`e2e: FAILED: ${(e && e.stack) || e}`);
  process.exit(1);
});
