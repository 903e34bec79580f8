// Laurel browser tests of materials and resumable uploads (run as `node tests/e2e/uploads.mjs`
// from the repo root; about 40 s).
//
// Starts a fresh server like the HTTP suite (tests/http/harness.mjs: temp SQLite database,
// calls/wic-2025.toml, `serve --demo`) and drives Debian's Chromium through playwright-core as
// a zh applicant with a practice case (image and video required):
//   upload an image and a video at once (progress bars, listed, ready, thumbnails), a text file
//   named .png (not accepted, with a message), a file over the image limit (refused in the
//   browser), captions, removal, the entry view (image, <video> with a poster), the same page
//   in English, pause/resume under a throttled network (the server's offset stops while paused,
//   the finished file has the same sha256), and a reload in the middle of an upload (choosing
//   the same file again continues from where it stopped).
// Screenshots: tests/e2e/screenshots/uploads-NN-lang-step.png (failures: uploads-NN-fail-*.png).
// Prints one line per test and `N passed, N failed`; exits non-zero when any test failed.
//
// Env: LAUREL_BIN, CHROMIUM (default /usr/bin/chromium), E2E_SCREENSHOTS=dir, E2E_HEADFUL=1,
//      E2E_SLOWMO=ms.

import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { REPO, BIN, APPLICANT_PASSWORD, CASE, startServer } from '../http/harness.mjs';
import { SHOTS, launch, leakedKey, loadChromium } from './lib/browser.mjs';
import {
  MiB, fakePngFile, largeMp4File, mp4File, pdfFile, pngFile, sha256File, sparseFile,
} from './lib/media.mjs';
import {
  apiMaterials, chooseFiles, item, section, uploadAndSettle, uploadFiles, waitListed, waitStatus,
} from './lib/materials.mjs';

const OVERALL_TIMEOUT_MS = 240_000;
const WAIT_MS = 15_000;
const THROTTLE_BYTES_PER_S = 2 * 1000 * 1000;   // "2 MB/s" upload
const BIG = 8 * MiB;                              // the video-kind file paused and resumed

// ---------------------------------------------------------------------------------------
// Runner: every test runs (a failed one is recorded, with a screenshot); later tests that
// need what a failed one should have made fail at once with "needs …".

const results = [];
let shotNo = 0;
let page = null;
const pageErrors = [];
const serverErrors = [];
const log = (line) => process.stdout.write(line + '\n');
const notes = [];          // things worth a look that do not fail a test (printed again at the end)
function note(msg) { notes.push(msg); log(`  note: ${msg}`); }
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

class TestError extends Error {}
function fail(msg) { throw new TestError(msg); }
function check(cond, msg) { if (!cond) fail(typeof msg === 'function' ? msg() : msg); }

async function test(name, fn) {
  const t0 = Date.now();
  pageErrors.length = 0;
  serverErrors.length = 0;
  try {
    await fn();
    if (pageErrors.length) fail(`JavaScript error in the page: ${pageErrors.join(' | ')}`);
    if (serverErrors.length) fail(`server answered with 5xx: ${serverErrors.join(' | ')}`);
    results.push({ name, ok: true });
    log(`ok ${results.length} - ${name} (${Date.now() - t0} ms)`);
    return true;
  } catch (e) {
    let where = '';
    if (page && !page.isClosed()) {
      where = ` [browser at ${page.url()}`;
      try { where += `; screenshot ${relative(REPO, await shot('fail', name.replace(/\W+/g, '-').slice(0, 40)))}`; } catch { /* unusable */ }
      where += ']';
    }
    const msg = e instanceof TestError ? e.message : (e && e.stack) || String(e);
    results.push({ name, ok: false, msg });
    log(`not ok ${results.length} - ${name} (${Date.now() - t0} ms)${where}\n  ${msg.replace(/\n/g, '\n  ')}`);
    return false;
  }
}

/** Poll fn() until truthy; fail with msg() after timeoutMs. */
async function until(fn, msg, timeoutMs = WAIT_MS, everyMs = 100) {
  const end = Date.now() + timeoutMs;
  let last;
  for (;;) {
    try {
      last = await fn();
      if (last) return last;
    } catch (e) { last = e; }
    if (Date.now() > end) {
      fail(`${typeof msg === 'function' ? await msg() : msg}${last instanceof Error ? ` (last error: ${last.message})` : ''}`);
    }
    await sleep(everyMs);
  }
}

