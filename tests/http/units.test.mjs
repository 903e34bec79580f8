// Recommending units (issue 12, docs/api.md "Recommending units"): the tree of offices made by the
// organiser and by managers, invitations by mail, recommendation codes on entries (the chain up
// to the top, the bad codes of the issue), endorsements, each unit's dashboard and reminders,
// moving and archiving units, the excellent-organisation ranking and honours, and the leakage
// matrix: a sibling unit's manager, a parent unit's plain member, applicants and anonymous on
// every unit route, and a recommender on every /admin route.
//
// Entries that must be submitted belong to a call of the test's own (no required materials);
// codes on drafts use the WIC award call. The audit log has no API yet (docs/api.md), so the
// audit of recommender actions is not read here.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startServer, newApplicant, adminClient, Client, getCall, fullAwardFields, expectStatus, expectError,
  errorFields, callToml, shanghaiLocal, AWARD, CASE,
} from './harness.mjs';

const UCALL = 'units-test-2025'; // open; its entries submit without materials
const UPCOMING = 'units-upcoming-2025'; // opens in ten days (--demo shifts a past deadline, so no closed call)
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const sorted = (o) => Object.keys(o).sort();
const ids = (list) => list.map((u) => u.id);

// What a unit's dashboard may show of an entry, and nothing else (no review, score or decision).
const ENTRY_KEYS = ['call', 'category', 'id', 'owner', 'receipt', 'status', 'title_en', 'title_zh', 'via'];
const OWNER_KEYS = ['email', 'name'];
const VIA_KEYS = ['how', 'id', 'name_en', 'name_zh'];
const UNIT_KEYS = ['archived', 'id', 'kind', 'name_en', 'name_zh', 'parent'];
const REF_KEYS = ['id', 'name_en', 'name_zh'];

/** Whole seconds, ISO 8601 with Z. */
const isoSeconds = (ms) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

function assertDashboardShape(entries, where) {
  for (const e of entries) {
    assert.deepEqual(sorted(e), ENTRY_KEYS, `${where}: an entry's keys`);
    assert.deepEqual(sorted(e.owner), OWNER_KEYS, `${where}: owner's keys`);
    assert.deepEqual(sorted(e.via), VIA_KEYS, `${where}: via's keys`);
    assert.ok(['code', 'endorsement'].includes(e.via.how), `${where}: via.how ${e.via.how}`);
  }
}

