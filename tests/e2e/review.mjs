// Laurel browser test of expert review (issue 13; run as `node tests/e2e/review.mjs` from the repo
// root; about a minute).
//
// Starts a fresh server like the HTTP suite (tests/http/harness.mjs) and drives Debian's
// Chromium through playwright-core, once in Chinese and once in English:
//   an applicant's entry (a PDF, an image and a video) is submitted through the API; the
//   organiser invites an expert in /admin/experts (the invitation link is read from the page); the
//   expert opens the link, logs in through it, accepts and fills the profile (the call and the
//   entry's category ticked); a second expert joins through the API. The organiser creates a
//   round (zh: all submitted entries; en: a shortlist of one receipt), proposes an assignment,
//   reads it and applies it. The second expert scores and submits through the API. The first
//   expert declares no conflict, sees the entry with its image and video inline, lets the draft
//   autosave, submits with a score missing (the error shows, focus moves to it, nothing typed is
//   lost), fixes it and submits; the other expert's review then shows, anonymously. The organiser
//   reads the ranking (sorted by a column), the explanation of the entry's rank, and reopens a
//   review from it.
// Screenshots at 1280 and 390 px of /reviews/{id}, /admin/rounds/{round}, the ranking and the
// explanation go to a temp dir (printed; E2E_SCREENSHOTS=dir to choose); at 390 px no page
// scrolls sideways.
//
// Env: LAUREL_BIN, CHROMIUM (default /usr/bin/chromium), E2E_SCREENSHOTS=dir, E2E_HEADFUL=1.

import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ADMIN_EMAIL, ADMIN_PASSWORD, APPLICANT_PASSWORD, AWARD, adminClient, createDraft, criteriaSlugs, fullAwardFields,
  getCall, newApplicant, shanghaiLocal, startServer,
} from '../http/harness.mjs';
import { uploadFile, waitMaterial } from '../http/tus.mjs';
import { pdfBytes, pngBytes, tinyMp4 } from '../http/fixtures.mjs';
import { launch, leakedKey, loadChromium } from './lib/browser.mjs';
import { clickNav, expectTextWith, openPage, pathOf, textOf } from './lib/pages.mjs';

const OVERALL_TIMEOUT_MS = 300_000;
const WAIT_MS = 15_000;
const SHOTS = process.env.E2E_SCREENSHOTS || mkdtempSync(join(tmpdir(), 'laurel-review-shots-'));
mkdirSync(SHOTS, { recursive: true });

const log = (line) => process.stdout.write(line + '\n');
const notes = [];
function note(msg) { notes.push(msg); log(`  note: ${msg}`); }
class StepError extends Error {}
function fail(msg) { throw new StepError(msg); }
function check(cond, msg) { if (!cond) fail(typeof msg === 'function' ? msg() : msg); }

let passed = 0;
let stepNo = 0;
const pageErrors = [];
const serverErrors = [];
const shots = [];
async function step(name, fn) {
  stepNo += 1;
  const t0 = Date.now();
  await fn();
  if (pageErrors.length) fail(`JavaScript error in the page: ${pageErrors.join(' | ')}`);
  if (serverErrors.length) fail(`server answered with 5xx: ${serverErrors.join(' | ')}`);
  passed += 1;
  log(`ok ${stepNo} - ${name} (${Date.now() - t0} ms)`);
}