async function shot(lang, name) {
  shotNo += 1;
  const file = join(SHOTS, `uploads-${String(shotNo).padStart(2, '0')}-${lang}-${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/**
 * Check the page (no leaked message keys, no empty error markers), then screenshot it: the
 * full page, and the materials section (#materials / the view's gallery) on its own at full
 * size. Thumbnails load lazily, so every <img> is scrolled into view and loaded first.
 */
async function pageShot(lang, name) {
  const leak = await leakedKey(page);
  check(!leak, `untranslated text on ${page.url()}: ${leak}`);
  const emptyErrors = await page.locator('.field-error').evaluateAll((els) => els.filter((el) => !el.textContent.trim()).length);
  check(emptyErrors === 0, `${emptyErrors} empty .field-error element(s) on ${page.url()}`);
  const imgs = page.locator('main img');
  for (let i = 0; i < await imgs.count(); i++) {
    await imgs.nth(i).scrollIntoViewIfNeeded().catch(() => {});
    await until(() => imgs.nth(i).evaluate((el) => el.complete), `an <img> on ${page.url()} never finished loading`, 5000).catch(() => {});
  }
  await page.evaluate(() => window.scrollTo(0, 0));
  const file = await shot(lang, name);
  shots.push(relative(REPO, file));
  const target = page.locator('#materials').or(page.locator('.entry-body:has(.material-gallery)')).first();
  if (await target.count()) {
    const f2 = file.replace(/\.png$/, '-materials.png');
    await target.screenshot({ path: f2 });
    shots.push(relative(REPO, f2));
  }
  return file;
}
const shots = [];

const pathOf = () => new URL(page.url()).pathname;

async function clickAndNavigate(locator) {
  await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), locator.click()]);
}

/** An <img> (scrolled into view: thumbnails load lazily) has loaded a picture. */
async function imageLoaded(img, what) {
  // One evaluate per poll: the page may replace the list (and the <img>) while it refreshes.
  await until(() => img.evaluate((el) => {
    el.scrollIntoView({ block: 'center' });
    return el.complete && el.naturalWidth > 0;
  }, null, { timeout: 2000 }),
    async () => `${what} did not load (src ${await img.getAttribute('src')}, naturalWidth ` +
      `${await img.evaluate((el) => el.naturalWidth)})`);
}

/** The JSON of a tus HEAD of an upload URL (path), with the page's session. */
async function headUpload(path) {
  const res = await page.request.fetch(new URL(path, page.url()).href, {
    method: 'HEAD', headers: { 'Tus-Resumable': '1.0.0' },
  });
  check(res.status() === 200, `HEAD ${path} answered ${res.status()}`);
  return { offset: Number(res.headers()['upload-offset']), length: Number(res.headers()['upload-length']) };
}

// ---------------------------------------------------------------------------------------
// Network watching: tus requests the page makes

const tus = { created: [], patches: [] };   // created: {filename, location}; patches: {path, offset}
function watchTus(p) {
  p.on('request', (r) => {
    const u = new URL(r.url());
    if (r.method() === 'PATCH' && u.pathname.startsWith('/uploads/')) {
      tus.patches.push({ path: u.pathname, offset: Number(r.headers()['upload-offset']), at: Date.now() });
    }
  });
  p.on('response', async (r) => {
    const u = new URL(r.url());
    if (r.request().method() === 'POST' && u.pathname === '/uploads/') {
      const meta = Object.fromEntries((r.request().headers()['upload-metadata'] || '').split(',')
        .map((kv) => kv.trim().split(' ')).map(([k, v]) => [k, v ? Buffer.from(v, 'base64').toString('utf8') : '']));
      tus.created.push({ filename: meta.filename, kind: meta.kind, status: r.status(), location: r.headers().location });
    }
  });
}
const postsFor = (name) => tus.created.filter((c) => c.filename === name);

// ---------------------------------------------------------------------------------------

async function run(server, browser) {
  const base = server.url;
  const stamp = `${process.pid}-${Date.now().toString(36)}`;
  const context = await browser.newContext({
    locale: 'zh-CN', timezoneId: 'Asia/Shanghai', viewport: { width: 1280, height: 900 },
  });
  context.setDefaultTimeout(WAIT_MS);
  context.setDefaultNavigationTimeout(WAIT_MS);
  page = await context.newPage();
  page.on('pageerror', (e) => pageErrors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error' && !/Failed to load resource/.test(m.text())) note(`console error on ${page.url()}: ${m.text()}`);
  });
  page.on('response', (r) => {
    if (r.status() >= 500) serverErrors.push(`${r.request().method()} ${r.url()} -> ${r.status()}`);
  });
  const dialogs = [];
  page.on('dialog', async (d) => {
    dialogs.push({ type: d.type(), message: d.message() });
    try { await d.accept(); } catch { /* page gone */ }
  });
  watchTus(page);

  const media = {
    photo: await pngFile('photo.png', '640x480'),
    clip: await mp4File('clip.mp4'),
    pdf: await pdfFile('report.pdf'),
    pdf2: await pdfFile('annex.pdf'),
    fake: await fakePngFile('not-really.png'),
    fake2: await fakePngFile('fake-photo.png'),
    huge: await sparseFile('huge-photo.png', 21 * MiB),
    big: await largeMp4File('big-video.mp4', BIG),
    big2: await largeMp4File('second-video.mp4', BIG),
  };

  let id = null;                 // the case entry
  const editUrl = () => `${base}/entries/${id}/edit`;
  const needEntry = () => check(id, 'needs the case entry (an earlier test failed)');
  /** Tests on the edit page start there (a failed test may have left the browser elsewhere). */
  async function onEditPage() {
    needEntry();
    if (pathOf() !== `/entries/${id}/edit`) await page.goto(editUrl());
  }
  let haveReady = false;

  // ------------------------------------------------------------------------------- zh
  await test('zh register an applicant and start a practice case → edit page with image/video/document sections', async () => {
    await page.goto(`${base}/register`);
    await page.fill('input[name=email]', `uploads-${stamp}@example.org`);
    await page.fill('input[name=password]', APPLICANT_PASSWORD);
    await page.fill('input[name=password2]', APPLICANT_PASSWORD);
    await page.fill('input[name=name_zh]', '数字丝路研究中心');
    await page.fill('input[name=name_en]', 'Digital Silk Road Centre');
    await page.selectOption('select[name=type]', 'research-institution');
    await page.selectOption('select[name=country]', 'CN');
    await page.check('input[name=overseas][value="0"]');
    await page.fill('input[name=contact_name]', '王芳');
    await page.fill('input[name=phone]', '+86 10 1234 5678');
    await clickAndNavigate(page.locator('form[action="/register"] button.primary'));
    check(/^\/entries\/?$/.test(pathOf()), `registration landed on ${page.url()}: ` +
      `${(await page.locator('.field-error, .alert').allInnerTexts()).join(' | ')}`);
    await page.goto(`${base}/calls/${CASE}/apply`);
    await page.check('input[name=category][value="digital-economy"]');
    await clickAndNavigate(page.locator(`form[action="/calls/${CASE}/entries"] button.primary`));
    const m = /^\/entries\/([^/]+)\/edit$/.exec(pathOf());
    check(m, `starting the case did not open its edit page (at ${page.url()})`);
    id = m[1];
    await page.fill('input[name=title_zh]', '跨境电商数字丝路合作');
    for (const kind of ['image', 'video', 'document']) {
      check(await section(page, kind).count() === 1, `no ${kind} section on the edit page`);
      check(await section(page, kind).locator('input.file-input').count() === 1, `no file input in the ${kind} section`);
      const label = (await section(page, kind).locator('.dropzone label').innerText()).trim();
      check(label === '选择文件', `the ${kind} section's button says ${JSON.stringify(label)}, expected 选择文件`);
    }
    for (const kind of ['image', 'video']) {
      const badge = (await section(page, kind).locator('h3 .badge').innerText()).trim();
      check(badge === '必需', `the ${kind} section's badge says ${JSON.stringify(badge)}, expected 必需`);
    }
    await pageShot('zh', 'edit-empty');
  });

  await test('zh choose an image and a video at once → two progress bars', async () => {
    await onEditPage();
    await Promise.all([chooseFiles(page, 'image', [media.photo]), chooseFiles(page, 'video', [media.clip])]);
    // Each upload gets a row with a <progress>; it stays until the list is refreshed (+1.5 s).
    await until(async () => await page.locator('#materials .upload-list li.upload progress').count() === 2,
      async () => `expected 2 progress bars, saw ${await page.locator('#materials .upload-list progress').count()}; ` +
        `upload lists say ${JSON.stringify(await page.locator('#materials .upload-list').allInnerTexts())}`, 5000, 20);
    for (const kind of ['image', 'video']) {
      const row = section(page, kind).locator('.upload-list li.upload');
      check(await row.count() === 1, `the ${kind} section has ${await row.count()} upload rows, expected 1`);
      const name = (await row.locator('.upload-name').innerText()).trim();
      check(name === basename(kind === 'image' ? media.photo : media.clip), `the ${kind} upload row names ${JSON.stringify(name)}`);
    }
    // Both finish: the bar reaches 100 and the row says it is being checked (or is gone).
    await until(async () => {
      const rows = await page.locator('#materials .upload-list li.upload').evaluateAll((lis) =>
        lis.map((li) => ({ v: li.querySelector('progress')?.value, s: li.querySelector('.upload-status')?.textContent })));
      return rows.every((r) => r.v === 100 || /已上传/.test(r.s || ''));
    }, async () => `uploads did not finish: ${JSON.stringify(await page.locator('#materials .upload-list').allInnerTexts())}`);
    check(postsFor(basename(media.photo)).length === 1 && postsFor(basename(media.clip)).length === 1,
      `expected one POST /uploads/ per file, saw ${JSON.stringify(tus.created)}`);
  });

  await test('zh both are listed, become 已就绪, with thumbnails that load', async () => {
    await onEditPage();
    await waitListed(page, 'image', [media.photo]);
    await waitListed(page, 'video', [media.clip]);
    await waitStatus(page, 'image', basename(media.photo), ['ready'], 30_000);
    await waitStatus(page, 'video', basename(media.clip), ['ready'], 30_000);
    for (const [kind, file] of [['image', media.photo], ['video', media.clip]]) {
      const li = item(page, kind, basename(file));
      const badge = (await li.locator('.badge').innerText()).trim();
      check(badge === '已就绪', `${kind} status badge says ${JSON.stringify(badge)}, expected 已就绪`);
      const img = li.locator('.material-preview img');
      check(await img.count() === 1, `the ready ${kind} has no thumbnail <img> (preview: ` +
        `${JSON.stringify(await li.locator('.material-preview').innerHTML())})`);
      await imageLoaded(img, `the ${kind} thumbnail`);
    }
    const facts = await item(page, 'image', basename(media.photo)).locator('.material-name').innerText();
    check(/640\s*[×x]\s*480/.test(facts), `the image's facts do not give its size 640×480: ${JSON.stringify(facts)}`);
    const vfacts = await item(page, 'video', basename(media.clip)).locator('.material-name').innerText();
    check(/320\s*[×x]\s*240/.test(vfacts), `the video's facts do not give 320×240: ${JSON.stringify(vfacts)}`);
    // The upload rows go away once the lists are refreshed.
    await until(async () => await page.locator('#materials .upload-list li').count() === 0,
      async () => `upload rows left behind: ${JSON.stringify(await page.locator('#materials .upload-list').allInnerTexts())}`, 8000);
    // The "required" errors of the image and video sections (none here: nothing was submitted).
    haveReady = true;
    await pageShot('zh', 'edit-ready');
  });

  await test('zh a text file named .png ends as 未接受 with a visible message', async () => {
    await onEditPage();
    await uploadFiles(page, 'image', [media.fake]);
    const st = await waitStatus(page, 'image', basename(media.fake), ['rejected', 'ready'], 20_000);
    check(st === 'rejected', `the text file named .png became ${st}, expected rejected`);
    const li = item(page, 'image', basename(media.fake));
    const badge = (await li.locator('.badge').innerText()).trim();
    check(badge === '未接受', `badge says ${JSON.stringify(badge)}, expected 未接受`);
    const err = li.locator('.field-error');
    check(await err.count() === 1 && await err.isVisible(), 'the rejected file shows no message');
    const text = (await err.innerText()).trim();
    check(text.length > 5 && /图片/.test(text), `the rejection message says ${JSON.stringify(text)}`);
    check(await li.locator('.material-preview img').count() === 0, 'the rejected file shows a thumbnail');
    const mats = await apiMaterials(page, id);
    const m = mats.find((x) => x.filename === basename(media.fake));
    check(m && m.status === 'rejected' && m.error, `the API has ${JSON.stringify(m)} for the rejected file`);
  });

  await test('zh a 21 MiB file is refused for the image kind in the browser, nothing is sent', async () => {
    await onEditPage();
    const posts = tus.created.length;
    await chooseFiles(page, 'image', [media.huge]);
    const row = section(page, 'image').locator('.upload-list li.upload', { hasText: basename(media.huge) });
    await until(async () => await row.count() === 1, 'no upload row for the 21 MiB file');
    const status = row.locator('.upload-status');
    const text = (await status.innerText()).trim();
    check(/\b20(\.0)? MiB/.test(text) && text.includes(basename(media.huge)), `the too-large message says ${JSON.stringify(text)}`);
    const hint = (await section(page, 'image').locator(':scope > .hint').innerText()).trim();
    const limitInHint = /(\d+(?:\.\d+)? MiB)/.exec(hint)?.[1];
    if (limitInHint && !text.includes(limitInHint)) {
      note(`the section says the limit is ${JSON.stringify(limitInHint)} (${JSON.stringify(hint)}) but the ` +
        `too-large message says ${JSON.stringify(text)}`);
    }
    check(await status.evaluate((el) => el.classList.contains('field-error')), 'the too-large message is not styled as an error');
    check(await row.locator('progress').count() === 0, 'the refused file has a progress bar');
    await sleep(800);
    check(tus.created.length === posts, `the browser sent POST /uploads/ for the refused file: ${JSON.stringify(tus.created.slice(posts))}`);
    check(await item(page, 'image', basename(media.huge)).count() === 0, 'the refused file is listed as a material');
    await pageShot('zh', 'edit-rejected-and-too-large');
    // Its Cancel button clears the message.
    await row.locator('button').click();
    await until(async () => await row.count() === 0, 'Cancel did not clear the too-large row');
  });

  await test('zh caption: type, leave the field → saved; reload keeps it', async () => {
    await onEditPage();
    check(haveReady, 'needs the ready image');
    const li = item(page, 'image', basename(media.photo));
    const mid = await li.getAttribute('data-id');
    const saved = page.waitForResponse((r) => r.request().method() === 'PATCH' &&
      new URL(r.url()).pathname === `/api/v1/materials/${mid}`);
    await li.locator('input[data-caption="zh"]').fill('数字丝路合作现场照片');
    await li.locator('input[data-caption="en"]').click();   // leaving the field fires change
    const res = await saved;
    check(res.status() === 200, `caption PATCH answered ${res.status()}`);
    const saved2 = page.waitForResponse((r) => r.request().method() === 'PATCH' &&
      new URL(r.url()).pathname === `/api/v1/materials/${mid}`);
    await li.locator('input[data-caption="en"]').fill('On site: Digital Silk Road cooperation');
    await li.locator('input[data-caption="en"]').press('Tab');
    check((await saved2).status() === 200, 'English caption PATCH failed');
    await page.reload();
    const li2 = item(page, 'image', basename(media.photo));
    const zh = await li2.locator('input[data-caption="zh"]').inputValue();
    const en = await li2.locator('input[data-caption="en"]').inputValue();
    check(zh === '数字丝路合作现场照片' && en === 'On site: Digital Silk Road cooperation',
      `after reload the captions are ${JSON.stringify({ zh, en })}`);
  });

  await test('zh after a caption is saved and a file uploaded, nothing is pending: leaving asks no "Leave site?"', async () => {
    needEntry();
    check(haveReady, 'needs the ready image');
    await page.goto(editUrl());
    const key = `laurel.unsaved.${id}`;
    const pending = () => page.evaluate((k) => localStorage.getItem(k), key);
    check(await pending() === null, `${key} is in localStorage on a freshly loaded page`);
    const found = [];
    // 1. A caption typed and saved (PATCH 200).
    const li = item(page, 'image', basename(media.photo));
    const mid = await li.getAttribute('data-id');
    const saved = page.waitForResponse((r) => r.request().method() === 'PATCH' && new URL(r.url()).pathname === `/api/v1/materials/${mid}`);
    await li.locator('input[data-caption="zh"]').fill('现场照片');
    await li.locator('input[data-caption="zh"]').press('Tab');
    check((await saved).status() === 200, 'the caption was not saved');
    await sleep(2000);   // longer than the form's autosave delay (1.2 s)
    if (await pending() !== null) found.push(`after a caption was typed and saved, ${key} stays in localStorage`);
    await page.evaluate((k) => localStorage.removeItem(k), key);
    // 2. A file chosen and uploaded.
    await uploadFiles(page, 'document', [media.pdf2]);
    await sleep(2000);
    if (await pending() !== null) found.push(`after a file was chosen and uploaded, ${key} stays in localStorage`);
    // Leaving the page: a user would see the browser's "Leave site? Changes may not be saved".
    const before = dialogs.length;
    await clickAndNavigate(page.locator('header nav a[href="/entries"]'));
    const asked = dialogs.slice(before).filter((d) => d.type === 'beforeunload');
    if (asked.length) found.push('leaving the page by the "我的申报" link then asked "Leave site? Changes you made may not be saved"');
    check(!found.length, `nothing was unsaved (caption saved, file uploaded, no field changed), yet: ${found.join('; ')}`);
  });

  await test('zh remove: the rejected file goes after confirming', async () => {
    await onEditPage();
    const li = item(page, 'image', basename(media.fake));
    check(await li.count() === 1, 'the rejected file is not listed');
    const before = dialogs.length;
    await li.locator('button[data-action="remove"]').click();
    await until(async () => await item(page, 'image', basename(media.fake)).count() === 0,
      'the removed file is still listed');
    const asked = dialogs.slice(before).find((d) => d.type === 'confirm');
    check(asked && asked.message === '删除这个文件？', `removing asked ${JSON.stringify(asked)}`);
    const mats = await apiMaterials(page, id);
    check(!mats.some((x) => x.filename === basename(media.fake)), 'the API still lists the removed file');
    check(await item(page, 'image', basename(media.photo)).count() === 1, 'removing one file took the image too');
  });

  await test('zh a caption being typed survives a list refresh (another upload finishing)', async () => {
    await onEditPage();
    check(haveReady, 'needs the ready video');
    const typed = '正在输入的说明';
    const li = item(page, 'video', basename(media.clip));
    const mid = await li.getAttribute('data-id');
    const input = li.locator('input[data-caption="zh"]');
    await input.click();
    await input.pressSequentially(typed, { delay: 5 });
    const captionPatches = [];
    const onReq = (r) => {
      if (r.method() === 'PATCH' && new URL(r.url()).pathname === `/api/v1/materials/${mid}`) captionPatches.push(Date.now());
    };
    page.on('request', onReq);
    // Another file finishes uploading (here in the document section) while the caption is
    // still being typed: the page refreshes every list from the server.
    const t0 = Date.now();
    await chooseFiles(page, 'document', [media.pdf]);
    await waitListed(page, 'document', [media.pdf]);
    const listedAfter = Date.now() - t0;
    await sleep(500);
    page.off('request', onReq);
    const now = await item(page, 'video', basename(media.clip)).locator('input[data-caption="zh"]').inputValue();
    const focused = await page.evaluate(() => document.activeElement && document.activeElement.getAttribute('data-caption'));
    const server = ((await apiMaterials(page, id)).find((m) => m.id === mid) || {}).caption;
    // Choosing the files takes the focus (and the blur saves the caption); what must hold is
    // that the refresh never wipes or reverts what was typed.
    check(now === typed && server && server.zh === typed,
      `typed ${JSON.stringify(typed)} into the video's 中文说明 (no Tab yet), then a document upload finished ` +
      `(listed after ${listedAfter} ms): the field now shows ${JSON.stringify(now)}, focus is ` +
      `${focused ? `on caption ${focused}` : 'gone from the field'}; caption PATCHes sent meanwhile: ` +
      `${captionPatches.length}; the server holds caption ${JSON.stringify(server)}`);
  });

  await test('zh entry view shows the image and a <video> whose poster loads', async () => {
    needEntry();
    check(haveReady, 'needs the ready image and video');
    await page.goto(`${base}/entries/${id}`);
    const img = page.locator('.material-gallery img');
    check(await img.count() >= 1, 'no image in the entry view gallery');
    await imageLoaded(img.first(), 'the image on the entry view');
    const video = page.locator('.material-gallery video');
    check(await video.count() === 1, `expected 1 <video> on the entry view, found ${await video.count()}`);
    const poster = await video.getAttribute('poster');
    check(poster, 'the <video> has no poster');
    const w = await page.evaluate((src) => new Promise((resolve) => {
      const im = new Image();
      im.onload = () => resolve(im.naturalWidth);
      im.onerror = () => resolve(0);
      im.src = src;
    }), poster);
    check(w > 0, `the video poster ${poster} does not load`);
    const src = await video.getAttribute('src');
    const res = await page.request.get(new URL(src, page.url()).href, { headers: { Range: 'bytes=0-99' } });
    check(res.status() === 206, `the video's src answered ${res.status()} to a range request`);
    await video.evaluate((v) => v.scrollIntoView({ block: 'center' }));
    const ready = await until(() => video.evaluate((v) => v.readyState >= 1 || v.error ? { rs: v.readyState, err: v.error && v.error.code } : null),
      'the <video> never loaded its metadata', 8000).catch((e) => ({ err: e.message }));
    if (ready.err) note(`the <video> could not load its metadata in this Chromium (${ready.err})`);
    await pageShot('zh', 'view');
  });

  // --------------------------------------------------------------------- resumable uploads
  let cdp = null;
  async function throttle(on) {
    if (!cdp) { cdp = await context.newCDPSession(page); await cdp.send('Network.enable'); }
    await cdp.send('Network.emulateNetworkConditions', {
      offline: false, latency: on ? 20 : 0, downloadThroughput: -1, uploadThroughput: on ? THROTTLE_BYTES_PER_S : -1,
    });
  }
  const progressOf = (name) => section(page, 'video').locator('.upload-list li.upload', { hasText: name }).locator('progress')
    .evaluate((p) => p.value).catch(() => -1);

  await test('zh pause under a throttled network stops the upload; resume finishes it with the same sha256', async () => {
    needEntry();
    await page.goto(editUrl());
    await throttle(true);
    const name = basename(media.big);
    const patchesBefore = tus.patches.length;
    const t0 = Date.now();
    await chooseFiles(page, 'video', [media.big]);
    const row = section(page, 'video').locator('.upload-list li.upload', { hasText: name });
    await until(async () => (await progressOf(name)) >= 20, async () =>
      `the throttled upload never reached 20 % (at ${await progressOf(name)} %): ` +
      `${JSON.stringify(await row.innerText().catch(() => ''))}`, 20_000, 50);
    const at = await progressOf(name);
    const uploadingShot = join(SHOTS, `uploads-${String(++shotNo).padStart(2, '0')}-zh-uploading-video-section.png`);
    await section(page, 'video').screenshot({ path: uploadingShot });
    shots.push(relative(REPO, uploadingShot));
    check(Date.now() - t0 > 500, `8 MiB reached ${at} % in ${Date.now() - t0} ms: the upload is not throttled`);
    await row.locator('button', { hasText: '暂停' }).click();
    const label = (await row.locator('button').first().innerText()).trim();
    check(label === '继续', `after 暂停 the button says ${JSON.stringify(label)}, expected 继续`);
    const created = postsFor(name).at(-1);
    check(created && created.location, `no Location for ${name}: ${JSON.stringify(tus.created)}`);
    // The server keeps what arrived; its offset stops moving.
    let first = null;
    const stopped = await until(async () => {
      const h = await headUpload(created.location);
      if (first !== null && h.offset === first && h.offset > 0) return h;
      first = h.offset;
      await sleep(1200);
      return null;
    }, 'the server offset kept changing after Pause', 15_000, 0);
    check(stopped.offset > 0 && stopped.offset < BIG, `paused at offset ${stopped.offset} of ${BIG}`);
    check(stopped.length === BIG, `Upload-Length ${stopped.length}, expected ${BIG}`);
    const barPaused = await progressOf(name);
    await sleep(1000);
    const again = await headUpload(created.location);
    check(again.offset === stopped.offset, `offset moved while paused: ${stopped.offset} → ${again.offset}`);
    check(await progressOf(name) === barPaused, 'the progress bar moved while paused');
    log(`  paused at ${stopped.offset} of ${BIG} bytes (${Math.round(stopped.offset * 100 / BIG)} %, bar ${barPaused} %)`);
    const statusText = (await row.locator('.upload-status').innerText()).trim();
    log(`  while paused the row says ${JSON.stringify(statusText)}`);
    if (/^继续\s*…$/.test(statusText)) {
      note(`a paused upload's status line says ${JSON.stringify(statusText)} ("continue …", the button's label) ` +
        'rather than saying it is paused');
    }
    const widths = await row.locator('button').evaluateAll((bs) => bs.map((b) => `${b.textContent} ${Math.round(b.getBoundingClientRect().width)} px`));
    if (widths.some((w) => Number(/(\d+) px$/.exec(w)[1]) > 200)) {
      note(`the upload row's buttons are stretched into wide bars below the status line: ${widths.join(', ')}`);
    }
    await pageShot('zh', 'edit-paused');
    // Resume: the next PATCH starts at the paused offset; the file completes.
    const n = tus.patches.length;
    await row.locator('button', { hasText: '继续' }).click();
    await until(() => tus.patches.length > n, 'Resume sent no PATCH');
    const resumed = tus.patches[n];
    check(resumed.offset === stopped.offset, `the resumed PATCH starts at ${resumed.offset}, the server had ${stopped.offset}`);
    check(postsFor(name).length === 1, `Resume created a new upload: ${JSON.stringify(postsFor(name))}`);
    await waitListed(page, 'video', [media.big], 30_000);
    await throttle(false);
    const m = (await apiMaterials(page, id)).find((x) => x.filename === name);
    check(m, `the API does not list ${name}`);
    check(m.size === BIG, `the material has ${m.size} bytes, expected ${BIG}`);
    check(m.sha256 === sha256File(media.big), `sha256 ${m.sha256} differs from the file's ${sha256File(media.big)}`);
    check(tus.patches.slice(patchesBefore).every((p) => p.path === new URL(created.location, base).pathname),
      'PATCHes went to another upload');
    await waitStatus(page, 'video', name, ['ready'], 30_000);
  });

  // ------------------------------------------------------------------------------- en
  await test('en the edit page in English: materials section, badges, messages', async () => {
    needEntry();
    await page.goto(editUrl());
    await clickAndNavigate(page.locator('a[href^="/lang/en"]'));
    check(/\/edit$/.test(pathOf()), `the language switch left the edit page for ${page.url()}`);
    check((await page.getAttribute('html', 'lang')) === 'en', 'html lang is not en');
    const legend = (await page.locator('#materials legend').innerText()).trim();
    check(legend === 'Materials', `materials legend says ${JSON.stringify(legend)}`);
    const choose = (await section(page, 'image').locator('.dropzone label').innerText()).trim();
    check(choose === 'Choose files', `the button says ${JSON.stringify(choose)}`);
    const badge = (await item(page, 'image', basename(media.photo)).locator('.badge').innerText()).trim();
    check(badge === 'Ready', `the image badge says ${JSON.stringify(badge)}, expected Ready`);
    // A rejected file in English, and the too-large message in English.
    await uploadFiles(page, 'image', [media.fake2]);
    await waitStatus(page, 'image', basename(media.fake2), ['rejected', 'ready']);
    const li = item(page, 'image', basename(media.fake2));
    check((await li.locator('.badge').innerText()).trim() === 'Not accepted', 'the rejected badge is not "Not accepted"');
    const err = (await li.locator('.field-error').innerText()).trim();
    check(/image/i.test(err) && !/[\u4e00-\u9fff]/.test(err), `the rejection message in English says ${JSON.stringify(err)}`);
    await chooseFiles(page, 'image', [media.huge]);
    const row = section(page, 'image').locator('.upload-list li.upload', { hasText: basename(media.huge) });
    await until(async () => await row.count() === 1, 'no row for the too-large file');
    const tl = (await row.locator('.upload-status').innerText()).trim();
    check(/over the limit of 20(\.0)? MiB/.test(tl), `the too-large message in English says ${JSON.stringify(tl)}`);
    await pageShot('en', 'edit');
    await row.locator('button').click();
    await li.locator('button[data-action="remove"]').click();
    await until(async () => await item(page, 'image', basename(media.fake2)).count() === 0, 'could not remove the rejected file');
  });

  await test('en entry view', async () => {
    needEntry();
    await page.goto(`${base}/entries/${id}`);
    const h = await page.locator('.entry-body').innerText();
    check(/Materials/.test(h), 'the entry view has no "Materials" heading in English');
    await imageLoaded(page.locator('.material-gallery img').first(), 'the image on the entry view');
    await pageShot('en', 'view');
  });

  await test('en reload in the middle of an upload; choosing the same file again continues from where it stopped', async () => {
    needEntry();
    const name = basename(media.big2);
    await page.goto(editUrl());
    await throttle(true);
    await chooseFiles(page, 'video', [media.big2]);
    await until(async () => (await progressOf(name)) >= 30, async () => `the upload never reached 30 % (at ${await progressOf(name)} %)`, 20_000, 50);
    const created = postsFor(name).at(-1);
    check(created && created.location, `no Location for ${name}`);
    const dialogsBefore = dialogs.length;
    await page.reload();
    const leave = dialogs.slice(dialogsBefore).find((d) => d.type === 'beforeunload');
    log(`  reload during the upload ${leave ? 'asked "Leave site?" (accepted)' : 'did not ask to leave'}`);
    let kept = null;
    await until(async () => {
      const h = await headUpload(created.location);
      if (kept !== null && h.offset === kept && h.offset > 0) return true;
      kept = h.offset;
      await sleep(800);
      return false;
    }, 'the server kept nothing of the interrupted upload', 10_000, 0);
    const notice = page.locator('#materials .resumable');
    check(await notice.isVisible(), 'no "unfinished uploads" notice after the reload');
    const ntext = (await notice.innerText()).trim();
    check(ntext.includes(name) && /Unfinished uploads/.test(ntext), `the notice says ${JSON.stringify(ntext)}`);
    await pageShot('en', 'edit-unfinished-notice');
    const n = tus.patches.length;
    const posts = postsFor(name).length;
    await chooseFiles(page, 'video', [media.big2]);
    await until(() => tus.patches.length > n, 'choosing the same file again sent no PATCH');
    const first = tus.patches[n];
    check(first.offset === kept, `the continued upload starts at ${first.offset}, the server had ${kept} (of ${BIG})`);
    check(postsFor(name).length === posts, 'choosing the file again created a new upload instead of continuing');
    log(`  continued from ${first.offset} of ${BIG} bytes (${Math.round(first.offset * 100 / BIG)} %)`);
    await waitListed(page, 'video', [media.big2], 30_000);
    await throttle(false);
    const m = (await apiMaterials(page, id)).find((x) => x.filename === name);
    check(m && m.sha256 === sha256File(media.big2), `sha256 of the continued upload: ${m && m.sha256}, file ${sha256File(media.big2)}`);
    const still = await notice.isVisible() ? (await notice.innerText()).trim() : '';
    if (still) note(`after the continued upload finished, the page still says ${JSON.stringify(still)}`);
    await waitStatus(page, 'video', name, ['ready'], 30_000);
    await pageShot('en', 'edit-all-uploaded');
  });

  await test('zh the entry can now be submitted with its materials (view lists 3 videos)', async () => {
    needEntry();
    await page.goto(editUrl());
    await clickAndNavigate(page.locator('a[href^="/lang/zh"]'));
    await page.fill('input[name=title_en]', 'Digital Silk Road cross-border e-commerce');
    await page.fill('textarea[name=summary_zh]', '连接肯尼亚与中国小企业的跨境电商合作项目。');
    const crit = page.locator('textarea[name^="criteria."]');
    for (let i = 0; i < await crit.count(); i++) await crit.nth(i).fill(`说明 ${i + 1}：2019 年至 2025 年的证据。`);
    await page.fill('textarea[name=organizations]', '数字丝路研究中心\n内罗毕大学');
    await page.fill('input[name=started_on]', '2019-05-01');
    await page.selectOption('select[name=countries]', ['CN', 'KE']);
    await page.selectOption('select[name=form]', 'project');
    await clickAndNavigate(page.locator('#entry-form button[name=action][value=submit]'));
    check(new RegExp(`^/entries/${id}$`).test(pathOf()),
      `submit did not reach the view page (at ${page.url()}): ${(await page.locator('.field-error, .alert').allInnerTexts()).join(' | ')}`);
    check(/^PC25-DE-\d{4}$/.test((await page.locator('.receipt').innerText()).trim()), 'no receipt after submit');
    check(await page.locator('.material-gallery video').count() === 3, 'the view does not show 3 videos');
    await pageShot('zh', 'view-submitted');
  });

  await test('zh reorder: ↓ on the first video moves it down, and the order stays after a reload', async () => {
    needEntry();
    await page.goto(editUrl());
    const names = () => section(page, 'video').locator('.material-list > li.material .material-name a').allInnerTexts();
    const before = await names();
    check(before.length >= 2, `needs two videos, the list has ${JSON.stringify(before)}`);
    const first = item(page, 'video', before[0]);
    check(await first.locator('button[data-action="up"]').count() === 0, 'the first item has a ↑ button');
    await first.locator('button[data-action="down"]').click();
    const want = [before[1], before[0], ...before.slice(2)];
    await until(async () => JSON.stringify(await names()) === JSON.stringify(want),
      async () => `after ↓ the videos are ${JSON.stringify(await names())}, expected ${JSON.stringify(want)}`);
    await page.reload();
    check(JSON.stringify(await names()) === JSON.stringify(want), `after reload the videos are ${JSON.stringify(await names())}`);
  });

  await test('zh after a refused submit (422, "image required"), an image uploaded on that page shows in its list', async () => {
    await page.goto(`${base}/calls/${CASE}/apply`);
    await page.check('input[name=category][value="digital-economy"]');
    await clickAndNavigate(page.locator(`form[action="/calls/${CASE}/entries"] button.primary`));
    const m = /^\/entries\/([^/]+)\/edit$/.exec(pathOf());
    check(m, `could not start a second case (at ${page.url()})`);
    const id2 = m[1];
    await page.fill('input[name=title_zh]', '第二个案例');
    const [resp] = await Promise.all([
      page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === `/entries/${id2}` &&
        r.request().isNavigationRequest()),
      page.click('#entry-form button[name=action][value=submit]'),
    ]);
    await page.waitForLoadState('load');
    check(resp.status() === 422, `submitting an empty case answered ${resp.status()}, expected 422`);
    const secErr = section(page, 'image').locator(':scope > .field-error');
    check(await secErr.count() === 1, 'the image section shows no "required" error after the refused submit');
    const errText = (await secErr.innerText()).trim();
    check(/图片/.test(errText), `the image section's error says ${JSON.stringify(errText)}`);
    await pageShot('zh', 'edit-422-required');
    log(`  the refused submit left the browser at ${pathOf()}`);
    const got = await uploadAndSettle(page, 'image', [media.photo]);
    const listed = got.listed;
    if (!listed) {
      const server = (await apiMaterials(page, id2)).map((x) => `${x.filename} (${x.status})`);
      await pageShot('zh', 'edit-422-upload-not-listed');
      fail(`on the page shown after the refused submit (${pathOf()}), ${basename(media.photo)} was uploaded ` +
        `(the server lists ${JSON.stringify(server)}) but never showed in the image list; the upload row ` +
        `said ${JSON.stringify(got.rows)} and then went away; the "${errText}" error stays`);
    }
    if (listed) {
      await until(async () => await secErr.count() === 0, `the "${errText}" error stays after the image was uploaded`, 5000);
    }
  });

  await context.close();
}

