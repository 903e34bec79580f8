// Expert review (issue 13, docs/api.md "Expert review"): every route of the API contract with its
// statuses and bodies — the expert pool (invitation, acceptance, profile, CSV import), rounds,
// conflicts of interest (detected: organisation after normalising, the owner's e-mail domain,
// the recommending unit chain; declared by the expert; added and lifted by the organiser),
// assignment (manual, CSV, bids, the min-cost-flow proposal and its constraints, applying it),
// the expert's reviews (declare, open, draft, field errors, submit, deadline, reopen, the
// visibility of other experts' reviews), the ranking against hand-computed numbers and its
// explanation, progress and reminders — and the confidentiality matrix: expert ↔ expert,
// applicant ↔ expert, recommender ↔ scores, anonymous, and the organiser's routes for everyone
// else.
//
// Scenarios use calls of the test's own (no required materials; each scenario its own call, and
// every expert limited to it, so the pools do not mix); materials are read on the WIC award call.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startServer, newApplicant, adminClient, Client, getCall, fullAwardFields, expectStatus, expectError,
  errorFields, callToml, shanghaiLocal, uniqueEmail, AWARD,
} from './harness.mjs';
import { uploadFile } from './tus.mjs';
import { pdfBytes, xlsxOf } from './fixtures.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const isoSeconds = (ms) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
const near = (got, want, what) => assert.ok(typeof got === 'number' && Math.abs(got - want) < 1e-9, `${what}: got ${got}, want ${want}`);
const sortedKeys = (o) => Object.keys(o).sort();
const DAY = 86400_000;

/** A call of the test's own: categories [{slug, code, criteria: [slug…]}], no materials. */
function reviewCall(slug, prefix, categories) {
  const deadline = shanghaiLocal(new Date(Date.now() + 60 * DAY)).slice(0, 16);
  const [first, ...rest] = categories;
  let toml = callToml({ slug, prefix, deadline, categorySlug: first.slug, code: first.code });
  const criterion = (c) => `\n[[call.category.criterion]]\nslug = "${c}"\ntitle = { zh = "${c}（中文）", en = "${c}" }\n` +
    `description = { zh = "${c}。", en = "${c}." }\n`;
  for (const c of first.criteria.slice(1)) toml += criterion(c); // "merit" is callToml's own
  for (const cat of rest) {
    toml += `\n[[call.category]]\nslug = "${cat.slug}"\ncode = "${cat.code}"\ntitle = { zh = "${cat.slug}（中文）", en = "${cat.slug}" }\n` +
      `description = { zh = "${cat.slug}。", en = "${cat.slug}." }\n`;
    for (const c of cat.criteria) toml += criterion(c);
  }
  return toml;
}

/** Every key of a JSON value, at any depth. */
function keysDeep(v, out = []) {
  if (Array.isArray(v)) for (const x of v) keysDeep(x, out);
  else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) { out.push(k); keysDeep(x, out); }
  return out;
}

/** Asserts a response shows nothing of the review: no review/score/expert key, none of the secrets. */
function assertNoReviewData(res, secrets, where) {
  const text = res.text;
  for (const s of secrets) assert.ok(!text.includes(s), `${where}: the answer contains ${JSON.stringify(s)}: ${text.slice(0, 400)}`);
  if (res.body) {
    const bad = keysDeep(res.body).filter((k) => /review|score|expert|^recommendation$|confidence|z_mean|ranking|stdev|median|trimmed/i.test(k));
    assert.deepEqual(bad, [], `${where}: review keys in ${text.slice(0, 400)}`);
  }
}