const TEXT = {
  zh: {
    locale: 'zh-CN', expertName: '陈评审', expertOrg: '示例研究院', expertise: '网络路由, 分布式系统', roundZh: '第一轮评审',
    roundEn: 'First round', joined: '您已加入专家库', profileSaved: '专家资料已保存', declared: '现在可以评审该申报',
    problems: '请修改以下问题', scoreRequired: '请打分', submitted: '评审已提交', submittedAt: '提交时间',
    otherLabel: '专家 1', proposalTotal: '总匹配度', applied: '已应用建议的分配方案', ranking: '排名', reopened: '评审已重新打开',
    autosaved: '已自动保存', round: '第一轮评审', explainTotal: '总分 = Σ(权重 × 分数) ÷ Σ(权重)', reviewsNav: '评审',
  },
  en: {
    locale: 'en-US', expertName: 'Dana Reviewer', expertOrg: 'Example Research Institute', expertise: 'network routing, distributed systems',
    roundZh: '入围评审', roundEn: 'Shortlist round', joined: 'You have joined the expert pool', profileSaved: 'Your expert profile is saved',
    declared: 'The entry is open for your review', problems: 'There is a problem', scoreRequired: 'Give a score.',
    submitted: 'Your review is submitted', submittedAt: 'Submitted at', otherLabel: 'Expert 1', proposalTotal: 'Total affinity',
    applied: 'The proposed assignment is applied', ranking: 'Ranking', reopened: 'The review is reopened',
    autosaved: 'Saved automatically', round: 'Shortlist round', explainTotal: 'Total = Σ(weight × score) ÷ Σ(weight)',
    reviewsNav: 'Reviews',
  },
};

// ---------------------------------------------------------------------------------------

function newPage(browser, lang, who) {
  return openPage(browser, { locale: TEXT[lang].locale, lang, who, waitMs: WAIT_MS, errors: { page: pageErrors, server: serverErrors } });
}

const expectText = (page, ...needles) => expectTextWith(check, page, needles, 1200);

async function checkKeys(page) {
  const leaked = await leakedKey(page);
  check(!leaked, `untranslated text on ${page.url()}: ${leaked}`);
  const body = await textOf(page);
  const m = /(?<![\w@/.-])(?:review|units)\.[a-z_]+(?:\.[a-z_-]+)*/.exec(body);
  check(!m, `untranslated key ${m && m[0]} on ${page.url()}`);
}

/** Full-page screenshots at 1280 and 390 px; at 390 px the page must not scroll sideways. */
async function shoot(page, lang, name) {
  await checkKeys(page);
  const wide = join(SHOTS, `${lang}-${name}-1280.png`);
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.screenshot({ path: wide, fullPage: true });
  await page.setViewportSize({ width: 390, height: 844 });
  await page.waitForTimeout(100);
  const narrow = join(SHOTS, `${lang}-${name}-390.png`);
  await page.screenshot({ path: narrow, fullPage: true });
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  if (width > 390) {
    const wide = await page.evaluate(() => [...document.querySelectorAll('body *')]
      .filter((el) => el.getBoundingClientRect().right > 391 && !el.closest('.table-box'))
      .slice(0, 6).map((el) => `${el.tagName.toLowerCase()}.${el.className} (${Math.round(el.getBoundingClientRect().right)} px)`));
    fail(`${page.url()} scrolls sideways at 390 px (scrollWidth ${width}): ${wide.join(', ')}`);
  }
  await page.setViewportSize({ width: 1280, height: 900 });
  shots.push(wide, narrow);
}

async function loginForm(page, email, password) {
  await page.fill('input[name=email]', email);
  await page.fill('input[name=password]', password);
  await clickNav(page, page.locator('form[action="/login"] button.primary'));
}

/** A submitted award entry of `category` with a PDF, an image and a video (processed). */
async function submittedEntry(applicant, category) {
  const id = await createDraft(applicant, AWARD, category, await fullAwardFields(applicant, category));
  await uploadFile(applicant, id, 'document', 'evidence.pdf', pdfBytes());
  const img = await uploadFile(applicant, id, 'image', 'photo.png', pngBytes(160, 100));
  const vid = await uploadFile(applicant, id, 'video', 'clip.mp4', await tinyMp4());
  for (const m of [img, vid]) {
    const got = await waitMaterial(applicant, id, m.materialId, 60_000);
    if (!got || got.status !== 'ready') throw new Error(`material not processed: ${JSON.stringify(got)}`);
  }
  const sub = await applicant.post(`/submissions/${id}/submit`, {});
  if (sub.status !== 200) throw new Error(`submit failed: ${sub.status} ${sub.text.slice(0, 400)}`);
  return { id, receipt: sub.body.receipt || (await applicant.get(`/submissions/${id}`)).body.receipt };
}