describe('recommending units', () => {
  let server;
  let admin;
  let anon;
  let category; // of the award call

  before(async () => {
    server = await startServer();
    admin = await adminClient(server);
    const now = Date.now();
    for (const [slug, prefix, code, deadline, opens] of [
      [UCALL, 'UN25', 'UN', shanghaiLocal(new Date(now + 60 * 86400_000)).slice(0, 16), undefined],
      [UPCOMING, 'UC25', 'UC', shanghaiLocal(new Date(now + 40 * 86400_000)).slice(0, 16),
        shanghaiLocal(new Date(now + 10 * 86400_000)).slice(0, 16)],
    ]) {
      const load = await admin.api('POST', '/admin/calls', {
        body: callToml({ slug, prefix, code, deadline, opens, categorySlug: 'only' }),
        headers: { 'Content-Type': 'application/toml' },
      });
      expectStatus(assert, load, 200);
    }
    // Anonymous: no session, but the CSRF cookie a browser would have from any page.
    anon = new Client(server.url);
    await anon.request('GET', '/login');
    anon.csrf = anon.cookies.get('laurel_csrf');
    category = (await getCall(admin, AWARD)).categories[0].slug;
  });

  after(async () => { if (server) await server.stop(); });

  // ---- helpers ------------------------------------------------------------------------

  /** n new applicants, one after another (password hashing is bounded: parallel sign-ups get 429). */
  async function people(n) {
    const out = [];
    for (let i = 0; i < n; i += 1) out.push(await newApplicant(server));
    return out;
  }
  const en = (c) => { c.cookies.set('laurel_lang', 'en'); return c; };

  async function topUnit(nameEn, kind = 'national-office', parent = null) {
    const res = await admin.post('/admin/units', { name_zh: `${nameEn}（中文）`, name_en: nameEn, kind, parent });
    expectStatus(assert, res, 201);
    return res.body;
  }
  async function subUnit(by, parent, nameEn, kind) {
    const res = await by.post(`/units/${parent}/units`, { name_zh: `${nameEn}（中文）`, name_en: nameEn, kind });
    expectStatus(assert, res, 201);
    return res.body;
  }
  /** `by` invites `who` into the unit and `who` accepts. */
  async function join(by, unitId, who, role) {
    const inv = await by.post(`/units/${unitId}/invitations`, { email: who.email, role });
    expectStatus(assert, inv, 201);
    expectStatus(assert, await who.post(`/invitations/${inv.body.token}/accept`, {}), 200);
    return inv.body;
  }
  async function makeCode(by, unitId, call = AWARD, extra = {}) {
    const res = await by.post(`/units/${unitId}/codes`, { call, expires_at: null, max_uses: null, ...extra });
    expectStatus(assert, res, 201);
    return res.body.code;
  }
  async function awardDraft(owner, code, title = 'A routing theory') {
    const body = { category, fields: { title_en: title } };
    if (code !== undefined) body.recommendation_code = code;
    const res = await owner.post(`/calls/${AWARD}/submissions`, body);
    expectStatus(assert, res, 201);
    return res.body.id;
  }
  async function ucallDraft(owner, code) {
    const body = { category: 'only', fields: await fullAwardFields(owner, 'only', UCALL) };
    if (code !== undefined) body.recommendation_code = code;
    const res = await owner.post(`/calls/${UCALL}/submissions`, body);
    expectStatus(assert, res, 201);
    return res.body.id;
  }
  async function submittedEntry(owner, code) {
    const id = await ucallDraft(owner, code);
    const s = await owner.post(`/submissions/${id}/submit`, {});
    expectStatus(assert, s, 200);
    return { id, receipt: s.body.receipt };
  }
  async function entryOf(owner, id) {
    const res = await owner.get(`/submissions/${id}`);
    expectStatus(assert, res, 200);
    return res.body;
  }
  async function dashboard(by, unitId, query = '') {
    const res = await by.get(`/units/${unitId}/entries${query}`);
    expectStatus(assert, res, 200);
    assertDashboardShape(res.body.entries, `GET /units/${unitId}/entries${query}`);
    return res.body.entries;
  }
  async function adminUnit(id) {
    const res = await admin.get('/admin/units');
    expectStatus(assert, res, 200);
    return res.body.units.find((u) => u.id === id);
  }
  async function mail(kind) {
    const res = await admin.get('/admin/mail');
    expectStatus(assert, res, 200);
    return res.body.messages.filter((m) => !kind || m.kind === kind);
  }
  async function mySubmissions(owner) {
    const res = await owner.get('/submissions');
    expectStatus(assert, res, 200);
    return res.body.submissions.length;
  }

  // ---- the organiser's units ----------------------------------------------------------

  it('POST/GET /admin/units: the organiser makes units; applicants 403, anonymous 401; bad input 422 and nothing made', async () => {
    const [app] = await people(1);
    const top = await topUnit('Cyberspace Administration');
    assert.deepEqual(sorted(top), UNIT_KEYS);
    assert.equal(top.parent, null);
    assert.equal(top.archived, false);
    assert.equal(top.kind, 'national-office');
    assert.equal(top.name_zh, 'Cyberspace Administration（中文）');
    const child = await topUnit('Guangdong Office', 'provincial-office', top.id);
    assert.equal(child.parent, top.id);
    // Trimmed names; one name is enough.
    const one = await admin.post('/admin/units', { name_zh: '  中国联通  ', name_en: '', kind: 'enterprise-group', parent: null });
    expectStatus(assert, one, 201);
    assert.equal(one.body.name_zh, '中国联通');

    expectError(assert, await app.post('/admin/units', { name_zh: '某单位', name_en: 'Unit', kind: 'other', parent: null }), 403, 'forbidden');
    expectError(assert, await anon.post('/admin/units', { name_zh: '某单位', name_en: 'Unit', kind: 'other', parent: null }), 401);

    const before = (await admin.get('/admin/units')).body.units.length;
    const bad = [
      [{ name_zh: '某单位', name_en: 'Unit', kind: 'ministry', parent: null }, 'kind'],
      [{ name_zh: ' ', name_en: '', kind: 'other', parent: null }, 'name_zh'],
      [{ name_zh: '某单位', name_en: 'Two\nlines', kind: 'other', parent: null }, 'name_en'],
      [{ name_zh: '某单位', name_en: 'x'.repeat(201), kind: 'other', parent: null }, 'name_en'],
      [{ name_zh: 7, name_en: 'Unit', kind: 'other', parent: null }, 'name_zh'],
      [{ name_zh: '某单位', name_en: 'Unit', kind: 'other', parent: 'no-such-unit' }, 'parent'],
      [{ name_zh: '某单位', name_en: 'Unit', kind: 'other', parent: 12 }, 'parent'],
    ];
    for (const [body, field] of bad) {
      const res = await admin.post('/admin/units', body);
      expectError(assert, res, 422, 'invalid');
      assert.equal(typeof errorFields(res)[field], 'string', `fields.${field} for ${JSON.stringify(body).slice(0, 80)}: ${res.text}`);
    }

    const list = await admin.get('/admin/units');
    expectStatus(assert, list, 200);
    assert.equal(list.body.units.length, before, 'no unit made by a refused request');
    const got = list.body.units.find((u) => u.id === child.id);
    assert.deepEqual(got, child);
    for (const u of list.body.units) assert.deepEqual(sorted(u), UNIT_KEYS);
    expectError(assert, await app.get('/admin/units'), 403, 'forbidden');
    expectError(assert, await anon.get('/admin/units'), 401);
  });

  // ---- invitations --------------------------------------------------------------------

  it('invitations: mailed (unit_invitation), accepted once (then 410), anonymous 401; GET /units lists role and chain; only managers invite', async () => {
    const [boss, staff, stranger] = await people(3);
    const top = await topUnit('Ministry of Education', 'national-office');
    const inv = await admin.post(`/units/${top.id}/invitations`, { email: `  ${boss.email.toUpperCase()} `, role: 'manager' });
    expectStatus(assert, inv, 201);
    assert.deepEqual(sorted(inv.body), ['id', 'token']);
    const mails = (await mail('unit_invitation')).filter((m) => m.to === boss.email);
    assert.equal(mails.length, 1, 'one invitation mail to the invitee, address lower-cased');

    expectError(assert, await anon.post(`/invitations/${inv.body.token}/accept`, {}), 401);
    const acc = await boss.post(`/invitations/${inv.body.token}/accept`, {});
    expectStatus(assert, acc, 200);
    assert.deepEqual(acc.body.unit, top);
    expectError(assert, await boss.post(`/invitations/${inv.body.token}/accept`, {}), 410, 'token_expired');
    expectError(assert, await stranger.post(`/invitations/${inv.body.token}/accept`, {}), 410, 'token_expired');
    expectError(assert, await stranger.post('/invitations/made-up-token-0123456789abcdef/accept', {}), 410, 'token_expired');

    const mine = await boss.get('/units');
    expectStatus(assert, mine, 200);
    assert.equal(mine.body.units.length, 1);
    assert.equal(mine.body.units[0].id, top.id);
    assert.equal(mine.body.units[0].role, 'manager');
    assert.deepEqual(mine.body.units[0].chain, [{ id: top.id, name_zh: top.name_zh, name_en: top.name_en }]);
    assert.deepEqual((await stranger.get('/units')).body, { units: [] });
    expectError(assert, await anon.get('/units'), 401);

    // The manager invites a member; bad input is refused and sends nothing.
    await join(boss, top.id, staff, 'member');
    const staffUnits = (await staff.get('/units')).body.units;
    assert.deepEqual(staffUnits.map((u) => [u.id, u.role]), [[top.id, 'member']]);
    const mailsBefore = (await mail('unit_invitation')).length;
    const r1 = await boss.post(`/units/${top.id}/invitations`, { email: 'x@example.org', role: 'owner' });
    expectError(assert, r1, 422, 'invalid');
    assert.equal(typeof errorFields(r1).role, 'string');
    const r2 = await boss.post(`/units/${top.id}/invitations`, { email: 'not-an-address', role: 'member' });
    expectError(assert, r2, 422, 'invalid');
    assert.equal(typeof errorFields(r2).email, 'string');
    // A plain member may not invite; an outsider does not see the unit.
    expectError(assert, await staff.post(`/units/${top.id}/invitations`, { email: 'y@example.org', role: 'member' }), 403, 'forbidden');
    expectError(assert, await stranger.post(`/units/${top.id}/invitations`, { email: 'y@example.org', role: 'member' }), 404, 'not_found');
    expectError(assert, await anon.post(`/units/${top.id}/invitations`, { email: 'y@example.org', role: 'member' }), 401);
    assert.equal((await mail('unit_invitation')).length, mailsBefore, 'no mail for a refused invitation');

    // The detail: members and invitations for managers only.
    const d = await boss.get(`/units/${top.id}`);
    expectStatus(assert, d, 200);
    assert.equal(d.body.can_manage, true);
    assert.deepEqual(d.body.members.map((m) => [m.email, m.role]).sort(), [[boss.email, 'manager'], [staff.email, 'member']].sort());
    for (const m of d.body.members) assert.deepEqual(sorted(m), ['email', 'id', 'name', 'role']);
    assert.equal(d.body.invitations.length, 2);
    assert.ok(d.body.invitations.every((i) => i.accepted === true));
    for (const i of d.body.invitations) assert.deepEqual(sorted(i), ['accepted', 'created_at', 'email', 'expires_at', 'id', 'role']);
    assert.deepEqual(d.body.codes, []);
    const asMember = await staff.get(`/units/${top.id}`);
    expectStatus(assert, asMember, 200);
    assert.equal(asMember.body.can_manage, false);
    for (const k of ['members', 'invitations', 'codes']) assert.ok(!(k in asMember.body), `a member sees no ${k}`);
    expectError(assert, await stranger.get(`/units/${top.id}`), 404, 'not_found');
    expectError(assert, await anon.get(`/units/${top.id}`), 401);
    expectError(assert, await boss.get('/units/no-such-unit'), 404, 'not_found');

    // A member who accepts a manager invitation becomes a manager.
    await join(boss, top.id, staff, 'manager');
    assert.equal((await staff.get('/units')).body.units[0].role, 'manager');
  });

  // ---- sub-units, codes and the chain on entries -------------------------------------

  it('the chain on entries: university → department → provincial office → national office; every dashboard up the chain shows the entry', async () => {
    const [mN, mP, mU, memberP, stranger, app] = await people(6);
    const N = await topUnit('National Cyberspace Office', 'national-office');
    await join(admin, N.id, mN, 'manager');
    const P = await subUnit(mN, N.id, 'Zhejiang Cyberspace Office', 'provincial-office');
    assert.equal(P.parent, N.id);
    await join(mN, P.id, mP, 'manager');
    await join(mP, P.id, memberP, 'member');
    const D = await subUnit(mP, P.id, 'Zhejiang Department of Education', 'department');
    const U = await subUnit(mP, D.id, 'Zhejiang University', 'university'); // a manager of an ancestor
    await join(mP, U.id, mU, 'manager');

    // Who may make sub-units: a plain member 403, an outsider 404, anonymous 401; bad kind 422.
    const body = { name_zh: '某学院', name_en: 'A college', kind: 'other' };
    expectError(assert, await memberP.post(`/units/${P.id}/units`, body), 403, 'forbidden');
    expectError(assert, await stranger.post(`/units/${P.id}/units`, body), 404, 'not_found');
    expectError(assert, await mU.post(`/units/${D.id}/units`, body), 404, 'not_found'); // above mU's unit
    expectError(assert, await anon.post(`/units/${P.id}/units`, body), 401);
    const badKind = await mP.post(`/units/${P.id}/units`, { ...body, kind: 'ministry' });
    expectError(assert, badKind, 422, 'invalid');
    assert.equal(typeof errorFields(badKind).kind, 'string');
    const pd = await mP.get(`/units/${P.id}`);
    assert.deepEqual(ids(pd.body.units), [D.id], 'P has only D below it');

    const code = await makeCode(mU, U.id);
    assert.match(code, /^R-[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}$/);
    const draft = await awardDraft(app);
    // Case and white space do not matter.
    const typed = ` ${code.toLowerCase().slice(0, 6)} ${code.toLowerCase().slice(6)}\t`;
    const patched = await app.patch(`/submissions/${draft}`, { recommendation_code: typed, fields: { title_en: 'Recommended' } });
    expectStatus(assert, patched, 200);
    const chain = [U, D, P, N].map((u) => ({ id: u.id, name_zh: u.name_zh, name_en: u.name_en }));
    assert.deepEqual(patched.body.recommended_by, chain);
    assert.equal(patched.body.recommendation_code, code);
    const got = await entryOf(app, draft);
    assert.deepEqual(got.recommended_by, chain);
    assert.equal(got.recommendation_code, code);
    assert.deepEqual(got.endorsements, []);
    assert.equal(got.fields.title_en, 'Recommended');

    // Every unit up the chain shows the entry, through U's code.
    for (const [who, unit] of [[mU, U], [mP, D], [mP, P], [memberP, P], [memberP, U], [mN, N], [admin, N]]) {
      const list = await dashboard(who, unit.id);
      assert.equal(list.length, 1, `${unit.name_en}'s dashboard`);
      const [e] = list;
      assert.equal(e.id, draft);
      assert.equal(e.status, 'draft');
      assert.equal(e.receipt, null);
      assert.equal(e.call, AWARD);
      assert.equal(e.category, category);
      assert.equal(e.title_en, 'Recommended');
      assert.deepEqual(e.owner, { email: app.email, name: 'Li Hua' });
      assert.deepEqual(e.via, { id: U.id, name_zh: U.name_zh, name_en: U.name_en, how: 'code' });
    }
    // A unit below sees nothing of the units above it.
    expectError(assert, await mU.get(`/units/${D.id}/entries`), 404, 'not_found');
    expectError(assert, await mU.get(`/units/${N.id}`), 404, 'not_found');

    // GET /units and the detail carry the chain; the code counts its use.
    const mine = (await mU.get('/units')).body.units;
    assert.deepEqual(mine.map((u) => [u.id, u.role]), [[U.id, 'manager']]);
    assert.deepEqual(mine[0].chain, chain);
    const ud = await mU.get(`/units/${U.id}`);
    assert.deepEqual(ud.body.chain, chain);
    assert.equal(ud.body.codes.length, 1);
    assert.deepEqual(sorted(ud.body.codes[0]), ['call', 'code', 'expires_at', 'max_uses', 'uses', 'unit'].sort());
    assert.deepEqual(ud.body.codes[0], { code, call: AWARD, unit: U.id, expires_at: null, max_uses: null, uses: 1 });

    // null removes the code: a direct application again, out of every dashboard; "" too.
    const removed = await app.patch(`/submissions/${draft}`, { recommendation_code: null });
    expectStatus(assert, removed, 200);
    assert.deepEqual(removed.body.recommended_by, []);
    assert.equal(removed.body.recommendation_code, null);
    assert.equal((await mU.get(`/units/${U.id}`)).body.codes[0].uses, 0);
    assert.deepEqual(await dashboard(mN, N.id), []);
    expectStatus(assert, await app.patch(`/submissions/${draft}`, { recommendation_code: code }), 200);
    assert.equal((await dashboard(mN, N.id)).length, 1);
    const cleared = await app.patch(`/submissions/${draft}`, { recommendation_code: '' });
    expectStatus(assert, cleared, 200);
    assert.equal((await entryOf(app, draft)).recommendation_code, null);
    assert.deepEqual(await dashboard(mP, P.id), []);

    // A code given when the entry is made.
    const made = await app.post(`/calls/${AWARD}/submissions`, { category, fields: { title_en: 'Made with a code' }, recommendation_code: code.toLowerCase() });
    expectStatus(assert, made, 201);
    assert.deepEqual(made.body.recommended_by, chain);
    assert.equal(made.body.recommendation_code, code);
    assert.deepEqual(made.body.endorsements, []);
    assert.deepEqual((await dashboard(mN, N.id)).map((e) => e.id), [made.body.id]);
  });

  // ---- bad codes --------------------------------------------------------------------

  it('expired, exhausted, other-call and unknown codes: 422 with the clear message; the draft unchanged; no entry made', async () => {
    const [mgr, member, stranger] = await people(3);
    const [a, b] = (await people(2)).map(en);
    const T = await topUnit('Peking University', 'university');
    await join(admin, T.id, mgr, 'manager');
    await join(mgr, T.id, member, 'member');
    const limited = await makeCode(mgr, T.id, AWARD, { max_uses: 1 });
    const foreign = await makeCode(mgr, T.id, CASE);
    // A code that expires in 2–3 s: taken at once, it is good; the rest of the test runs while it lives.
    const expiry = Math.ceil((Date.now() + 2000) / 1000) * 1000;
    const expiring = await makeCode(mgr, T.id, AWARD, { expires_at: isoSeconds(expiry) });
    const dc = await awardDraft(a, expiring, 'Taken in time');
    assert.ok(Date.now() < expiry - 300, 'the code was taken before it expired');
    const da = await awardDraft(a, undefined, 'Original A');
    const db = await awardDraft(b, undefined, 'Original B');
    /** The bad code on the draft: 422 with the message, and nothing of the draft changed. */
    async function refused(who, id, code, message) {
      const before = await entryOf(who, id);
      const res = await who.patch(`/submissions/${id}`, { recommendation_code: code, fields: { title_en: 'Changed by a refused request' } });
      expectError(assert, res, 422, 'invalid');
      assert.match(errorFields(res).recommendation_code || '', message, res.text);
      const after = await entryOf(who, id);
      assert.deepEqual(after, before, 'the draft is unchanged');
    }
    async function notMade(who, code, message) {
      const n = await mySubmissions(who);
      const res = await who.post(`/calls/${AWARD}/submissions`, { category, fields: { title_en: 'Never made' }, recommendation_code: code });
      expectError(assert, res, 422, 'invalid');
      assert.match(errorFields(res).recommendation_code || '', message, res.text);
      assert.equal(await mySubmissions(who), n, 'no entry made');
    }

    await refused(a, da, 'R-ZZZZ-ZZZZ', /does not exist/);
    await notMade(a, 'R-ZZZZ-ZZZZ', /does not exist/);
    await refused(a, da, foreign, /another call/);
    await notMade(a, foreign, /another call/);
    const notText = await a.patch(`/submissions/${da}`, { recommendation_code: 42 });
    expectError(assert, notText, 422, 'invalid');
    assert.equal(typeof errorFields(notText).recommendation_code, 'string');

    // Exhausted: the use count is the number of entries holding the code now.
    expectStatus(assert, await a.patch(`/submissions/${da}`, { recommendation_code: limited }), 200);
    await refused(b, db, limited, /used as many times/);
    await notMade(b, limited, /used as many times/);
    // The same code again on the entry holding it is no new use.
    expectStatus(assert, await a.patch(`/submissions/${da}`, { recommendation_code: limited.toLowerCase() }), 200);
    expectStatus(assert, await a.patch(`/submissions/${da}`, { recommendation_code: null }), 200);
    expectStatus(assert, await b.patch(`/submissions/${db}`, { recommendation_code: limited }), 200);
    assert.equal((await entryOf(b, db)).recommendation_code, limited);

    // Expired: refused after its instant; the entry that took it in time keeps it.
    const codes = (await mgr.get(`/units/${T.id}`)).body.codes;
    assert.equal(codes.find((k) => k.code === expiring).expires_at, isoSeconds(expiry));
    await sleep(Math.max(0, expiry - Date.now()) + 500);
    await refused(b, db, expiring, /has expired/);
    await notMade(b, expiring, /has expired/);
    assert.equal((await entryOf(b, db)).recommendation_code, limited, 'b keeps its code');
    assert.equal((await entryOf(a, dc)).recommendation_code, expiring, 'a keeps the code it took in time');
    assert.equal(codes.find((k) => k.code === expiring).uses, 1);

    // Making codes: bad input 422; a plain member 403; an outsider 404; anonymous 401; none made.
    const count = codes.length;
    const bad = [
      [{ call: AWARD, max_uses: 0 }, 'max_uses'],
      [{ call: AWARD, max_uses: 1_000_001 }, 'max_uses'],
      [{ call: AWARD, max_uses: 'ten' }, 'max_uses'],
      [{ call: AWARD, expires_at: isoSeconds(Date.now() - 60_000) }, 'expires_at'],
      [{ call: AWARD, expires_at: '2099-01-01T00:00:00' }, 'expires_at'],
      [{ call: AWARD, expires_at: 'tomorrow' }, 'expires_at'],
      [{ call: 'no-such-call' }, 'call'],
    ];
    for (const [body, field] of bad) {
      const res = await mgr.post(`/units/${T.id}/codes`, body);
      expectError(assert, res, 422, 'invalid');
      assert.equal(typeof errorFields(res)[field], 'string', `fields.${field} for ${JSON.stringify(body)}: ${res.text}`);
    }
    const zoned = await mgr.post(`/units/${T.id}/codes`, { call: AWARD, expires_at: '2099-01-01T08:00:00+08:00', max_uses: 3 });
    expectStatus(assert, zoned, 201);
    assert.equal(zoned.body.expires_at, '2099-01-01T00:00:00Z');
    assert.equal(zoned.body.max_uses, 3);
    assert.equal(zoned.body.uses, 0);
    expectError(assert, await member.post(`/units/${T.id}/codes`, { call: AWARD }), 403, 'forbidden');
    expectError(assert, await stranger.post(`/units/${T.id}/codes`, { call: AWARD }), 404, 'not_found');
    expectError(assert, await anon.post(`/units/${T.id}/codes`, { call: AWARD }), 401);
    assert.equal((await mgr.get(`/units/${T.id}`)).body.codes.length, count + 1);
  });

  // A request is one change: a good code with fields that are refused changes nothing either.
  it('a good code with refused fields: the request changes nothing (POST makes no entry; PATCH keeps the old code)',
    async () => {
      const [mgr, app] = await people(2);
      const T = await topUnit('Atomic University', 'university');
      await join(admin, T.id, mgr, 'manager');
      const code = await makeCode(mgr, T.id);
      const n = await mySubmissions(app);
      const made = await app.post(`/calls/${AWARD}/submissions`, { category, fields: { title_en: 5 }, recommendation_code: code });
      assert.ok(made.status === 400 || made.status === 422, made.text);
      assert.equal(await mySubmissions(app), n, 'no entry made');
      assert.equal((await mgr.get(`/units/${T.id}`)).body.codes[0].uses, 0);
      const id = await awardDraft(app, undefined, 'Kept');
      const before = await entryOf(app, id);
      const res = await app.patch(`/submissions/${id}`, { recommendation_code: code, fields: { title_en: 5 } });
      assert.ok(res.status === 400 || res.status === 422, res.text);
      assert.deepEqual(await entryOf(app, id), before, 'the draft is unchanged');
      assert.equal((await mgr.get(`/units/${T.id}`)).body.codes[0].uses, 0, 'no use taken');
    });

  // ---- endorsements -------------------------------------------------------------------

  it('endorsements by receipt: 201, the owner sees them, the dashboards show the entry; twice 409, unknown or withdrawn 404, organiser 403', async () => {
    const [mN, mU, memberU, mOther, owner] = await people(5);
    const N = await topUnit('China Association for Science and Technology', 'national-office');
    await join(admin, N.id, mN, 'manager');
    const U = await subUnit(mN, N.id, 'Tsinghua University', 'university');
    await join(mN, U.id, mU, 'manager');
    await join(mU, U.id, memberU, 'member');
    const O = await topUnit('China Mobile', 'enterprise-group');
    await join(admin, O.id, mOther, 'manager');

    const e = await submittedEntry(owner);
    const gone = await submittedEntry(owner);
    expectStatus(assert, await owner.post(`/submissions/${gone.id}/withdraw`, {}), 200);
    const text = '推荐该成果。We recommend this entry.';

    // Refusals first: nothing is recorded by them.
    expectError(assert, await admin.post(`/units/${U.id}/endorsements`, { receipt: e.receipt, text }), 403, 'forbidden');
    expectError(assert, await memberU.post(`/units/${U.id}/endorsements`, { receipt: e.receipt, text }), 403, 'forbidden');
    expectError(assert, await mOther.post(`/units/${U.id}/endorsements`, { receipt: e.receipt, text }), 404, 'not_found');
    expectError(assert, await owner.post(`/units/${U.id}/endorsements`, { receipt: e.receipt, text }), 404, 'not_found');
    expectError(assert, await anon.post(`/units/${U.id}/endorsements`, { receipt: e.receipt, text }), 401);
    expectError(assert, await mU.post(`/units/${U.id}/endorsements`, { receipt: 'UN25-UN-9999', text }), 404, 'not_found');
    expectError(assert, await mU.post(`/units/${U.id}/endorsements`, { receipt: gone.receipt, text }), 404, 'not_found');
    const empty = await mU.post(`/units/${U.id}/endorsements`, { receipt: e.receipt, text: '  ' });
    expectError(assert, empty, 422, 'invalid');
    assert.equal(typeof errorFields(empty).text, 'string');
    const long = await mU.post(`/units/${U.id}/endorsements`, { receipt: e.receipt, text: '荐'.repeat(2001) });
    expectError(assert, long, 422, 'invalid');
    assert.equal(typeof errorFields(long).text, 'string');
    assert.deepEqual((await entryOf(owner, e.id)).endorsements, []);
    assert.deepEqual(await dashboard(mU, U.id), []);

    // The unit's manager endorses (the receipt as typed: lower case, spaces).
    const ok = await mU.post(`/units/${U.id}/endorsements`, { receipt: ` ${e.receipt.toLowerCase()} `, text });
    expectStatus(assert, ok, 201);
    assert.equal(typeof ok.body.id, 'string');
    expectError(assert, await mU.post(`/units/${U.id}/endorsements`, { receipt: e.receipt, text }), 409, 'conflict');
    // A manager of the unit above endorses for it too.
    expectStatus(assert, await mN.post(`/units/${N.id}/endorsements`, { receipt: e.receipt, text: 'Also endorsed by the association.' }), 201);

    const got = await entryOf(owner, e.id);
    assert.equal(got.endorsements.length, 2);
    const first = got.endorsements.find((x) => x.unit.id === U.id);
    const second = got.endorsements.find((x) => x.unit.id === N.id);
    assert.ok(first && second, JSON.stringify(got.endorsements));
    assert.deepEqual(sorted(first), ['created_at', 'text', 'unit']);
    assert.deepEqual(first.unit, { id: U.id, name_zh: U.name_zh, name_en: U.name_en });
    assert.equal(first.text, text);
    assert.match(first.created_at, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    assert.deepEqual(second.unit, { id: N.id, name_zh: N.name_zh, name_en: N.name_en });
    assert.deepEqual(got.recommended_by, [], 'an endorsement is not a code');
    assert.equal(got.recommendation_code, null);

    const uList = await dashboard(memberU, U.id);
    assert.deepEqual(uList.map((x) => [x.id, x.receipt, x.status]), [[e.id, e.receipt, 'submitted']]);
    assert.deepEqual(uList[0].via, { id: U.id, name_zh: U.name_zh, name_en: U.name_en, how: 'endorsement' });
    const nList = await dashboard(mN, N.id);
    assert.deepEqual(nList.map((x) => x.id), [e.id], 'one row an entry, however many units below endorsed it');
    assert.deepEqual(await dashboard(mOther, O.id), []);
  });

  // ---- moving and renaming ------------------------------------------------------------

  it('moving a unit (organiser) moves its entries between dashboards; under itself or a descendant 422 and nothing changed; a recommender 403', async () => {
    const [mP1, mP2, mU, owner] = await people(4);
    const N1 = await topUnit('Jiangsu Cyberspace Office', 'provincial-office');
    const P2 = await topUnit('Anhui Cyberspace Office', 'provincial-office');
    const D = await topUnit('Jiangsu Department of Education', 'department', N1.id);
    const U = await topUnit('Nanjing University', 'university', D.id);
    await join(admin, N1.id, mP1, 'manager');
    await join(admin, P2.id, mP2, 'manager');
    await join(admin, U.id, mU, 'manager');
    const code = await makeCode(mU, U.id, UCALL);
    const byCode = await ucallDraft(owner, code);
    const endorsed = await submittedEntry(owner);
    expectStatus(assert, await mP1.post(`/units/${D.id}/endorsements`, { receipt: endorsed.receipt, text: 'Endorsed by the department.' }), 201);

    const both = [byCode, endorsed.id].sort();
    assert.deepEqual((await dashboard(mP1, N1.id)).map((e) => e.id).sort(), both);
    assert.deepEqual(await dashboard(mP2, P2.id), []);

    // A recommender is no organiser.
    expectError(assert, await mP1.patch(`/admin/units/${D.id}`, { parent: P2.id }), 403, 'forbidden');
    expectError(assert, await anon.patch(`/admin/units/${D.id}`, { parent: P2.id }), 401);
    assert.equal((await adminUnit(D.id)).parent, N1.id);

    const moved = await admin.patch(`/admin/units/${D.id}`, { parent: P2.id });
    expectStatus(assert, moved, 200);
    assert.deepEqual(moved.body, { ...D, parent: P2.id });
    assert.deepEqual(await dashboard(mP1, N1.id), [], 'the old ancestors no longer show them');
    const p2List = await dashboard(mP2, P2.id);
    assert.deepEqual(p2List.map((e) => e.id).sort(), both, 'the new ancestors do');
    assert.deepEqual(p2List.find((e) => e.id === endorsed.id).via.id, D.id);
    assert.deepEqual((await entryOf(owner, byCode)).recommended_by.map((u) => u.id), [U.id, D.id, P2.id]);
    expectError(assert, await mP1.get(`/units/${D.id}`), 404, 'not_found');
    expectStatus(assert, await mP2.get(`/units/${D.id}`), 200);

    // Under itself or one of its descendants: refused, nothing changed.
    const snapshot = (await admin.get('/admin/units')).body.units;
    const adminEn = en(await adminClient(server));
    for (const parent of [P2.id, D.id, U.id]) {
      const res = await adminEn.patch(`/admin/units/${P2.id}`, { parent, name_en: 'Should not be renamed' });
      expectError(assert, res, 422, 'invalid');
      assert.match(errorFields(res).parent || '', /under itself or one of its own sub-units/, res.text);
    }
    for (const [body, field] of [[{ parent: 'no-such-unit' }, 'parent'], [{ parent: 5 }, 'parent'],
      [{ archived: 'yes' }, 'archived'], [{ name_zh: '', name_en: ' ' }, 'name_en'], [{ name_en: 3 }, 'name_en']]) {
      const res = await admin.patch(`/admin/units/${P2.id}`, body);
      expectError(assert, res, 422, 'invalid');
      assert.equal(typeof errorFields(res)[field], 'string', `fields.${field} for ${JSON.stringify(body)}: ${res.text}`);
    }
    assert.deepEqual((await admin.get('/admin/units')).body.units, snapshot, 'no unit changed');
    assert.deepEqual((await dashboard(mP2, P2.id)).map((e) => e.id).sort(), both);
    expectError(assert, await admin.patch('/admin/units/no-such-unit', { name_en: 'x' }), 404, 'not_found');

    // Renamed: the entry shows the new name; made top-level: the chain ends there.
    const renamed = await admin.patch(`/admin/units/${U.id}`, { name_en: 'Nanjing University (renamed)' });
    expectStatus(assert, renamed, 200);
    assert.equal(renamed.body.name_zh, U.name_zh);
    assert.equal((await entryOf(owner, byCode)).recommended_by[0].name_en, 'Nanjing University (renamed)');
    expectStatus(assert, await admin.patch(`/admin/units/${D.id}`, { parent: null }), 200);
    assert.deepEqual((await entryOf(owner, byCode)).recommended_by.map((u) => u.id), [U.id, D.id]);
    assert.deepEqual(await dashboard(mP2, P2.id), []);
  });

  // ---- archiving ----------------------------------------------------------------------

  it('archiving a unit stops its codes, invitations, sub-units and endorsements; its history stays; unarchiving restores them', async () => {
    const [mgr, invitee, holder, later] = await people(4);
    en(later);
    const T = await topUnit('China Unicom', 'enterprise-group');
    await join(admin, T.id, mgr, 'manager');
    const code = await makeCode(mgr, T.id, UCALL);
    const held = await submittedEntry(holder, code);
    const pending = await mgr.post(`/units/${T.id}/invitations`, { email: invitee.email, role: 'member' });
    expectStatus(assert, pending, 201);

    const archived = await admin.patch(`/admin/units/${T.id}`, { archived: true });
    expectStatus(assert, archived, 200);
    assert.equal(archived.body.archived, true);
    assert.equal((await adminUnit(T.id)).archived, true);

    const n = await mySubmissions(later);
    const res = await later.post(`/calls/${UCALL}/submissions`, { category: 'only', fields: { title_en: 'x' }, recommendation_code: code });
    expectError(assert, res, 422, 'invalid');
    assert.match(errorFields(res).recommendation_code || '', /no longer recommends/);
    assert.equal(await mySubmissions(later), n);
    expectError(assert, await invitee.post(`/invitations/${pending.body.token}/accept`, {}), 410, 'token_expired');
    expectError(assert, await mgr.post(`/units/${T.id}/invitations`, { email: 'z@example.org', role: 'member' }), 409, 'conflict');
    expectError(assert, await mgr.post(`/units/${T.id}/codes`, { call: UCALL }), 409, 'conflict');
    expectError(assert, await mgr.post(`/units/${T.id}/units`, { name_zh: '分公司', name_en: 'Branch', kind: 'other' }), 409, 'conflict');
    expectError(assert, await mgr.post(`/units/${T.id}/endorsements`, { receipt: held.receipt, text: 'Endorsed' }), 409, 'conflict');
    assert.deepEqual((await invitee.get('/units')).body.units, []);

    // History stays: the entry keeps its chain, the dashboard still shows it.
    assert.deepEqual((await entryOf(holder, held.id)).recommended_by.map((u) => u.id), [T.id]);
    assert.deepEqual((await dashboard(mgr, T.id)).map((e) => e.id), [held.id]);
    assert.equal((await mgr.get(`/units/${T.id}`)).body.archived, true);

    expectStatus(assert, await admin.patch(`/admin/units/${T.id}`, { archived: false }), 200);
    expectStatus(assert, await later.post(`/calls/${UCALL}/submissions`, { category: 'only', fields: { title_en: 'x' }, recommendation_code: code }), 201);
    expectStatus(assert, await invitee.post(`/invitations/${pending.body.token}/accept`, {}), 200);
  });

  // ---- dashboard filters and reminders ------------------------------------------------

  it('dashboard filters; reminders go to the owners of the unit\'s drafts (previewed, optional mail), only while the call is open', async () => {
    const [mR, memberR, o1, o2, o3, stranger] = await people(6);
    const R = await topUnit('Shanghai Cyberspace Office', 'provincial-office');
    await join(admin, R.id, mR, 'manager');
    await join(mR, R.id, memberR, 'member');
    const R1 = await subUnit(mR, R.id, 'Fudan University', 'university');
    const k1 = await makeCode(mR, R1.id, UCALL);
    const k2 = await makeCode(mR, R.id, AWARD);
    const d1 = await ucallDraft(o1, k1);
    const d1b = await ucallDraft(o1, k1);
    const s2 = await submittedEntry(o2, k1);
    const d3 = await awardDraft(o3, k2);

    const all = await dashboard(mR, R.id);
    assert.deepEqual(all.map((e) => e.id).sort(), [d1, d1b, s2.id, d3].sort());
    assert.deepEqual((await dashboard(mR, R.id, `?call=${UCALL}`)).map((e) => e.id).sort(), [d1, d1b, s2.id].sort());
    assert.deepEqual((await dashboard(mR, R.id, `?call=${UCALL}&status=draft`)).map((e) => e.id).sort(), [d1, d1b].sort());
    assert.deepEqual((await dashboard(mR, R.id, '?status=submitted')).map((e) => [e.id, e.receipt]), [[s2.id, s2.receipt]]);
    assert.deepEqual((await dashboard(mR, R.id, `?call=${AWARD}`)).map((e) => [e.id, e.via.id]), [[d3, R.id]]);
    assert.deepEqual(await dashboard(mR, R.id, `?call=${CASE}`), []);
    assert.deepEqual((await dashboard(mR, R1.id)).map((e) => e.id).sort(), [d1, d1b, s2.id].sort());
    const badStatus = await mR.get(`/units/${R.id}/entries?status=accepted`);
    expectError(assert, badStatus, 422, 'invalid');
    assert.equal(typeof errorFields(badStatus).status, 'string');

    // Preview, then send: o1 once (two drafts), not o2 (submitted), not o3 (another call).
    const mailsBefore = await mail('unit_reminder');
    const preview = await mR.post(`/units/${R.id}/reminders/preview`, { call: UCALL });
    expectStatus(assert, preview, 200);
    assert.deepEqual(preview.body, { recipients: 1 });
    assert.deepEqual((await mR.post(`/units/${R1.id}/reminders/preview`, { call: UCALL })).body, { recipients: 1 });
    expectError(assert, await memberR.post(`/units/${R.id}/reminders/preview`, { call: UCALL }), 403, 'forbidden');
    expectError(assert, await memberR.post(`/units/${R.id}/reminders`, { call: UCALL }), 403, 'forbidden');
    expectError(assert, await stranger.post(`/units/${R.id}/reminders/preview`, { call: UCALL }), 404, 'not_found');
    expectError(assert, await stranger.post(`/units/${R.id}/reminders`, { call: UCALL }), 404, 'not_found');
    expectError(assert, await anon.post(`/units/${R.id}/reminders`, { call: UCALL }), 401);
    assert.equal((await mail('unit_reminder')).length, mailsBefore.length, 'refused reminders send nothing');
    const sent = await mR.post(`/units/${R.id}/reminders`, { call: UCALL });
    expectStatus(assert, sent, 202);
    assert.deepEqual(sent.body, { queued: 1 });
    const reminders = (await mail('unit_reminder')).filter((m) => !mailsBefore.some((b) => b.id === m.id));
    assert.deepEqual(reminders.map((m) => m.to), [o1.email]);

    // The owner who turned optional mail off is left out.
    expectStatus(assert, await o3.api('PUT', '/account/mail-preferences', { json: { optional_mail: false } }), 200);
    assert.deepEqual((await mR.post(`/units/${R.id}/reminders/preview`, { call: AWARD })).body, { recipients: 0 });
    const none = await mR.post(`/units/${R.id}/reminders`, { call: AWARD });
    expectStatus(assert, none, 202);
    assert.deepEqual(none.body, { queued: 0 });

    // Only while the call is open; an unknown call is invalid.
    expectError(assert, await mR.post(`/units/${R.id}/reminders/preview`, { call: UPCOMING }), 409, 'not_open');
    expectError(assert, await mR.post(`/units/${R.id}/reminders`, { call: UPCOMING }), 409, 'not_open');
    const unknown = await mR.post(`/units/${R.id}/reminders/preview`, { call: 'no-such-call' });
    expectError(assert, unknown, 422, 'invalid');
    assert.equal(typeof errorFields(unknown).call, 'string');
  });

  // ---- the excellent-organisation ranking and honours ---------------------------------

  it('organisation ranking: submitted entries only, own or with sub-units, weights and the formula; honours PUT/DELETE; organisers only', async () => {
    const [mG1, mG2, o1, o2, o3, o4] = await people(6);
    const G = await topUnit('Chinese Academy of Sciences', 'research-institution');
    const G1 = await topUnit('CAS Institute of Computing Technology', 'research-institution', G.id);
    const G2 = await topUnit('CAS Network Centre', 'research-institution', G1.id);
    await join(admin, G1.id, mG1, 'manager');
    await join(admin, G2.id, mG2, 'manager');
    const k1 = await makeCode(mG1, G1.id, UCALL);
    const k2 = await makeCode(mG2, G2.id, UCALL);
    await submittedEntry(o1, k2); // G2
    const s2 = await submittedEntry(o2, k2); // G2, and endorsed by G2: counted once
    await submittedEntry(o3, k1); // G1
    const s4 = await submittedEntry(o4); // endorsed by G2 only
    await ucallDraft(o1, k2); // a draft: not counted
    const w = await submittedEntry(o2, k1); // withdrawn: not counted
    expectStatus(assert, await o2.post(`/submissions/${w.id}/withdraw`, {}), 200);
    await awardDraft(o3, await makeCode(mG2, G2.id, AWARD)); // another call
    for (const e of [s2, s4]) {
      expectStatus(assert, await mG2.post(`/units/${G2.id}/endorsements`, { receipt: e.receipt, text: 'Endorsed.' }), 201);
    }

    async function ranking(query = '') {
      const res = await admin.get(`/admin/calls/${UCALL}/organisation-ranking${query}`);
      expectStatus(assert, res, 200);
      assert.deepEqual(sorted(res.body), ['formula', 'rows', 'weights']);
      for (let i = 1; i < res.body.rows.length; i += 1) {
        assert.ok(res.body.rows[i - 1].score >= res.body.rows[i].score, `rows sorted by score: ${JSON.stringify(res.body.rows.map((r) => r.score))}`);
      }
      for (const r of res.body.rows) {
        assert.deepEqual(sorted(r), ['honoured', 'score', 'selected', 'submitted', 'unit', 'winners']);
        assert.deepEqual(sorted(r.unit), REF_KEYS);
      }
      const row = (u) => {
        const r = res.body.rows.find((x) => x.unit.id === u.id);
        assert.ok(r, `a row for ${u.name_en}`);
        return r;
      };
      return { body: res.body, row };
    }

    const own = await ranking();
    assert.equal(own.body.formula, 'submitted × 1 + selected × 5 + winners × 10');
    assert.deepEqual(own.body.weights, { submitted: 1, selected: 5, winners: 10 });
    assert.deepEqual([G, G1, G2].map((u) => own.row(u).submitted), [0, 1, 3]);
    assert.deepEqual([G, G1, G2].map((u) => own.row(u).score), [0, 1, 3]);
    for (const u of [G, G1, G2]) {
      assert.equal(own.row(u).selected, 0);
      assert.equal(own.row(u).winners, 0);
      assert.equal(own.row(u).honoured, false);
    }
    assert.deepEqual(own.row(G2).unit, { id: G2.id, name_zh: G2.name_zh, name_en: G2.name_en });
    const rows = own.body.rows.map((r) => r.unit.id);
    assert.ok(rows.indexOf(G2.id) < rows.indexOf(G1.id) && rows.indexOf(G1.id) < rows.indexOf(G.id), 'G2 (3) before G1 (1) before G (0)');

    const subs = await ranking('?include_subunits=true');
    assert.deepEqual([G, G1, G2].map((u) => subs.row(u).submitted), [4, 4, 3]);
    assert.deepEqual([G, G1, G2].map((u) => subs.row(u).score), [4, 4, 3]);

    const weighted = await ranking('?include_subunits=true&weight_submitted=2.5&weight_selected=0&weight_winners=100');
    assert.equal(weighted.body.formula, 'submitted × 2.5 + selected × 0 + winners × 100');
    assert.deepEqual(weighted.body.weights, { submitted: 2.5, selected: 0, winners: 100 });
    assert.deepEqual([G, G1, G2].map((u) => weighted.row(u).score), [10, 10, 7.5]);
    const partly = await ranking('?weight_submitted=3');
    assert.equal(partly.body.formula, 'submitted × 3 + selected × 5 + winners × 10');
    assert.equal(partly.row(G2).score, 9);
    for (const q of ['weight_submitted=-1', 'weight_selected=abc', 'weight_winners=1001', 'weight_submitted=1e']) {
      const res = await admin.get(`/admin/calls/${UCALL}/organisation-ranking?${q}`);
      expectError(assert, res, 422, 'invalid');
      const field = q.split('=')[0];
      assert.equal(typeof errorFields(res)[field], 'string', `fields.${field}: ${res.text}`);
    }
    expectError(assert, await admin.get('/admin/calls/no-such-call/organisation-ranking'), 404, 'not_found');
    expectError(assert, await mG2.get(`/admin/calls/${UCALL}/organisation-ranking`), 403, 'forbidden');
    expectError(assert, await o1.get(`/admin/calls/${UCALL}/organisation-ranking`), 403, 'forbidden');
    expectError(assert, await anon.get(`/admin/calls/${UCALL}/organisation-ranking`), 401);

    // Honours, per call.
    const honour = `/admin/calls/${UCALL}/honours/${G2.id}`;
    expectError(assert, await mG2.api('PUT', honour), 403, 'forbidden');
    expectError(assert, await o1.api('PUT', honour), 403, 'forbidden');
    expectError(assert, await anon.api('PUT', honour), 401);
    assert.equal((await ranking()).row(G2).honoured, false);
    expectStatus(assert, await admin.api('PUT', honour), 204);
    expectStatus(assert, await admin.api('PUT', honour), 204); // again: still one honour
    expectStatus(assert, await admin.api('PUT', `/admin/calls/${AWARD}/honours/${G.id}`), 204);
    const h = await ranking();
    assert.equal(h.row(G2).honoured, true);
    assert.equal(h.row(G).honoured, false, 'an honour of another call');
    expectError(assert, await mG2.api('DELETE', honour), 403, 'forbidden');
    assert.equal((await ranking()).row(G2).honoured, true);
    expectStatus(assert, await admin.api('DELETE', honour), 204);
    assert.equal((await ranking()).row(G2).honoured, false);
    expectError(assert, await admin.api('PUT', `/admin/calls/${UCALL}/honours/no-such-unit`), 404, 'not_found');
    expectError(assert, await admin.api('PUT', `/admin/calls/no-such-call/honours/${G2.id}`), 404, 'not_found');
  });

  // ---- the leakage matrix -------------------------------------------------------------

  it('leakage matrix: sibling manager, parent unit\'s plain member, applicants and anonymous on every unit route; nothing changed', async () => {
    const [mN, mP, memberP, mA, memberA, mB, owner, applicant] = await people(8);
    const N = await topUnit('Leak National Office', 'national-office');
    await join(admin, N.id, mN, 'manager');
    const P = await subUnit(mN, N.id, 'Leak Provincial Office', 'provincial-office');
    await join(mN, P.id, mP, 'manager');
    await join(mP, P.id, memberP, 'member');
    const A = await subUnit(mP, P.id, 'Leak University A', 'university');
    const B = await subUnit(mP, P.id, 'Leak University B', 'university');
    await join(mP, A.id, mA, 'manager');
    await join(mA, A.id, memberA, 'member');
    await join(mP, B.id, mB, 'manager');
    const entry = await submittedEntry(owner, await makeCode(mA, A.id, UCALL));
    const draft = await ucallDraft(owner, await makeCode(mA, A.id, UCALL)); // a draft to be reminded of
    const other = await submittedEntry(applicant); // endorsable by anyone who may

    const routes = (u) => [
      ['GET', `/units/${u.id}`],
      ['GET', `/units/${u.id}/entries`],
      ['GET', `/units/${u.id}/entries?call=${UCALL}&status=submitted`],
      ['POST', `/units/${u.id}/units`, { name_zh: '泄漏', name_en: 'Leaked', kind: 'other' }],
      ['POST', `/units/${u.id}/invitations`, { email: 'leak@example.org', role: 'manager' }],
      ['POST', `/units/${u.id}/codes`, { call: UCALL, expires_at: null, max_uses: null }],
      ['POST', `/units/${u.id}/endorsements`, { receipt: other.receipt, text: 'Leaked endorsement' }],
      ['POST', `/units/${u.id}/reminders/preview`, { call: UCALL }],
      ['POST', `/units/${u.id}/reminders`, { call: UCALL }],
    ];
    const NONE = 404;
    const VIEW = 'view'; // reads 200, changes 403
    const who = {
      'sibling B manager': [mB, { [N.id]: NONE, [P.id]: NONE, [A.id]: NONE }],
      'A manager (upwards)': [mA, { [N.id]: NONE, [P.id]: NONE, [B.id]: NONE }],
      'A plain member': [memberA, { [N.id]: NONE, [P.id]: NONE, [A.id]: VIEW, [B.id]: NONE }],
      'P plain member': [memberP, { [N.id]: NONE, [P.id]: VIEW, [A.id]: VIEW, [B.id]: VIEW }],
      'owner of the entry': [owner, { [N.id]: NONE, [P.id]: NONE, [A.id]: NONE, [B.id]: NONE }],
      'another applicant': [applicant, { [N.id]: NONE, [P.id]: NONE, [A.id]: NONE, [B.id]: NONE }],
      anonymous: [anon, { [N.id]: 401, [P.id]: 401, [A.id]: 401, [B.id]: 401 }],
    };
    const names = { [N.id]: 'N', [P.id]: 'P', [A.id]: 'A', [B.id]: 'B' };

    async function state() {
      const units = {};
      for (const u of [N, P, A, B]) {
        const d = await admin.get(`/units/${u.id}`);
        units[u.id] = d.body;
      }
      return {
        units,
        all: (await admin.get('/admin/units')).body.units.length,
        mails: (await mail()).length,
        entry: await entryOf(owner, entry.id),
        other: await entryOf(applicant, other.id),
        dashboards: await Promise.all([N, P, A, B].map((u) => dashboard(admin, u.id))),
      };
    }
    const before = await state();
    assert.deepEqual(before.dashboards.map((l) => l.map((e) => e.id).sort()), [[entry.id, draft].sort(), [entry.id, draft].sort(), [entry.id, draft].sort(), []]);

    const failures = [];
    for (const [label, [client, expect]] of Object.entries(who)) {
      for (const [unitId, what] of Object.entries(expect)) {
        const unit = [N, P, A, B].find((u) => u.id === unitId);
        for (const [method, path, body] of routes(unit)) {
          const res = body === undefined ? await client.api(method, path) : await client.api(method, path, { json: body });
          const want = what === VIEW ? (method === 'GET' ? 200 : 403) : what;
          if (res.status !== want) failures.push(`${label} ${method} ${path} (unit ${names[unitId]}): want ${want}, got ${res.status} ${res.text.slice(0, 120)}`);
          if (res.status >= 400 && !(res.body && res.body.error && typeof res.body.error.message === 'string')) {
            failures.push(`${label} ${method} ${path}: no JSON error body`);
          }
          // What a viewer sees: the dashboard's fixed key set, and for a member no managing detail.
          if (res.status === 200 && path.includes('/entries')) assertDashboardShape(res.body.entries, `${label} ${path}`);
          if (res.status === 200 && method === 'GET' && !path.includes('/entries')) {
            assert.equal(res.body.can_manage, false, `${label} ${path}`);
            for (const k of ['members', 'invitations', 'codes']) assert.ok(!(k in res.body), `${label} sees no ${k} of ${names[unitId]}`);
          }
        }
      }
    }
    assert.deepEqual(failures, [], `leaks:\n  ${failures.join('\n  ')}`);

    // A parent unit's plain member may view its sub-units' entries — titles, owners, status, receipt only.
    const seen = await dashboard(memberP, A.id);
    assert.deepEqual(seen.map((e) => e.id).sort(), [entry.id, draft].sort());
    assert.doesNotMatch(JSON.stringify(seen), /review|score|decision|fields|summary|criteria/i);
    assert.deepEqual(await dashboard(memberP, B.id), []);

    // Nothing changed: no unit, member, invitation, code, endorsement or mail; the entries as they were.
    assert.deepEqual(await state(), before);
    assert.deepEqual((await mB.get('/units')).body.units.map((u) => u.id), [B.id]);
    assert.deepEqual((await memberP.get('/units')).body.units.map((u) => [u.id, u.role]), [[P.id, 'member']]);

    // A recommender's session: no /admin route (403), no entry of its own unit read directly (404).
    const adminRoutes = [
      ['GET', '/admin/units'],
      ['POST', '/admin/units', { name_zh: '泄漏', name_en: 'Leak', kind: 'other', parent: null }],
      ['PATCH', `/admin/units/${A.id}`, { parent: null }],
      ['PATCH', `/admin/units/${B.id}`, { archived: true }],
      ['GET', `/admin/calls/${UCALL}/organisation-ranking`],
      ['PUT', `/admin/calls/${UCALL}/honours/${A.id}`],
      ['DELETE', `/admin/calls/${UCALL}/honours/${A.id}`],
      ['GET', `/admin/calls/${UCALL}/submissions`],
      ['GET', '/admin/mail'],
      ['POST', `/admin/calls/${UCALL}/messages/preview`, {}],
    ];
    for (const client of [mA, mP, mN]) {
      for (const [method, path, body] of adminRoutes) {
        const res = body === undefined ? await client.api(method, path) : await client.api(method, path, { json: body });
        expectError(assert, res, 403, 'forbidden');
      }
      expectStatus(assert, await client.request('GET', '/admin'), 403);
      expectError(assert, await client.get(`/submissions/${entry.id}`), 404, 'not_found');
    }
    // A manager inviting into another unit: refused, nothing changed.
    expectError(assert, await mA.post(`/units/${B.id}/invitations`, { email: mA.email, role: 'manager' }), 404, 'not_found');
    expectError(assert, await mA.post(`/units/${P.id}/invitations`, { email: mA.email, role: 'manager' }), 404, 'not_found');
    assert.deepEqual(await state(), before);
  });
});