describe('expert review', () => {
  let server;
  let admin;
  let anon;

  const RCALL = 'review-rank-2025'; // reviews, visibility, deadline, ranking
  const CCALL = 'review-conflicts-2025'; // conflicts
  const PCALL = 'review-proposal-2025'; // the proposal's constraints
  const ALPHA = { slug: 'alpha', code: 'AL', criteria: ['merit', 'impact', 'rigour'] };

  before(async () => {
    server = await startServer();
    admin = await adminClient(server);
    for (const [slug, prefix, cats] of [
      [RCALL, 'RR25', [ALPHA]],
      [CCALL, 'RC25', [ALPHA]],
      [PCALL, 'RP25', [ALPHA, { slug: 'beta', code: 'BE', criteria: ['merit'] }, { slug: 'gamma', code: 'GA', criteria: ['merit'] }]],
    ]) {
      const load = await admin.api('POST', '/admin/calls', {
        body: reviewCall(slug, prefix, cats), headers: { 'Content-Type': 'application/toml' },
      });
      expectStatus(assert, load, 200);
    }
    anon = new Client(server.url);
    await anon.request('GET', '/login');
    anon.csrf = anon.cookies.get('laurel_csrf');
  });

  after(async () => { if (server) await server.stop(); });

  // ---- helpers ------------------------------------------------------------------------

  /** The organiser invites an expert; a new account (POST /accounts) accepts. */
  async function expert(body) {
    const email = body.email || uniqueEmail('expert');
    const inv = await admin.post('/admin/experts', { name: `Expert ${email.slice(0, 12)}`, country: 'GB', max_load: 10, ...body, email });
    expectStatus(assert, inv, 201);
    assert.deepEqual(sortedKeys(inv.body), ['id', 'token']);
    const client = await newApplicant(server, { email });
    const acc = await client.post(`/invitations/${inv.body.token}/accept`, {});
    expectStatus(assert, acc, 200);
    assert.equal(acc.body.expert.id, inv.body.id);
    assert.equal(acc.body.expert.accepted, true);
    client.expertId = inv.body.id;
    return client;
  }
  /** A submitted entry of `owner` in a call of the test's own. */
  async function entry(owner, call, category, { organizations = ['Owner Institute'], code, title } = {}) {
    const fields = { ...(await fullAwardFields(owner, category, call)), organizations };
    if (title) fields.title_en = title;
    const body = { category, fields };
    if (code) body.recommendation_code = code;
    const made = await owner.post(`/calls/${call}/submissions`, body);
    expectStatus(assert, made, 201);
    const sub = await owner.post(`/submissions/${made.body.id}/submit`, {});
    expectStatus(assert, sub, 200);
    return { id: made.body.id, receipt: sub.body.receipt };
  }
  async function round(call, body) {
    const res = await admin.post(`/admin/calls/${call}/rounds`, {
      title: { zh: '第一轮', en: 'Round 1' }, reviews_per_entry: 3, deadline: isoSeconds(Date.now() + 7 * DAY), entries: 'submitted', ...body,
    });
    expectStatus(assert, res, 201);
    return res.body;
  }
  async function assign(roundId, submission, x) {
    const res = await admin.post(`/admin/rounds/${roundId}/assignments`, { submission, expert: x.expertId });
    expectStatus(assert, res, 201);
    return res.body.id;
  }
  async function conflicts(roundId) {
    const res = await admin.get(`/admin/rounds/${roundId}/conflicts`);
    expectStatus(assert, res, 200);
    return res.body.conflicts;
  }
  const has = (list, x, sub, source) => list.some((k) => k.expert === x.expertId && k.submission === sub && (!source || k.source === source));
  async function unit(nameEn) {
    const res = await admin.post('/admin/units', { name_zh: `${nameEn}（中文）`, name_en: nameEn, kind: 'university', parent: null });
    expectStatus(assert, res, 201);
    return res.body.id;
  }
  async function joinUnit(unitId, who, role) {
    const inv = await admin.post(`/units/${unitId}/invitations`, { email: who.email, role });
    expectStatus(assert, inv, 201);
    expectStatus(assert, await who.post(`/invitations/${inv.body.token}/accept`, {}), 200);
  }
  async function code(unitId, call) {
    const res = await admin.post(`/units/${unitId}/codes`, { call, expires_at: null, max_uses: null });
    expectStatus(assert, res, 201);
    return res.body.code;
  }
  /** Scores every criterion of ALPHA and submits. */
  async function fillAndSubmit(x, reviewId, [merit, impact, rigour], comment = 'Overall fine.') {
    const p = await x.patch(`/reviews/${reviewId}`, {
      scores: { merit, impact, rigour }, comments: { merit: 'On merit.' }, comment, recommendation: 'support', confidence: 2,
    });
    expectStatus(assert, p, 200);
    const s = await x.post(`/reviews/${reviewId}/submit`, {});
    expectStatus(assert, s, 200);
    assert.equal(s.body.status, 'submitted');
    return s.body;
  }

  // ---- the pool -----------------------------------------------------------------------

  it('the organiser invites experts (one, or from CSV); an account accepts and fills its profile', async () => {
    const bad = await admin.post('/admin/experts', { email: 'not-an-address', categories: ['no-such-category'], max_load: 0 });
    expectError(assert, bad, 422, 'invalid');
    for (const f of ['email', 'name', 'categories', 'max_load']) assert.ok(errorFields(bad)[f], `fields.${f}: ${bad.text}`);
    const badType = await admin.post('/admin/experts', { email: uniqueEmail('x'), name: 'X', calls: 'all' });
    expectError(assert, badType, 422, 'invalid');
    assert.ok(errorFields(badType).calls);

    const email = uniqueEmail('pool');
    const inv = await admin.post('/admin/experts', {
      email, name: 'Pool Expert', organization: 'Oxford Lab', country: 'GB', expertise: 'routing; 路由',
      calls: [RCALL], categories: ['alpha'], max_load: 4,
    });
    expectStatus(assert, inv, 201);
    const listed = (await admin.get('/admin/experts')).body.experts.find((x) => x.id === inv.body.id);
    assert.equal(listed.accepted, false);
    assert.deepEqual(listed.calls, [RCALL]);

    const who = await newApplicant(server, { email });
    expectError(assert, await who.get('/expert/profile'), 404);
    expectStatus(assert, await who.get('/reviews'), 200);
    const acc = await who.post(`/invitations/${inv.body.token}/accept`, {});
    expectStatus(assert, acc, 200);
    assert.equal(acc.body.expert.max_load, 4);
    expectError(assert, await who.post(`/invitations/${inv.body.token}/accept`, {}), 410); // used
    const other = await newApplicant(server);
    expectError(assert, await other.post(`/invitations/${inv.body.token}/accept`, {}), 410);

    const me = await who.get('/expert/profile');
    expectStatus(assert, me, 200);
    assert.equal(me.body.id, inv.body.id);
    assert.equal(me.body.organization, 'Oxford Lab');
    const badPatch = await who.patch('/expert/profile', { max_load: 0, categories: ['nope'] });
    expectError(assert, badPatch, 422, 'invalid');
    assert.ok(errorFields(badPatch).max_load && errorFields(badPatch).categories);
    const patched = await who.patch('/expert/profile', { bio: '网络研究。Network research.', max_load: 5 });
    expectStatus(assert, patched, 200);
    assert.equal(patched.body.max_load, 5);
    assert.equal((await who.get('/expert/profile')).body.bio, '网络研究。Network research.');
    expectError(assert, await other.get('/expert/profile'), 404);
    expectError(assert, await other.patch('/expert/profile', { bio: 'x' }), 404);
    expectError(assert, await anon.get('/expert/profile'), 401);
    expectError(assert, await admin.get('/expert/profile'), 404);

    // CSV: one line invited, one already in the pool (skipped), one bad (its error).
    const csv = `email,name,organization,calls,categories,max_load\n${uniqueEmail('csv')},CSV Expert,Lab,${RCALL},alpha,3\n` +
      `${email},Again,Lab,,,\nbroken,No Address,,,,\n`;
    const imp = await admin.api('POST', '/admin/experts.csv', { body: csv, headers: { 'Content-Type': 'text/csv' } });
    expectStatus(assert, imp, 200);
    assert.equal(imp.body.invited, 1);
    assert.equal(imp.body.lines.length, 3);
    assert.ok(imp.body.lines[0].id && imp.body.lines[0].token);
    assert.equal(imp.body.lines[1].skipped, true);
    assert.ok(imp.body.lines[2].error);
    const noHeader = await admin.api('POST', '/admin/experts.csv', { body: 'a,b\n', headers: { 'Content-Type': 'text/csv' } });
    expectError(assert, noHeader, 422, 'invalid');

    // XLSX: the same list as a workbook (built here with Python's zipfile: inline strings, a
    // blank row in the middle), then a file that is no workbook.
    const xlsxEmail = uniqueEmail('xlsx');
    const book = xlsxOf([['email', 'name', 'organization', 'max_load'], [], [xlsxEmail, '表格专家', '某实验室', '4']]);
    const xl = await admin.api('POST', '/admin/experts.xlsx', { body: book, headers: { 'Content-Type': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' } });
    expectStatus(assert, xl, 200);
    assert.equal(xl.body.invited, 1);
    assert.equal(xl.body.lines[0].line, 3);
    const fromXlsx = (await admin.get("/admin/experts")).body.experts.find((x) => x.email === xlsxEmail);
    assert.ok(fromXlsx && fromXlsx.name === "表格专家" && fromXlsx.max_load === 4, JSON.stringify(fromXlsx));
    expectError(assert, await admin.api('POST', '/admin/experts.xlsx', { body: 'not a zip', headers: { 'Content-Type': 'application/octet-stream' } }), 422, 'invalid');
    expectError(assert, await who.api('POST', '/admin/experts.xlsx', { body: book }), 403);
  });

  // ---- rounds -------------------------------------------------------------------------

  it('rounds: created with their checks, listed, read', async () => {
    const owner = await newApplicant(server);
    const e = await entry(owner, RCALL, 'alpha');
    const empty = await admin.post(`/admin/calls/${RCALL}/rounds`, {});
    expectError(assert, empty, 422, 'invalid');
    assert.ok(errorFields(empty).title && errorFields(empty).deadline, empty.text);
    const bad = await admin.post(`/admin/calls/${RCALL}/rounds`, {
      title: { zh: '轮', en: 'R' }, reviews_per_entry: 0, deadline: 'tomorrow', visibility: 'sometimes', scale: { min: 10, max: 1 },
    });
    expectError(assert, bad, 422, 'invalid');
    for (const f of ['reviews_per_entry', 'deadline', 'visibility', 'scale']) assert.ok(errorFields(bad)[f], `fields.${f}: ${bad.text}`);
    const unknownEntry = await admin.post(`/admin/calls/${RCALL}/rounds`, {
      title: { zh: '轮', en: 'R' }, reviews_per_entry: 2, deadline: isoSeconds(Date.now() + DAY), entries: ['no-such-entry'],
    });
    expectError(assert, unknownEntry, 422, 'invalid');
    assert.ok(errorFields(unknownEntry).entries);
    expectError(assert, await admin.post('/admin/calls/no-such-call/rounds', {
      title: { zh: '轮', en: 'R' }, reviews_per_entry: 2, deadline: isoSeconds(Date.now() + DAY),
    }), 404);

    const r = await round(RCALL, { entries: [e.id], reviews_per_entry: 2, deadline: '2030-06-18T24:00:00+08:00'.replace('24:00', '23:59'), visibility: 'never' });
    assert.equal(r.entries, 1);
    assert.equal(r.reviews_per_entry, 2);
    assert.equal(r.visibility, 'never');
    assert.equal(r.deadline, '2030-06-18T15:59:00Z');
    assert.deepEqual(r.title, { zh: '第一轮', en: 'Round 1' });
    const got = await admin.get(`/admin/rounds/${r.id}`);
    expectStatus(assert, got, 200);
    assert.equal(got.body.id, r.id);
    const list = await admin.get(`/admin/calls/${RCALL}/rounds`);
    expectStatus(assert, list, 200);
    assert.ok(list.body.rounds.some((x) => x.id === r.id));
    expectError(assert, await admin.get('/admin/rounds/no-such-round'), 404);
    expectError(assert, await admin.get('/admin/rounds/no-such-round/conflicts'), 404);
  });

  // ---- conflicts ----------------------------------------------------------------------

  it('conflicts: organisation, e-mail domain and unit detected; the organiser adds and lifts; never assigned', async () => {
    const plain = await newApplicant(server); // @example.org: a public domain
    const edu = await newApplicant(server, { email: `owner-${process.pid}-${Date.now()}@tsinghua.edu.cn` });
    const u = await unit('Conflict unit');
    const k = await code(u, CCALL);
    const eOrg = await entry(plain, CCALL, 'alpha', { organizations: ['Peking University (Beijing)', 'Owner Institute'] });
    const eMail = await entry(edu, CCALL, 'alpha', { organizations: ['Some Lab'] });
    const eUnit = await entry(plain, CCALL, 'alpha', { organizations: ['Other Lab'], code: k });
    const scope = { calls: [CCALL], categories: ['alpha'] };
    const xOrg = await expert({ ...scope, organization: 'ＰＥＫＩＮＧ　university, beijing.' });
    const xMail = await expert({ ...scope, email: `expert-${process.pid}-${Date.now()}@Tsinghua.edu.cn`, organization: 'Independent' });
    const xUnit = await expert({ ...scope, organization: 'Independent Two' });
    await joinUnit(u, xUnit, 'member');
    const xFree = await expert({ ...scope, organization: 'Peking University Beijing Campus' }); // close, not equal

    const r = await round(CCALL, { reviews_per_entry: 1 });
    assert.equal(r.entries, 3);
    let list = await conflicts(r.id);
    for (const k2 of list) assert.deepEqual(sortedKeys(k2), ['expert', 'reason', 'source', 'submission']);
    assert.ok(has(list, xOrg, eOrg.id, 'organisation'), JSON.stringify(list));
    assert.ok(has(list, xMail, eMail.id, 'email-domain'), JSON.stringify(list));
    assert.ok(has(list, xUnit, eUnit.id, 'unit'), JSON.stringify(list));
    assert.equal(list.length, 3, `only the three detected: ${JSON.stringify(list)}`);
    assert.ok(!list.some((c) => c.expert === xFree.expertId), 'example.org is a public domain; a near name is not the name');

    // The unit rule is the round's: off, no unit conflict.
    const r2 = await round(CCALL, { reviews_per_entry: 1, unit_conflicts: false });
    const list2 = await conflicts(r2.id);
    assert.ok(!has(list2, xUnit, eUnit.id), JSON.stringify(list2));
    assert.ok(has(list2, xOrg, eOrg.id, 'organisation'));

    // An organisation the expert declares (a former employer): every entry naming it is a declared
    // conflict, found when the conflicts are refreshed; bad lists are refused.
    expectError(assert, await xFree.patch('/expert/profile', { declared_organizations: 'Owner Institute' }), 422, 'invalid');
    const declared = await xFree.patch('/expert/profile', { declared_organizations: ['  owner institute '] });
    expectStatus(assert, declared, 200);
    assert.deepEqual(declared.body.declared_organizations, ['owner institute']);
    const list3 = await conflicts(r2.id);
    assert.ok(has(list3, xFree, eOrg.id, 'declared'), JSON.stringify(list3));
    assert.ok(!has(list3, xFree, eMail.id), 'only entries naming it');
    await xFree.patch('/expert/profile', { declared_organizations: [] });

    // A conflicted pair is never assigned by hand ...
    for (const [x, e] of [[xOrg, eOrg], [xMail, eMail], [xUnit, eUnit]]) {
      const res = await admin.post(`/admin/rounds/${r.id}/assignments`, { submission: e.id, expert: x.expertId });
      expectError(assert, res, 422, 'invalid');
      assert.ok(errorFields(res).expert, res.text);
    }
    // ... nor in a proposal (refreshed before it).
    const prop = await admin.post(`/admin/rounds/${r.id}/assignment/proposal`, {});
    expectStatus(assert, prop, 200);
    for (const a of prop.body.assignments) {
      assert.ok(!has(list, { expertId: a.expert }, a.submission), `a conflicted pair was proposed: ${JSON.stringify(a)}`);
    }
    assert.equal(prop.body.assignments.length, 3, prop.text); // each entry k = 1, free experts enough

    // The organiser adds one (with a reason) and lifts it (a reason required).
    const bad = await admin.post(`/admin/rounds/${r.id}/conflicts`, { expert: 'nobody', submission: eOrg.id, reason: 'x' });
    expectError(assert, bad, 422, 'invalid');
    assert.ok(errorFields(bad).expert);
    const badSub = await admin.post(`/admin/rounds/${r.id}/conflicts`, { expert: xFree.expertId, submission: 'nothing', reason: 'x' });
    expectError(assert, badSub, 422, 'invalid');
    assert.ok(errorFields(badSub).submission);
    expectError(assert, await admin.post('/admin/rounds/no-such-round/conflicts', { expert: xFree.expertId, submission: eOrg.id, reason: 'x' }), 404);
    const added = await admin.post(`/admin/rounds/${r.id}/conflicts`, { expert: xFree.expertId, submission: eOrg.id, reason: 'co-author in 2023' });
    expectStatus(assert, added, 201);
    list = await conflicts(r.id);
    const mine = list.find((c) => c.expert === xFree.expertId && c.submission === eOrg.id);
    assert.equal(mine.source, 'organiser');
    assert.equal(mine.reason, 'co-author in 2023');
    const refused = await admin.post(`/admin/rounds/${r.id}/assignments`, { submission: eOrg.id, expert: xFree.expertId });
    expectError(assert, refused, 422, 'invalid');
    assert.ok(errorFields(refused).expert);
    const noReason = await admin.post(`/admin/rounds/${r.id}/conflicts/lift`, { expert: xFree.expertId, submission: eOrg.id, reason: ' ' });
    expectError(assert, noReason, 422, 'invalid');
    assert.ok(errorFields(noReason).reason);
    expectError(assert, await admin.post(`/admin/rounds/${r.id}/conflicts/lift`,
      { expert: xFree.expertId, submission: eMail.id, reason: 'none there' }), 404);
    expectStatus(assert, await admin.post(`/admin/rounds/${r.id}/conflicts/lift`,
      { expert: xFree.expertId, submission: eOrg.id, reason: 'the paper was 2015' }), 200);
    assert.ok(!has(await conflicts(r.id), xFree, eOrg.id));
    const fine = await admin.post(`/admin/rounds/${r.id}/assignments`, { submission: eOrg.id, expert: xFree.expertId });
    expectStatus(assert, fine, 201);
    expectError(assert, await admin.post(`/admin/rounds/${r.id}/assignments`, { submission: eOrg.id, expert: xFree.expertId }), 409);

    // A detected conflict lifted stays lifted (not detected again) and the pair may be assigned.
    expectStatus(assert, await admin.post(`/admin/rounds/${r.id}/conflicts/lift`,
      { expert: xOrg.expertId, submission: eOrg.id, reason: 'a different campus' }), 200);
    assert.ok(!has(await conflicts(r.id), xOrg, eOrg.id));
    expectStatus(assert, await admin.post(`/admin/rounds/${r.id}/assignments`, { submission: eOrg.id, expert: xOrg.expertId }), 201);

    // A conflict the organiser adds on an assigned pair withdraws the review.
    const rid = await assign(r.id, eMail.id, xFree);
    assert.ok((await xFree.get('/reviews')).body.reviews.some((v) => v.id === rid));
    expectStatus(assert, await admin.post(`/admin/rounds/${r.id}/conflicts`, { expert: xFree.expertId, submission: eMail.id, reason: 'same lab' }), 201);
    assert.ok(!(await xFree.get('/reviews')).body.reviews.some((v) => v.id === rid));
    expectError(assert, await xFree.get(`/reviews/${rid}`), 404);

    // A conflicted expert cannot open the entry either (no review: the entry's routes are 404).
    expectError(assert, await xMail.get(`/submissions/${eMail.id}`), 404);
  });

  // ---- the proposal -------------------------------------------------------------------

  it('proposal: k per entry, loads, only the category\'s experts or the committee; bids; applying', async () => {
    const owner = await newApplicant(server);
    const a1 = await entry(owner, PCALL, 'alpha', { title: 'Routing in large networks' });
    const a2 = await entry(owner, PCALL, 'alpha', { title: 'Quantum key distribution' });
    const a3 = await entry(owner, PCALL, 'alpha', { title: 'Compilers for accelerators' });
    const b1 = await entry(owner, PCALL, 'beta');
    const g1 = await entry(owner, PCALL, 'gamma');
    const scoped = (categories, max_load, i) => expert({ calls: [PCALL], categories, max_load, organization: `Lab ${i}` });
    const pa1 = await scoped(['alpha'], 2, 1);
    const pa2 = await scoped(['alpha'], 2, 2);
    const pa3 = await scoped(['alpha'], 1, 3);
    const pb = await scoped(['beta'], 5, 4);
    const pgIn = await scoped(['gamma'], 5, 5);
    const pgOut = await scoped(['gamma'], 5, 6); // of gamma, but gamma has a committee without them
    const committee = await admin.post(`/admin/calls/${PCALL}/committees`, { category: 'gamma', name_zh: '丙委员会', name_en: 'Gamma committee', experts: [pgIn.expertId] });
    expectStatus(assert, committee, 201);
    assert.deepEqual(committee.body.experts, [pgIn.expertId]);
    const badCommittee = await admin.post(`/admin/calls/${PCALL}/committees`, { category: 'nope', experts: ['nobody'] });
    expectError(assert, badCommittee, 422, 'invalid');
    assert.ok(errorFields(badCommittee).category);
    const committees = await admin.get(`/admin/calls/${PCALL}/committees`);
    expectStatus(assert, committees, 200);
    assert.equal(committees.body.committees.length, 1);

    const r = await round(PCALL, { reviews_per_entry: 2 });
    assert.equal(r.entries, 5);

    // Bids (entered by the organiser).
    const bid = (body) => admin.api('PUT', `/admin/rounds/${r.id}/bids`, { json: body });
    expectStatus(assert, await bid({ expert: pa3.expertId, submission: a1.id, bid: 'eager' }), 200);
    let res = await bid({ expert: pa3.expertId, submission: a1.id, bid: 'maybe' });
    expectError(assert, res, 422, 'invalid');
    assert.ok(errorFields(res).bid);
    res = await bid({ expert: 'nobody', submission: a1.id, bid: 'willing' });
    expectError(assert, res, 422, 'invalid');
    assert.ok(errorFields(res).expert);
    res = await bid({ expert: pa3.expertId, submission: 'nothing', bid: 'willing' });
    expectError(assert, res, 422, 'invalid');
    assert.ok(errorFields(res).submission);
    expectError(assert, await admin.api('PUT', '/admin/rounds/no-such-round/bids', { json: { expert: pa3.expertId, submission: a1.id, bid: 'eager' } }), 404);

    // Manual assignment respects the category and the committee.
    for (const [x, e] of [[pb, a1], [pgOut, g1], [pa1, b1]]) {
      const m = await admin.post(`/admin/rounds/${r.id}/assignments`, { submission: e.id, expert: x.expertId });
      expectError(assert, m, 422, 'invalid');
      assert.ok(errorFields(m).expert, m.text);
    }
    const unknown = await admin.post(`/admin/rounds/${r.id}/assignments`, { submission: 'nothing', expert: pa1.expertId });
    expectError(assert, unknown, 422, 'invalid');
    assert.ok(errorFields(unknown).submission);

    const p = await admin.post(`/admin/rounds/${r.id}/assignment/proposal`, {});
    expectStatus(assert, p, 200);
    const body = p.body;
    assert.deepEqual(sortedKeys(body), ['assignments', 'id', 'loads', 'short', 'total_affinity']);
    const cat = { [a1.id]: 'alpha', [a2.id]: 'alpha', [a3.id]: 'alpha', [b1.id]: 'beta', [g1.id]: 'gamma' };
    const allowed = {
      alpha: [pa1, pa2, pa3].map((x) => x.expertId), beta: [pb.expertId], gamma: [pgIn.expertId],
    };
    const maxLoad = { [pa1.expertId]: 2, [pa2.expertId]: 2, [pa3.expertId]: 1, [pb.expertId]: 5, [pgIn.expertId]: 5 };
    const perEntry = {};
    const perExpert = {};
    const pairs = new Set();
    let sum = 0;
    for (const a of body.assignments) {
      assert.deepEqual(sortedKeys(a), ['affinity', 'expert', 'submission']);
      assert.ok(allowed[cat[a.submission]].includes(a.expert), `${a.expert} is not of ${cat[a.submission]}'s experts`);
      assert.ok(!pairs.has(`${a.submission} ${a.expert}`), 'a pair twice');
      pairs.add(`${a.submission} ${a.expert}`);
      perEntry[a.submission] = (perEntry[a.submission] || 0) + 1;
      perExpert[a.expert] = (perExpert[a.expert] || 0) + 1;
      assert.ok(a.affinity >= 0 && a.affinity <= 1);
      sum += a.affinity;
    }
    for (const n of Object.values(perEntry)) assert.ok(n <= 2, 'more than k reviews for an entry');
    for (const [x, n] of Object.entries(perExpert)) assert.ok(n <= maxLoad[x], `expert over their load: ${x} ${n}`);
    assert.deepEqual(body.loads, perExpert);
    near(body.total_affinity, sum, 'total_affinity');
    // 3 alpha entries × 2 = 6 wanted, alpha experts can take 2 + 2 + 1 = 5; beta and gamma have one expert each.
    assert.equal(body.assignments.length, 7, p.text);
    assert.equal(perExpert[pa1.expertId], 2);
    assert.equal(perExpert[pa2.expertId], 2);
    assert.equal(perExpert[pa3.expertId], 1);
    assert.equal(perEntry[b1.id], 1);
    assert.equal(perEntry[g1.id], 1);
    const short = Object.fromEntries(body.short.map((s) => [s.submission, s]));
    assert.equal(short[b1.id].reason, 'fewer-candidates-than-k');
    assert.equal(short[g1.id].reason, 'fewer-candidates-than-k');
    const alphaShort = body.short.filter((s) => cat[s.submission] === 'alpha');
    assert.equal(alphaShort.length, 1, p.text);
    assert.equal(alphaShort[0].reason, 'candidates-at-full-load');
    assert.ok(!body.assignments.some((a) => a.expert === pgOut.expertId));
    // The eager bid is honoured when it costs no review: pa3's one review is a1.
    assert.ok(pairs.has(`${a1.id} ${pa3.expertId}`), `the eager bid was ignored: ${p.text}`);

    // Applying: a bad id is a field error, a good one makes the reviews, twice is a conflict.
    res = await admin.post(`/admin/rounds/${r.id}/assignment/apply`, { proposal: 'nothing' });
    expectError(assert, res, 422, 'invalid');
    assert.ok(errorFields(res).proposal);
    res = await admin.post(`/admin/rounds/${r.id}/assignment/apply`, { proposal: body.id });
    expectStatus(assert, res, 200);
    assert.equal(res.body.applied, 7);
    expectError(assert, await admin.post(`/admin/rounds/${r.id}/assignment/apply`, { proposal: body.id }), 409);
    const pa1Reviews = (await pa1.get('/reviews')).body.reviews;
    assert.equal(pa1Reviews.length, 2);
    for (const v of pa1Reviews) {
      for (const key of ['id', 'round', 'submission', 'title_zh', 'title_en', 'status']) assert.ok(key in v, `GET /reviews: ${key}`);
      assert.equal(v.round, r.id);
      assert.equal(v.status, 'assigned');
    }
    // A second proposal only fills what is left: nothing can be, so nothing is proposed.
    const again = await admin.post(`/admin/rounds/${r.id}/assignment/proposal`, {});
    expectStatus(assert, again, 200);
    assert.equal(again.body.assignments.length, 0, again.text);
    const prog = await admin.get(`/admin/rounds/${r.id}/progress`);
    expectStatus(assert, prog, 200);
    assert.equal(prog.body.entries.reduce((n, e) => n + e.assigned, 0), 7);

    // Applying after assignments by hand: neither k nor a load is exceeded (those pairs skipped).
    const r3 = await round(PCALL, { entries: [a1.id, a2.id], reviews_per_entry: 1 });
    expectStatus(assert, await bid({ expert: pa3.expertId, submission: a1.id, bid: 'eager' }), 200); // round r, not r3
    expectStatus(assert, await admin.api('PUT', `/admin/rounds/${r3.id}/bids`, { json: { expert: pa3.expertId, submission: a1.id, bid: 'eager' } }), 200);
    const p3 = await admin.post(`/admin/rounds/${r3.id}/assignment/proposal`, {});
    expectStatus(assert, p3, 200);
    assert.equal(p3.body.assignments.length, 2, p3.text);
    assert.ok(p3.body.assignments.some((a) => a.submission === a1.id && a.expert === pa3.expertId), p3.text);
    await assign(r3.id, a2.id, pa3); // pa3 (load 1) now full, and a2 has its k = 1
    res = await admin.post(`/admin/rounds/${r3.id}/assignment/apply`, { proposal: p3.body.id });
    expectStatus(assert, res, 200);
    assert.equal(res.body.applied, 0, res.text);
    const prog3 = (await admin.get(`/admin/rounds/${r3.id}/progress`)).body;
    assert.deepEqual(prog3.experts.map((e) => [e.expert, e.assigned]), [[pa3.expertId, 1]]);

    // CSV assignment: "receipt,e-mail" lines, per line the review or the error.
    const r2 = await round(PCALL, { reviews_per_entry: 1 });
    const csv = `receipt,email\n${a1.receipt},${pa1.email}\n${a1.receipt},${pb.email}\nNO-SUCH,${pa1.email}\n`;
    res = await admin.api('POST', `/admin/rounds/${r2.id}/assignments.csv`, { body: csv, headers: { 'Content-Type': 'text/csv' } });
    expectStatus(assert, res, 200);
    assert.equal(res.body.assigned, 1, res.text);
    assert.equal(res.body.lines.length, 3);
    assert.ok(res.body.lines[0].review);
    assert.ok(res.body.lines[1].error && res.body.lines[2].error);
  });

  // ---- reviews, visibility, deadline, ranking ----------------------------------------

  const R = {}; // what the review tests share

  it('reviews: listed, declared, opened, drafted with field errors, submitted, reopened; declare true withdraws', async () => {
    const owner = await newApplicant(server);
    R.owner = owner;
    R.unit = await unit('Recommending unit R');
    R.manager = await newApplicant(server);
    await joinUnit(R.unit, R.manager, 'manager');
    const k = await code(R.unit, RCALL);
    R.e1 = await entry(owner, RCALL, 'alpha', { code: k, title: 'Entry one' });
    R.e2 = await entry(owner, RCALL, 'alpha', { title: 'Entry two' });
    R.e3 = await entry(owner, RCALL, 'alpha', { title: 'Entry three' });
    const scope = { calls: [RCALL], categories: ['alpha'] };
    R.x = await expert({ ...scope, name: 'Expert Xavier', organization: 'X Lab' });
    R.y = await expert({ ...scope, name: 'Expert Yolanda', organization: 'Y Lab' });
    R.z = await expert({ ...scope, name: 'Expert Zed', organization: 'Z Lab' });
    R.w = await expert({ ...scope, name: 'Expert Wanda', organization: 'W Lab' });
    const { x, y, z, w } = R;

    // A round that closes in a few seconds (checked at the end of the file's review tests).
    R.late = await round(RCALL, { entries: [R.e1.id], reviews_per_entry: 1, deadline: isoSeconds(Date.now() + 4000) });
    R.lateDeadline = Date.parse(R.late.deadline);
    R.lateReview = await assign(R.late.id, R.e1.id, z);
    expectStatus(assert, await z.post(`/reviews/${R.lateReview}/declare`, { conflict: false }), 200);
    expectStatus(assert, await z.patch(`/reviews/${R.lateReview}`, { scores: { merit: 5 } }), 200);

    R.round = await round(RCALL, { entries: [R.e1.id, R.e2.id, R.e3.id], reviews_per_entry: 3, visibility: 'after_submit' });
    const rid = {};
    for (const [who, e] of [[x, 'e1'], [y, 'e1'], [z, 'e1'], [x, 'e2'], [y, 'e2'], [z, 'e2'], [w, 'e3']]) {
      rid[`${who.expertId} ${e}`] = await assign(R.round.id, R[e].id, who);
    }
    R.rid = (who, e) => rid[`${who.expertId} ${e}`];

    // GET /reviews: the expert's own, with the contract's keys.
    const xs = await x.get('/reviews');
    expectStatus(assert, xs, 200);
    const inRound = xs.body.reviews.filter((v) => v.round === R.round.id);
    assert.equal(inRound.length, 2);
    for (const v of inRound) {
      for (const key of ['id', 'round', 'submission', 'title_zh', 'title_en', 'status']) assert.ok(key in v, key);
      assert.equal(v.status, 'assigned');
    }
    assert.deepEqual(inRound.map((v) => v.submission).sort(), [R.e1.id, R.e2.id].sort());
    assert.deepEqual((await owner.get('/reviews')).body, { reviews: [] });

    // Before declaring: the entry is null, nothing can be saved or submitted.
    const x1 = R.rid(x, 'e1');
    let res = await x.get(`/reviews/${x1}`);
    expectStatus(assert, res, 200);
    assert.equal(res.body.entry, null);
    assert.equal(res.body.status, 'assigned');
    assert.equal(res.body.submission, R.e1.id);
    assert.deepEqual(res.body.form.criteria.map((c) => c.key), ALPHA.criteria);
    expectError(assert, await x.patch(`/reviews/${x1}`, { scores: { merit: 5 } }), 409);
    expectError(assert, await x.post(`/reviews/${x1}/submit`, {}), 409);
    res = await x.post(`/reviews/${x1}/declare`, { conflict: 'no' });
    expectError(assert, res, 422, 'invalid');
    assert.ok(errorFields(res).conflict);
    res = await x.post(`/reviews/${x1}/declare`, {});
    expectError(assert, res, 422, 'invalid');

    // Declared: the entry with its fields and materials.
    res = await x.post(`/reviews/${x1}/declare`, { conflict: false });
    expectStatus(assert, res, 200);
    assert.equal(res.body.status, 'declared');
    res = await x.get(`/reviews/${x1}`);
    expectStatus(assert, res, 200);
    assert.equal(res.body.entry.id, R.e1.id);
    assert.equal(res.body.entry.fields.title_en, 'Entry one');
    assert.ok(Array.isArray(res.body.entry.materials));
    assert.ok(!('owner_id' in res.body.entry));

    // Another expert's review, or someone else: 404 (and 401 without a session).
    for (const [who, what] of [[y, 'another expert'], [owner, 'the applicant'], [admin, 'the organiser'], [R.manager, 'a recommender']]) {
      expectError(assert, await who.get(`/reviews/${x1}`), 404);
      expectError(assert, await who.patch(`/reviews/${x1}`, { scores: { merit: 1 } }), 404);
      expectError(assert, await who.post(`/reviews/${x1}/submit`, {}), 404);
      expectError(assert, await who.post(`/reviews/${x1}/declare`, { conflict: true }), 404);
      assert.ok(true, what);
    }
    for (const [m, p, b] of [['GET', `/reviews/${x1}`], ['PATCH', `/reviews/${x1}`, {}], ['POST', `/reviews/${x1}/submit`, {}],
      ['POST', `/reviews/${x1}/declare`, { conflict: true }], ['GET', '/reviews']]) {
      expectError(assert, await anon.api(m, p, b ? { json: b } : {}), 401);
    }
    expectError(assert, await x.get('/reviews/no-such-review'), 404);

    // Field errors: out of range, not whole, unknown criterion, bad recommendation and confidence.
    res = await x.patch(`/reviews/${x1}`, {
      scores: { merit: 11, impact: 7.5, nope: 5, rigour: 0 }, comments: { nope: 'x' }, recommendation: 'maybe', confidence: 4,
    });
    expectError(assert, res, 422, 'invalid');
    const f = errorFields(res);
    for (const key of ['scores.merit', 'scores.impact', 'scores.nope', 'scores.rigour', 'comments.nope', 'recommendation', 'confidence']) {
      assert.ok(f[key], `fields.${key}: ${res.text}`);
    }
    res = await x.patch(`/reviews/${x1}`, { scores: { merit: 'high' }, confidence: 'sure' });
    expectError(assert, res, 422, 'invalid');
    assert.ok(errorFields(res)['scores.merit'] && errorFields(res).confidence, res.text);
    // A draft: partial is fine; submitting asks for every part.
    res = await x.patch(`/reviews/${x1}`, { scores: { merit: 9 } });
    expectStatus(assert, res, 200);
    assert.equal(res.body.status, 'draft');
    // A merge patch: parts not given stay; null removes.
    res = await x.patch(`/reviews/${x1}`, { comment: 'draft note', confidence: 2, scores: { impact: 6 } });
    expectStatus(assert, res, 200);
    assert.deepEqual(res.body.scores, { merit: 9, impact: 6 });
    assert.equal(res.body.confidence, 2);
    res = await x.patch(`/reviews/${x1}`, { confidence: null, scores: { impact: null } });
    expectStatus(assert, res, 200);
    assert.deepEqual(res.body.scores, { merit: 9 });
    assert.equal(res.body.confidence, null);
    assert.equal(res.body.comment, 'draft note');
    assert.deepEqual((await x.get(`/reviews/${x1}`)).body.scores, { merit: 9 });
    res = await x.post(`/reviews/${x1}/submit`, {});
    expectError(assert, res, 422, 'invalid');
    for (const key of ['scores.impact', 'scores.rigour', 'recommendation', 'confidence']) assert.ok(errorFields(res)[key], `fields.${key}: ${res.text}`);
    assert.ok(!errorFields(res)['scores.merit']);
    const submitted = await fillAndSubmit(x, x1, [9, 8, 7], 'SECRET-X-E1 comment');
    assert.equal(submitted.total, 8);
    expectError(assert, await x.patch(`/reviews/${x1}`, { scores: { merit: 1 } }), 409);
    expectError(assert, await x.post(`/reviews/${x1}/submit`, {}), 409);
    assert.equal((await x.get(`/reviews/${x1}`)).body.status, 'submitted');

    // Reopened by the organiser: a draft again, submitted again.
    expectError(assert, await admin.post(`/admin/reviews/${R.rid(y, 'e1')}/reopen`, {}), 409); // not submitted
    expectError(assert, await admin.post('/admin/reviews/no-such-review/reopen', {}), 404);
    expectStatus(assert, await admin.post(`/admin/reviews/${x1}/reopen`, {}), 200);
    res = await x.get(`/reviews/${x1}`);
    assert.equal(res.body.status, 'draft');
    assert.equal(res.body.scores.merit, 9); // the scores stay
    expectStatus(assert, await x.post(`/reviews/${x1}/submit`, {}), 200);

    // Declaring a conflict withdraws the review and records it.
    const w3 = R.rid(w, 'e3');
    res = await w.post(`/reviews/${w3}/declare`, { conflict: true });
    expectStatus(assert, res, 200);
    assert.ok(!(await w.get('/reviews')).body.reviews.some((v) => v.id === w3));
    expectError(assert, await w.get(`/reviews/${w3}`), 404);
    expectError(assert, await w.post(`/reviews/${w3}/declare`, { conflict: false }), 404);
    const list = await conflicts(R.round.id);
    assert.ok(has(list, w, R.e3.id, 'declared'), JSON.stringify(list));
    const again = await admin.post(`/admin/rounds/${R.round.id}/assignments`, { submission: R.e3.id, expert: w.expertId });
    expectError(assert, again, 422, 'invalid');
    assert.ok(errorFields(again).expert);
    // A submitted review cannot be declared away.
    expectError(assert, await x.post(`/reviews/${x1}/declare`, { conflict: true }), 409);
  });

  it('progress and reminders', async () => {
    const { x, y, z } = R;
    // x: e1 submitted, e2 assigned. y: e1 declared and opened, e2 draft. z: both assigned.
    expectStatus(assert, await y.post(`/reviews/${R.rid(y, 'e1')}/declare`, { conflict: false }), 200);
    expectStatus(assert, await y.get(`/reviews/${R.rid(y, 'e1')}`), 200);
    expectStatus(assert, await y.post(`/reviews/${R.rid(y, 'e2')}/declare`, { conflict: false }), 200);
    expectStatus(assert, await y.patch(`/reviews/${R.rid(y, 'e2')}`, { scores: { merit: 10 } }), 200);
    const res = await admin.get(`/admin/rounds/${R.round.id}/progress`);
    expectStatus(assert, res, 200);
    const ex = Object.fromEntries(res.body.experts.map((e) => [e.expert, e]));
    const en = Object.fromEntries(res.body.entries.map((e) => [e.submission, e]));
    const counts = (o) => [o.assigned, o.opened, o.draft, o.submitted];
    assert.deepEqual(counts(ex[x.expertId]), [2, 1, 0, 1]);
    assert.deepEqual(counts(ex[y.expertId]), [2, 1, 1, 0]);
    assert.deepEqual(counts(ex[z.expertId]), [2, 0, 0, 0]);
    assert.ok(!ex[R.w.expertId], 'a withdrawn review is not counted');
    assert.deepEqual(counts(en[R.e1.id]), [3, 2, 0, 1]);
    assert.deepEqual(counts(en[R.e2.id]), [3, 0, 1, 0]);
    assert.equal(en[R.e1.id].receipt, R.e1.receipt);
    expectError(assert, await admin.get('/admin/rounds/no-such-round/progress'), 404);

    const rem = await admin.post(`/admin/rounds/${R.round.id}/reminders`, {});
    expectStatus(assert, rem, 202);
    assert.equal(rem.body.queued, 3);
    const mail = await admin.get('/admin/mail');
    expectStatus(assert, mail, 200);
    const to = mail.body.messages.filter((m) => m.kind === 'review_reminder').map((m) => m.to);
    for (const who of [x, y, z]) assert.ok(to.includes(who.email), `no review_reminder to ${who.email}: ${JSON.stringify(to)}`);
    assert.ok(!to.includes(R.w.email));
    expectError(assert, await admin.post('/admin/rounds/no-such-round/reminders', {}), 404);
  });

  it('visibility of other experts\' reviews: after_submit, never, always', async () => {
    const { x, y, z } = R;
    // after_submit (the main round): y has not submitted e1 — sees nothing; after submitting, x's.
    let res = await y.get(`/reviews/${R.rid(y, 'e1')}`);
    assert.deepEqual(res.body.other_reviews, []);
    await fillAndSubmit(y, R.rid(y, 'e1'), [7, 7, 7], 'SECRET-Y-E1 comment');
    res = await y.get(`/reviews/${R.rid(y, 'e1')}`);
    assert.equal(res.body.other_reviews.length, 1, res.text);
    const o = res.body.other_reviews[0];
    assert.deepEqual(o.scores, { merit: 9, impact: 8, rigour: 7 });
    assert.equal(o.total, 8);
    assert.ok(!res.text.includes(x.expertId) && !res.text.includes('Xavier') && !res.text.includes(x.email), 'the other expert is named');
    assert.ok(!res.text.includes(R.rid(x, 'e1')), 'the other review\'s id is shown');

    for (const visibility of ['never', 'always']) {
      const r = await round(RCALL, { entries: [R.e2.id], reviews_per_entry: 2, visibility });
      const xr = await assign(r.id, R.e2.id, x);
      const yr = await assign(r.id, R.e2.id, y);
      expectStatus(assert, await x.post(`/reviews/${xr}/declare`, { conflict: false }), 200);
      await fillAndSubmit(x, xr, [3, 3, 3], `SECRET-${visibility}`);
      // Before declaring, nobody else's review shows, whatever the rule.
      res = await y.get(`/reviews/${yr}`);
      assert.deepEqual(res.body.other_reviews, [], `${visibility}: before declaring`);
      assert.ok(!res.text.includes(`SECRET-${visibility}`));
      expectStatus(assert, await y.post(`/reviews/${yr}/declare`, { conflict: false }), 200);
      res = await y.get(`/reviews/${yr}`);
      assert.equal(res.body.other_reviews.length, visibility === 'always' ? 1 : 0, `${visibility}: ${res.text}`);
      await fillAndSubmit(y, yr, [4, 4, 4]);
      res = await y.get(`/reviews/${yr}`);
      assert.equal(res.body.other_reviews.length, visibility === 'always' ? 1 : 0, `${visibility} after submitting: ${res.text}`);
      res = await x.get(`/reviews/${xr}`);
      assert.equal(res.body.other_reviews.length, visibility === 'always' ? 1 : 0, `${visibility}, x: ${res.text}`);
    }
    // z (assigned in the main round, not declared) sees nothing of e1 yet.
    res = await z.get(`/reviews/${R.rid(z, 'e1')}`);
    assert.deepEqual(res.body.other_reviews, []);
    assert.ok(!res.text.includes('SECRET-X-E1'));
  });

  it('ranking: mean, median, trimmed mean, stdev, z_mean and rank against hand-computed numbers; the explanation', async () => {
    const { x, y, z } = R;
    // Totals (3 criteria of weight 1: the mean of the scores):
    //          e1         e2          expert mean, sd (population)
    //   x   9 8 7 → 8   5 6 7 → 6     7, 1   z: e1 +1, e2 −1
    //   y   7 7 7 → 7   10 9 8 → 9    8, 1   z: e1 −1, e2 +1
    //   z   4 4 4 → 4   3 2 1 → 2     3, 1   z: e1 +1, e2 −1
    // e1: mean 19/3, median 7, trimmed = mean (3 < 4 totals), stdev √(78/9 ÷ 3) = √26/3, z_mean 1/3, no disagreement.
    // e2: mean 17/3, median 6, stdev √(222/9 ÷ 3) = √74/3 ≈ 2.867 > 2: disagreement, z_mean −1/3.
    expectStatus(assert, await x.post(`/reviews/${R.rid(x, 'e2')}/declare`, { conflict: false }), 200);
    await fillAndSubmit(x, R.rid(x, 'e2'), [5, 6, 7]);
    await fillAndSubmit(y, R.rid(y, 'e2'), [10, 9, 8]);
    for (const e of ['e1', 'e2']) expectStatus(assert, await z.post(`/reviews/${R.rid(z, e)}/declare`, { conflict: false }), 200);
    await fillAndSubmit(z, R.rid(z, 'e1'), [4, 4, 4]);
    await fillAndSubmit(z, R.rid(z, 'e2'), [3, 2, 1]);

    const res = await admin.get(`/admin/rounds/${R.round.id}/ranking`);
    expectStatus(assert, res, 200);
    const rows = res.body.rows;
    assert.equal(rows.length, 3);
    for (const row of rows) {
      for (const key of ['submission', 'receipt', 'title_zh', 'reviews', 'mean', 'median', 'trimmed_mean', 'z_mean', 'stdev', 'disagreement', 'rank']) {
        assert.ok(key in row, `ranking row: ${key}`);
      }
    }
    const [r1, r2, r3] = rows;
    assert.equal(r1.submission, R.e1.id);
    assert.equal(r1.receipt, R.e1.receipt);
    assert.equal(r1.rank, 1);
    assert.equal(r1.reviews, 3);
    near(r1.mean, 19 / 3, 'e1 mean');
    near(r1.median, 7, 'e1 median');
    near(r1.trimmed_mean, 19 / 3, 'e1 trimmed mean');
    near(r1.stdev, Math.sqrt(26) / 3, 'e1 stdev');
    near(r1.z_mean, 1 / 3, 'e1 z_mean');
    assert.equal(r1.disagreement, false);
    assert.equal(r2.submission, R.e2.id);
    assert.equal(r2.rank, 2);
    near(r2.mean, 17 / 3, 'e2 mean');
    near(r2.median, 6, 'e2 median');
    near(r2.trimmed_mean, 17 / 3, 'e2 trimmed mean');
    near(r2.stdev, Math.sqrt(74) / 3, 'e2 stdev');
    near(r2.z_mean, -1 / 3, 'e2 z_mean');
    assert.equal(r2.disagreement, true);
    assert.equal(r3.submission, R.e3.id); // no review: last, no measures
    assert.equal(r3.rank, 3);
    assert.equal(r3.reviews, 0);
    assert.equal(r3.mean, null);
    const byCat = await admin.get(`/admin/rounds/${R.round.id}/ranking?category=alpha`);
    expectStatus(assert, byCat, 200);
    assert.deepEqual(byCat.body.rows.map((r) => r.submission), rows.map((r) => r.submission));
    expectError(assert, await admin.get(`/admin/rounds/${R.round.id}/ranking?category=nope`), 422);
    expectError(assert, await admin.get('/admin/rounds/no-such-round/ranking'), 404);

    const ex = await admin.get(`/admin/rounds/${R.round.id}/ranking/${R.e1.id}`);
    expectStatus(assert, ex, 200);
    const b = ex.body;
    assert.equal(b.submission, R.e1.id);
    assert.equal(b.rank, 1);
    assert.equal(b.ranked, 3);
    assert.equal(b.review_count, 3);
    assert.deepEqual(b.sorted_totals, [4, 7, 8]);
    assert.deepEqual(b.trimmed_totals, [4, 7, 8]);
    near(b.disagreement_threshold, 2, 'threshold');
    near(b.mean, 19 / 3, 'explained mean');
    near(b.z_mean, 1 / 3, 'explained z_mean');
    const want = { [x.expertId]: [8, 7, 1, 1], [y.expertId]: [7, 8, 1, -1], [z.expertId]: [4, 3, 1, 1] };
    assert.equal(b.reviews.length, 3);
    for (const rv of b.reviews) {
      const [total, mean, sd, zz] = want[rv.expert];
      near(rv.total, total, 'total');
      near(rv.expert_mean, mean, 'expert mean');
      near(rv.expert_sd, sd, 'expert sd');
      near(rv.z, zz, 'z');
      assert.equal(rv.expert_reviews, 2);
      assert.equal(rv.terms.length, 3);
      near(rv.weighted_sum, total * 3, 'weighted sum');
      near(rv.weight_sum, 3, 'weight sum');
    }
    expectError(assert, await admin.get(`/admin/rounds/${R.round.id}/ranking/no-such-entry`), 404);
    R.secrets = [
      'SECRET-X-E1', 'SECRET-Y-E1', 'SECRET-never', 'SECRET-always', 'On merit.', 'Xavier', 'Yolanda', x.expertId, y.expertId, z.expertId,
      R.rid(x, 'e1'), R.rid(y, 'e1'), R.rid(z, 'e1'), R.rid(x, 'e2'),
    ];
  });

  it('after the round\'s deadline: 409 deadline_passed for saving and submitting', async () => {
    const { z } = R;
    const wait = R.lateDeadline + 1200 - Date.now();
    if (wait > 0) await sleep(wait);
    let res = await z.patch(`/reviews/${R.lateReview}`, { scores: { merit: 6, impact: 6, rigour: 6 }, recommendation: 'neutral', confidence: 1 });
    expectError(assert, res, 409, 'deadline_passed');
    res = await z.post(`/reviews/${R.lateReview}/submit`, {});
    expectError(assert, res, 409, 'deadline_passed');
    res = await z.get(`/reviews/${R.lateReview}`);
    expectStatus(assert, res, 200);
    assert.deepEqual(res.body.scores, { merit: 5 }); // the draft saved before stays
  });

  // ---- materials ----------------------------------------------------------------------

  it('materials: an assigned expert who declared no conflict downloads them; any other expert gets 404', async () => {
    const owner = await newApplicant(server);
    const category = (await getCall(owner, AWARD)).categories[0].slug;
    const made = async () => {
      const res = await owner.post(`/calls/${AWARD}/submissions`, { category, fields: await fullAwardFields(owner, category) });
      expectStatus(assert, res, 201);
      const doc = await uploadFile(owner, res.body.id, 'document', 'evidence.pdf', pdfBytes());
      expectStatus(assert, await owner.post(`/submissions/${res.body.id}/submit`, {}), 200);
      return { id: res.body.id, doc: doc.materialId };
    };
    const m1 = await made();
    const m2 = await made();
    const scope = { calls: [AWARD], categories: [category] };
    const reader = await expert({ ...scope, organization: 'Reader Lab' });
    const otherEntry = await expert({ ...scope, organization: 'Other Lab' });
    const undeclared = await expert({ ...scope, organization: 'Undeclared Lab' });
    const r = await round(AWARD, { entries: [m1.id, m2.id], reviews_per_entry: 2 });
    const rr = await assign(r.id, m1.id, reader);
    const ro = await assign(r.id, m2.id, otherEntry);
    const ru = await assign(r.id, m1.id, undeclared);
    const content = (who) => who.get(`/materials/${m1.doc}/content`);
    expectError(assert, await content(reader), 404); // not declared yet
    expectStatus(assert, await reader.post(`/reviews/${rr}/declare`, { conflict: false }), 200);
    expectStatus(assert, await otherEntry.post(`/reviews/${ro}/declare`, { conflict: false }), 200);
    const view = await reader.get(`/reviews/${rr}`);
    expectStatus(assert, view, 200);
    assert.ok(view.body.entry.materials.some((m) => String(m.id) === String(m1.doc)), view.text);
    const got = await content(reader);
    expectStatus(assert, got, 200);
    assert.deepEqual(Buffer.from(got.bytes), pdfBytes());
    expectStatus(assert, await reader.get(`/materials/${m1.doc}`), 200);
    for (const [who, what] of [[otherEntry, 'an expert of another entry'], [undeclared, 'an expert who has not declared']]) {
      const res = await content(who);
      assert.equal(res.status, 404, `${what}: ${res.status}`);
      assert.equal((await who.get(`/materials/${m1.doc}`)).status, 404, what);
    }
    expectError(assert, await reader.get(`/materials/${m2.doc}/content`), 404); // not theirs
    // After declaring a conflict the materials close again.
    expectStatus(assert, await undeclared.post(`/reviews/${ru}/declare`, { conflict: true }), 200);
    expectError(assert, await content(undeclared), 404);
    // The entry's own routes stay the applicant's: the expert reads it through the review only.
    expectError(assert, await reader.get(`/submissions/${m2.id}`), 404);
    expectError(assert, await reader.api('PATCH', `/submissions/${m1.id}`, { json: { fields: { title_en: 'x' } } }), 404);
  });

  // ---- confidentiality ----------------------------------------------------------------

  it('the applicant never sees reviews, scores or reviewers of their entries', async () => {
    const { owner } = R;
    for (const path of [`/submissions/${R.e1.id}`, `/submissions/${R.e2.id}`, '/submissions']) {
      const res = await owner.get(path);
      expectStatus(assert, res, 200);
      assertNoReviewData(res, R.secrets, `GET ${path} as the owner`);
    }
    assert.deepEqual((await owner.get('/reviews')).body, { reviews: [] });
    for (const path of [`/entries/${R.e1.id}`, '/entries']) {
      const res = await owner.request('GET', path);
      expectStatus(assert, res, 200);
      for (const s of R.secrets) assert.ok(!res.text.includes(s), `page ${path} shows ${s}`);
    }
  });

  it('the recommending unit never sees reviews or scores of the entries it recommended', async () => {
    const { manager } = R;
    const entries = await manager.get(`/units/${R.unit}/entries`);
    expectStatus(assert, entries, 200);
    assert.ok(entries.body.entries.some((e) => e.id === R.e1.id), 'the unit recommended e1');
    assertNoReviewData(entries, R.secrets, 'GET /units/{id}/entries');
    const u = await manager.get(`/units/${R.unit}`);
    expectStatus(assert, u, 200);
    assertNoReviewData(u, R.secrets, 'GET /units/{id}');
    for (const path of [`/units/${R.unit}`, `/units/${R.unit}/entries.csv`]) {
      const res = await manager.request('GET', path);
      expectStatus(assert, res, 200);
      for (const s of R.secrets) assert.ok(!res.text.includes(s), `${path} shows ${s}`);
      assert.ok(!/z_mean|trimmed/i.test(res.text), `${path} shows a measure`);
    }
    expectError(assert, await manager.get(`/submissions/${R.e1.id}`), 404);
  });

  it('an expert never sees another expert\'s review, nor an entry not assigned to them', async () => {
    const { x, y, w } = R;
    for (const [who, id] of [[y, R.rid(x, 'e1')], [x, R.rid(y, 'e2')], [w, R.rid(x, 'e1')], [w, R.rid(z0(), 'e2')]]) {
      expectError(assert, await who.get(`/reviews/${id}`), 404);
      expectError(assert, await who.patch(`/reviews/${id}`, { comment: 'mine now' }), 404);
    }
    // w (conflict declared on e3, nothing else) reads none of the round's entries.
    for (const e of [R.e1, R.e2, R.e3]) expectError(assert, await w.get(`/submissions/${e.id}`), 404);
    const list = await w.get('/reviews');
    assertNoReviewData({ text: list.text, body: null }, [R.e1.id, R.e2.id, 'SECRET-X-E1'], 'w\'s GET /reviews');
  });
  const z0 = () => R.z;

  it('anonymous: 401 on every review route; applicants, experts and recommenders: 403 on every organiser route', async () => {
    const rid = R.rid(R.x, 'e1');
    const round = R.round.id;
    const sub = R.e1.id;
    const organiser = [
      ['POST', '/admin/experts', { email: uniqueEmail('x'), name: 'X' }],
      ['POST', '/admin/experts.csv', null],
      ['GET', '/admin/experts'],
      ['POST', `/admin/calls/${RCALL}/committees`, { category: 'alpha', name_en: 'C', experts: [] }],
      ['GET', `/admin/calls/${RCALL}/committees`],
      ['POST', `/admin/calls/${RCALL}/rounds`, { title: { zh: '轮', en: 'R' }, reviews_per_entry: 1, deadline: isoSeconds(Date.now() + DAY) }],
      ['GET', `/admin/calls/${RCALL}/rounds`],
      ['GET', `/admin/rounds/${round}`],
      ['POST', `/admin/rounds/${round}/conflicts`, { expert: R.x.expertId, submission: sub, reason: 'x' }],
      ['GET', `/admin/rounds/${round}/conflicts`],
      ['POST', `/admin/rounds/${round}/conflicts/lift`, { expert: R.w.expertId, submission: R.e3.id, reason: 'x' }],
      ['PUT', `/admin/rounds/${round}/bids`, { expert: R.x.expertId, submission: sub, bid: 'eager' }],
      ['POST', `/admin/rounds/${round}/assignment/proposal`, {}],
      ['POST', `/admin/rounds/${round}/assignment/apply`, { proposal: 'x' }],
      ['POST', `/admin/rounds/${round}/assignments`, { submission: R.e3.id, expert: R.x.expertId }],
      ['POST', `/admin/rounds/${round}/assignments.csv`, null],
      ['POST', `/admin/reviews/${rid}/reopen`, {}],
      ['GET', `/admin/rounds/${round}/ranking`],
      ['GET', `/admin/rounds/${round}/ranking/${sub}`],
      ['GET', `/admin/rounds/${round}/progress`],
      ['POST', `/admin/rounds/${round}/reminders`, {}],
    ];
    const send = (who, [m, p, b]) => who.api(m, p, b === null ? { body: `${R.e1.receipt},${R.x.email}\n`, headers: { 'Content-Type': 'text/csv' } }
      : b ? { json: b } : {});
    for (const [who, role] of [[R.owner, 'applicant'], [R.x, 'expert'], [R.manager, 'recommender']]) {
      for (const route of organiser) {
        const res = await send(who, route);
        assert.equal(res.status, 403, `${role}: ${route[0]} ${route[1]} → ${res.status} ${res.text.slice(0, 200)}`);
        assertNoReviewData({ text: res.text, body: null }, ['SECRET-X-E1', R.x.expertId], `${role} ${route[1]}`);
      }
    }
    const expertRoutes = [['GET', '/reviews'], ['GET', `/reviews/${rid}`], ['PATCH', `/reviews/${rid}`, {}],
      ['POST', `/reviews/${rid}/declare`, { conflict: false }], ['POST', `/reviews/${rid}/submit`, {}],
      ['GET', '/expert/profile'], ['PATCH', '/expert/profile', {}], ['GET', `/materials/${R.e1.id}/content`]];
    for (const route of [...organiser, ...expertRoutes]) {
      const res = await send(anon, route);
      assert.equal(res.status, 401, `anonymous: ${route[0]} ${route[1]} → ${res.status} ${res.text.slice(0, 200)}`);
    }
    // Nothing of the above changed anything: the ranking is as it was.
    const ranking = await admin.get(`/admin/rounds/${round}/ranking`);
    assert.equal(ranking.body.rows[0].submission, sub);
    near(ranking.body.rows[0].mean, 19 / 3, 'mean unchanged');
  });
});