// ---------------------------------------------------------------------------------------

async function main() {
  const t0 = Date.now();
  mkdirSync(SHOTS, { recursive: true });
  for (const f of readdirSync(SHOTS)) if (/^uploads-.*\.png$/.test(f)) rmSync(join(SHOTS, f), { force: true });
  let server = null;
  let browser = null;
  let cleaning = null;
  const cleanup = () => (cleaning ||= (async () => {
    if (browser) await Promise.race([browser.close().catch(() => {}), sleep(10_000)]);
    if (server) await server.stop().catch((e) => log(`could not stop the server: ${e.message}`));
  })());
  const watchdog = setTimeout(() => {
    log(`uploads: FAILED: timed out after ${OVERALL_TIMEOUT_MS / 1000} s`);
    log(`${results.filter((r) => r.ok).length} passed, ${results.filter((r) => !r.ok).length + 1} failed`);
    cleanup().finally(() => process.exit(1));
  }, OVERALL_TIMEOUT_MS);
  watchdog.unref();
  for (const sig of ['SIGINT', 'SIGTERM']) process.once(sig, () => cleanup().finally(() => process.exit(1)));

  let setupError = null;
  try {
    const chromium = await loadChromium();
    server = await startServer();
    log(`server ${server.url} (${BIN})`);
    browser = await launch(chromium);
    await run(server, browser);
  } catch (e) {
    setupError = e;
    log(`uploads: FAILED outside a test: ${(e && e.stack) || e}`);
    if (server) log(server.logs().split('\n').slice(-30).join('\n'));
  } finally {
    clearTimeout(watchdog);
    await cleanup();
  }
  const passed = results.filter((r) => r.ok).length;
  const failed = results.length - passed + (setupError ? 1 : 0);
  if (shots.length) log(`screenshots:\n  ${shots.join('\n  ')}`);
  if (notes.length) log(`notes:\n  - ${notes.join('\n  - ')}`);
  for (const r of results.filter((x) => !x.ok)) log(`FAILED: ${r.name}`);
  log(`uploads: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  log(`${passed} passed, ${failed} failed`);
  return failed ? 1 : 0;
}

main().then((code) => process.exit(code), (e) => {
  log(`uploads: FAILED: ${(e && e.stack) || e}`);
  log('0 passed, 1 failed');
  process.exit(1);
});