// ---------------------------------------------------------------------------------------

async function run(server, browser, lang) {
  const T = TEXT[lang];
  const base = server.url;
  const admin = await adminClient(server);
  const call = await getCall(admin, AWARD);
  // One category per language, so each run's experts review only its own entry.
  const category = call.categories[lang === 'zh' ? 0 : 1].slug;
  const criteria = criteriaSlugs(call, category);
  const applicant = await newApplicant(server, { contact_name: lang === 'zh' ? '张申' : 'Cy Applicant' });
  const expert1 = await newApplicant(server, { contact_name: T.expertName, organization: { name_zh: '示例研究院', name_en: 'Example Research Institute', type: 'research-institution' } });
  const expert2 = await newApplicant(server, { contact_name: 'Second Expert', organization: { name_zh: '另一研究所', name_en: 'Another Lab', type: 'research-institution' } });

  let entry;
  await step(`${lang}: an applicant's entry with a PDF, an image and a video is submitted (API)`, async () => {
    entry = await submittedEntry(applicant, category);
    check(entry.receipt, 'no receipt');
  });

  const O = await newPage(browser, lang, `${lang}-organiser`);
  const po = O.page;
  let token;
  await step(`${lang}: the organiser invites an expert in /admin/experts`, async () => {
    await po.goto(`${base}/login`);
    await loginForm(po, ADMIN_EMAIL, ADMIN_PASSWORD);
    await po.goto(`${base}/admin`);
    check(await po.locator(`a[href="/admin/calls/${AWARD}/rounds"]`).count() === 1, 'no rounds link on /admin');
    await clickNav(po, po.locator('a[href="/admin/experts"]').first());
    // Without a name the invitation is refused on the page (422), the e-mail typed kept.
    await po.fill('#i-email', expert1.email);
    // The browser's own checks (required, min) are left out to see the server's answer.
    await po.evaluate(() => { document.querySelector('form[action="/admin/experts"]').noValidate = true; });
    const bad = await clickNav(po, po.locator('form[action="/admin/experts"] button.primary'));
    check(bad.status() === 422, `a nameless invitation answered ${bad.status()}`);
    check(await po.locator('#err-name').count() === 1, 'no error at the name');
    check(await po.inputValue('#i-email') === expert1.email, 'the e-mail typed was lost');
    await po.fill('#i-name', T.expertName);
    await po.fill('#i-org', T.expertOrg);
    await po.fill('#i-expertise', T.expertise);
    const resp = await clickNav(po, po.locator('form[action="/admin/experts"] button.primary'));
    check(resp.status() === 200, `the invitation answered ${resp.status()}`);
    const link = await po.locator('.invite-link input.copy').inputValue();
    const m = /\/invitations\/([^/?#]+)$/.exec(link);
    check(m, `no invitation link on the page (${JSON.stringify(link)})`);
    token = m[1];
    await expectText(po, T.expertName, expert1.email);
    await shoot(po, lang, 'admin-experts');
  });

  const X = await newPage(browser, lang, `${lang}-expert`);
  const px = X.page;
  await step(`${lang}: the expert logs in through the link, accepts and fills the profile`, async () => {
    await px.goto(`${base}/invitations/${token}`);
    await clickNav(px, px.locator('a[href^="/login?next="]'));
    await loginForm(px, expert1.email, APPLICANT_PASSWORD);
    check(pathOf(px) === `/invitations/${token}`, `after login the browser is at ${px.url()}`);
    await clickNav(px, px.locator(`form[action="/invitations/${token}"] button`));
    check(pathOf(px) === '/expert', `accepting went to ${px.url()}`);
    await expectText(px, T.joined);
    check(await px.inputValue('#p-name') === T.expertName, 'the invited name is not in the profile');
    await px.fill('#p-bio', lang === 'zh' ? '长期从事网络体系结构研究。' : 'Works on network architecture.');
    await px.selectOption('#p-country', 'SG');
    await px.check(`#call-${AWARD}`);
    await px.check(`#cat-${AWARD}-${category}`);
    // A load that is no number is refused, nothing typed lost.
    await px.fill('#p-load', '0');
    await px.evaluate(() => { document.getElementById('profile-form').noValidate = true; });
    const bad = await clickNav(px, px.locator('#profile-form button.primary'));
    check(bad.status() === 422, `a load of 0 answered ${bad.status()}`);
    check(await px.locator('#p-load[aria-invalid=true]').count() === 1, 'the load is not marked invalid');
    check(await px.isChecked(`#cat-${AWARD}-${category}`), 'the ticked category was lost');
    await px.fill('#p-load', '5');
    await clickNav(px, px.locator('#profile-form button.primary'));
    await expectText(px, T.profileSaved);
    await checkKeys(px);
  });

  await step(`${lang}: a second expert joins through the API`, async () => {
    const inv = await admin.post('/admin/experts', {
      email: expert2.email, name: 'Second Expert', organization: 'Another Lab', expertise: 'routing',
      calls: [AWARD], categories: [category], max_load: 5,
    });
    check(inv.status === 201, `inviting the second expert: ${inv.status} ${inv.text}`);
    const acc = await expert2.post(`/invitations/${inv.body.token}/accept`, {});
    check(acc.status === 200, `accepting: ${acc.status} ${acc.text}`);
  });

  let roundId;
  await step(`${lang}: the organiser creates a round, proposes an assignment and applies it`, async () => {
    await po.goto(`${base}/admin/calls/${AWARD}/rounds`);
    await po.fill('#r-title-zh', T.roundZh);
    await po.fill('#r-title-en', T.roundEn);
    await po.fill('#r-k', '2');
    const local = shanghaiLocal(new Date(Date.now() + 30 * 86400_000)).slice(0, 16).replace(' ', 'T');
    await po.fill('#r-deadline', local);
    if (lang === 'en') {
      await po.check('#r-short');
      await po.fill('#r-receipts', `${entry.receipt.toLowerCase()}\n`);
    }
    await clickNav(po, po.locator(`form[action="/admin/calls/${AWARD}/rounds"] button.primary`));
    const m = /^\/admin\/rounds\/([^/]+)$/.exec(pathOf(po));
    check(m, `creating the round went to ${po.url()}`);
    roundId = m[1];
    await expectText(po, T.round, entry.receipt);
    await clickNav(po, po.locator(`form[action="/admin/rounds/${roundId}/proposal"] button`));
    await expectText(po, T.proposalTotal);
    const rows = po.locator('.proposal table tbody tr', { hasText: entry.receipt });
    check(await rows.count() === 1, 'the entry is not in the proposal');
    const pairs = await rows.locator('.pairs li').allInnerTexts();
    check(pairs.length === 2 && pairs.some((p) => p.includes(T.expertName)) && pairs.some((p) => p.includes('Second Expert')),
      `the proposal pairs the entry with ${JSON.stringify(pairs)}`);
    await clickNav(po, po.locator(`form[action="/admin/rounds/${roundId}/apply"] button`));
    check(pathOf(po) === `/admin/rounds/${roundId}`, `applying went to ${po.url()}`);
    await expectText(po, T.applied, T.expertName, 'Second Expert');
  });

  await step(`${lang}: the second expert scores and submits (API)`, async () => {
    const list = await expert2.get('/reviews');
    const mine = list.body.reviews.find((r) => r.round === roundId);
    check(mine, `the second expert has no review in the round: ${list.text}`);
    check((await expert2.post(`/reviews/${mine.id}/declare`, { conflict: false })).status === 200, 'declare');
    const scores = Object.fromEntries(criteria.map((k, i) => [k, 6 + i]));
    const p = await expert2.patch(`/reviews/${mine.id}`, { scores, comment: 'Solid work.', recommendation: 'support', confidence: 2 });
    check(p.status === 200, `PATCH: ${p.status} ${p.text}`);
    const s = await expert2.post(`/reviews/${mine.id}/submit`, {});
    check(s.status === 200, `submit: ${s.status} ${s.text}`);
  });

  let reviewId;
  await step(`${lang}: the expert declares no conflict and sees the entry with its materials inline`, async () => {
    await px.goto(`${base}/reviews`);
    if (await px.locator('header a[href="/reviews"]').count() !== 1) {
      note(`${lang}: no "${T.reviewsNav}" link in the header (layout_view in src/web/pages.cpp must set has_reviews)`);
    }
    const link = px.locator('table.reviews-list a', { hasText: lang === 'zh' ? '面向大规模网络的新型路由理论' : 'A new routing theory' });
    check(await link.count() >= 1, 'the assigned entry is not in /reviews');
    await clickNav(px, link.first());
    reviewId = pathOf(px).split('/').pop();
    check(await px.locator('.entry-body').count() === 0, 'the entry shows before the declaration');
    check(await px.locator(`form[action="/reviews/${reviewId}/declare"]`).count() === 2, 'no declaration buttons');
    await clickNav(px, px.locator(`form[action="/reviews/${reviewId}/declare"] button.primary`));
    check(pathOf(px) === `/reviews/${reviewId}`, `declaring went to ${px.url()}`);
    await expectText(px, T.declared);
    check(await px.locator('.entry-body video[controls]').count() === 1, 'no inline video');
    check(await px.locator('.entry-body .material-gallery img').count() >= 1, 'no inline image');
    check(await px.locator('.entry-body a[href*="/content?download=1"]', { hasText: 'evidence.pdf' }).count() === 1, 'no document link');
    const ok = await px.evaluate(async () => {
      const v = document.querySelector('.entry-body video');
      const r = await fetch(v.getAttribute('src'), { headers: { Range: 'bytes=0-99' } });
      return r.status;
    });
    check(ok === 206 || ok === 200, `the expert cannot load the video: ${ok}`);
    await shoot(px, lang, 'review');
  });

  await step(`${lang}: the draft autosaves; submitting with a score missing shows the error at the field`, async () => {
    // Every criterion but the first: a score and a comment.
    for (let i = 1; i < criteria.length; i += 1) await px.check(`#score-${criteria[i]}-${7 + i}`);
    await px.fill(`#comment-${criteria[0]}`, lang === 'zh' ? '创新性突出。' : 'Clearly original.');
    await px.fill('#comment', lang === 'zh' ? '总体较好。' : 'A strong entry overall.');
    await px.selectOption('#recommendation', 'strongly-support');
    await px.check('#confidence-3');
    await px.waitForFunction(() => /\S/.test(document.getElementById('review-autosave').textContent) &&
      !document.getElementById('review-autosave').classList.contains('bad') &&
      !/…|\.\.\./.test(document.getElementById('review-autosave').textContent), null, { timeout: 10_000 });
    await expectText(px, T.autosaved);
    const resp = await clickNav(px, px.locator('#review-form button[value=submit]'));
    check(resp.status() === 422, `a missing score answered ${resp.status()}`);
    await expectText(px, T.problems, T.scoreRequired);
    check(await px.locator(`.error-summary a[href="#score-${criteria[0]}"]`).count() === 1, 'the summary does not link to the score');
    check(await px.locator(`#score-${criteria[0]}[aria-invalid=true][aria-describedby="err-score-${criteria[0]}"]`).count() === 1,
      'the missing score is not marked invalid');
    const focused = await px.evaluate(() => document.activeElement && document.activeElement.id);
    check(focused === `score-${criteria[0]}`, `focus is on ${JSON.stringify(focused)}, not the missing score`);
    check(await px.inputValue('#comment') === (lang === 'zh' ? '总体较好。' : 'A strong entry overall.'), 'the overall comment was lost');
    check(await px.isChecked(`#score-${criteria[1]}-8`), 'a score given was lost');
    check(await px.inputValue('#recommendation') === 'strongly-support', 'the recommendation was lost');
  });

  await step(`${lang}: the expert fixes it and submits; the other review shows, anonymously`, async () => {
    await px.check(`#score-${criteria[0]}-9`);
    await clickNav(px, px.locator('#review-form button[value=submit]'));
    check(pathOf(px) === `/reviews/${reviewId}`, `submitting went to ${px.url()}`);
    await expectText(px, T.submitted, T.submittedAt, T.otherLabel);
    check(!(await textOf(px)).includes('Second Expert'), "the other expert's name shows");
    check(await px.locator('#review-form').count() === 0, 'the submitted review is still editable');
    await shoot(px, lang, 'review-submitted');
    // Someone else's review is not there for this expert.
    const others = await expert2.get('/reviews');
    const theirs = others.body.reviews.find((r) => r.round === roundId);
    const r = await px.goto(`${base}/reviews/${theirs.id}`);
    check(r.status() === 404, `another expert's review answered ${r.status()}`);
  });

  await step(`${lang}: the organiser reads the round, the ranking and the explanation`, async () => {
    await po.goto(`${base}/admin/rounds/${roundId}`);
    await shoot(po, lang, 'admin-round');
    await clickNav(po, po.locator(`a[href="/admin/rounds/${roundId}/ranking"]`).first());
    await expectText(po, entry.receipt);
    await clickNav(po, po.locator('table.review-ranking thead a[href*="sort=mean&"]'));
    check(/sort=mean/.test(po.url()), `sorting went to ${po.url()}`);
    check(await po.locator('table.review-ranking th[aria-sort=descending]').count() === 1, 'no aria-sort on the sorted column');
    const row = po.locator('table.review-ranking tbody tr', { hasText: entry.receipt });
    check(/\d+\.\d\d/.test(await row.innerText()), 'the ranking shows no 2-decimal numbers');
    await shoot(po, lang, 'ranking');
    await clickNav(po, row.locator('a', { hasText: entry.receipt }));
    await expectText(po, T.explainTotal, '÷', T.expertName, 'Second Expert');
    check(await po.locator('article.explained-review').count() === 2, 'the explanation does not show two reviews');
    await shoot(po, lang, 'explanation');
    await clickNav(po, po.locator('article.explained-review form[action$="/reopen"] button').first());
    check(pathOf(po).startsWith(`/admin/rounds/${roundId}/ranking/`), `reopening went to ${po.url()}`);
    await expectText(po, T.reopened);
    check(await po.locator('article.explained-review').count() === 1, 'the reopened review still counts');
  });

  for (const x of [O, X]) await x.context.close();
}

async function main() {
  const chromium = await loadChromium();
  const server = await startServer();
  const browser = await launch(chromium);
  const timer = setTimeout(() => { log('# overall timeout'); process.exit(2); }, OVERALL_TIMEOUT_MS);
  let failed = null;
  try {
    for (const lang of ['zh', 'en']) await run(server, browser, lang);
  } catch (e) {
    failed = e;
    log(`not ok ${stepNo + 1} - ${e instanceof StepError ? e.message : e.stack}`);
  } finally {
    clearTimeout(timer);
    await browser.close().catch(() => {});
    if (failed) log(server.logs().slice(-3000));
    await server.stop();
  }
  log(`# screenshots in ${SHOTS}`);
  for (const s of shots) log(`#   ${s}`);
  for (const n of notes) log(`# note: ${n}`);
  log(`e2e review: ${passed} steps passed${failed ? ', 1 failed' : ''}`);
  process.exit(failed ? 1 : 0);
}

main();
