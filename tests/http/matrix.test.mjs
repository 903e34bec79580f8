// Route × role × object matrix (issue 9): every route of the router's own table (`laurel routes
// --json`), for every role (anonymous, applicant A = owner, applicant B = other, recommender =
// a manager of unit U, expert = an expert of the pool with a review of A's submitted entry in a
// round, no conflict declared, organiser), on applicant A's objects — and, for unit routes, on a
// unit U made by the organiser and managed by the recommender (issue 12); for review routes
// (issue 13), on a round over A's submitted entry and the expert's review of it — answers the
// status declared next to the route (web/access.h). A route without a declaration, or a role
// without a status, fails here by name.
//
// Requests are well-formed — valid CSRF token, a sensible body — so the status is decided by
// permission. Reads share one set of A's objects; each change gets a fresh set, sent by the
// other roles first and by the owner last, so a wrongly allowed change shows as a failure
// without spoiling the owner's request. A session a route ends (logout) is opened again.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  startServer, newApplicant, adminClient, Client, createDraft, fullAwardFields, getCall, accountBody,
  callToml, shanghaiLocal, uniqueEmail, criteriaSlugs, BIN, REPO, AWARD, APPLICANT_PASSWORD, ADMIN_EMAIL, ADMIN_PASSWORD,
} from './harness.mjs';
import { TUS, OCTETS, encodeMetadata, mustCreate, uploadFile, waitMaterial } from './tus.mjs';
import { pngBytes, pdfBytes, xlsxOf } from './fixtures.mjs';

/** The roles the test can act as, in the order each route is tried (the owner last). */
const ROLES = ['anonymous', 'other', 'recommender', 'expert', 'organiser', 'owner'];
const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);
const OWNER_PASSWORD = 'Owner-A-2025-pass';

/** The router's table: [{ method, pattern, access: {role: status|null} | null }]. */
function routeTable() {
  const r = spawnSync(BIN, ['routes', '--json'], { cwd: REPO, encoding: 'utf8', timeout: 30_000 });
  if (r.error) throw new Error(`laurel routes --json failed to run: ${r.error.message}`);
  try {
    return JSON.parse(r.stdout);
  } catch (e) {
    throw new Error(`laurel routes --json printed no JSON (exit ${r.status}): ${r.stdout.slice(0, 300)}\n${r.stderr}`);
  }
}

/** What is missing from the table's declarations, one line per problem. */
function declarationProblems(table) {
  const out = [];
  for (const r of table) {
    const name = `${r.method} ${r.pattern}`;
    if (!r.access) {
      out.push(`${name}: no declaration (add {.anonymous = …, .owner = …, .other = …, .organiser = …} to its r.add)`);
      continue;
    }
    for (const role of ROLES) {
      if (!Number.isInteger(r.access[role])) out.push(`${name}: no status declared for ${role}`);
    }
    for (const role of Object.keys(r.access)) {
      if (!ROLES.includes(role)) out.push(`${name}: role ${role} is declared but this test cannot act as it yet`);
    }
  }
  return out;
}

describe('route × role × object matrix', () => {
  const table = routeTable();
  let server;
  let category;
  let criteria; // of the category: the review form's keys
  const actors = {}; // role → { client, email, password } (anonymous: client only)
  let shared; // A's objects for reads

  before(async () => {
    server = await startServer();
    // A's password is A's alone: a route sent with it (a password change) fails for anyone else.
    const [a, b, org] = await Promise.all([
      newApplicant(server, { password: OWNER_PASSWORD }), newApplicant(server), adminClient(server)]);
    actors.owner = { client: a, email: a.email, password: OWNER_PASSWORD };
    actors.other = { client: b, email: b.email, password: APPLICANT_PASSWORD };
    actors.organiser = { client: org, email: ADMIN_EMAIL, password: ADMIN_PASSWORD };
    // The recommender: an applicant account like B that becomes a manager of each unit U the
    // organiser makes for a route (by invitation and acceptance, as in the issue).
    const rec = await newApplicant(server);
    actors.recommender = { client: rec, email: rec.email, password: APPLICANT_PASSWORD };
    // Anonymous: no session, but the CSRF cookie a browser would have from any page.
    const anon = new Client(server.url);
    await anon.request('GET', '/login');
    anon.csrf = anon.cookies.get('laurel_csrf');
    if (!anon.csrf) throw new Error('GET /login set no laurel_csrf cookie');
    actors.anonymous = { client: anon };
    const call = await getCall(a, AWARD);
    category = call.categories[0].slug;
    criteria = criteriaSlugs(call, category);
    // The expert: invited by the organiser into the pool, an account like B accepting; each round
    // the test makes over A's submitted entry assigns them by hand, and they declare no conflict.
    const expertEmail = uniqueEmail('matrix-expert');
    const invited = await org.post('/admin/experts', { email: expertEmail, name: 'Matrix Expert', organization: 'Matrix Review Lab' });
    if (invited.status !== 201) throw new Error(`POST /api/v1/admin/experts failed: ${invited.status} ${invited.text.slice(0, 300)}`);
    const ex = await newApplicant(server, { email: expertEmail });
    const accepted = await ex.post(`/invitations/${invited.body.token}/accept`, {});
    if (accepted.status !== 200) throw new Error(`the expert cannot accept: ${accepted.status} ${accepted.text.slice(0, 300)}`);
    actors.expert = { client: ex, email: ex.email, password: APPLICANT_PASSWORD, id: invited.body.id };
    shared = await objects(new Set(['draft', 'submitted', 'material', 'upload', 'unit', 'round', 'review']), { processed: true });
  });

  after(async () => {
    if (server) await server.stop();
  });

  /**
   * A fresh set of A's objects: `draft` (a complete draft: every field and the required
   * document, plus an image `material`), `submitted` (a submitted entry, and its `receipt`),
   * `upload` (an unfinished upload of an image to the draft), `unit` (a unit U the organiser makes
   * and the recommender manages). Only what `needs` names is made.
   */
  async function objects(needs, { processed = false } = {}) {
    const a = actors.owner.client;
    const o = { newPassword: `Owner-A-${Math.random().toString(36).slice(2, 10)}-pass` };
    const complete = async () => {
      const id = await createDraft(a, AWARD, category, await fullAwardFields(a, category));
      const doc = await uploadFile(a, id, 'document', 'evidence.pdf', pdfBytes());
      return { id, doc: doc.materialId };
    };
    if (needs.has('draft') || needs.has('material') || needs.has('upload')) {
      const d = await complete();
      o.draft = d.id;
      const img = await uploadFile(a, d.id, 'image', 'photo.png', pngBytes(48, 32));
      o.material = img.materialId;
      o.draftMaterials = [d.doc, img.materialId];
      if (processed) {
        const m = await waitMaterial(a, d.id, img.materialId);
        if (!m || m.status !== 'ready' || !m.thumbnail) throw new Error(`image not processed: ${JSON.stringify(m)}`);
      }
      if (needs.has('upload')) {
        o.uploadBytes = pngBytes(40, 30, 7);
        o.upload = await mustCreate(a, { submission: d.id, kind: 'image', filename: 'pending.png' }, o.uploadBytes.length);
      }
    }
    if (needs.has('session')) { // another of A's sessions (as if on another device)
      const elsewhere = new Client(server.url);
      const login = await elsewhere.login(actors.owner.email, actors.owner.password);
      if (login.status !== 200) throw new Error(`A cannot log in: ${login.status} ${login.text.slice(0, 200)}`);
      const list = await elsewhere.get('/account/sessions');
      const mine = list.body && list.body.sessions && list.body.sessions.find((x) => x.current);
      if (!mine) throw new Error(`GET /api/v1/account/sessions named no current session: ${list.status} ${list.text.slice(0, 200)}`);
      o.session = mine.id;
    }
    if (needs.has('mail')) { // one of A's messages (the verification link), found through the organiser's list
      const list = await actors.organiser.client.get('/admin/mail');
      const mine = list.body && list.body.messages && list.body.messages.find((m) => m.to === actors.owner.email);
      if (!mine) throw new Error(`GET /api/v1/admin/mail listed no message to A: ${list.status} ${list.text.slice(0, 200)}`);
      o.mail = String(mine.id);
    }
    if (needs.has('submitted')) {
      const s = await complete();
      const res = await a.post(`/submissions/${s.id}/submit`, {});
      if (res.status !== 200) throw new Error(`submit failed: ${res.status} ${res.text.slice(0, 300)}`);
      o.submitted = s.id;
      o.receipt = res.body.receipt;
    }
    if (needs.has('round')) { // a round over A's submitted entry (made above)
      const org = actors.organiser.client;
      const made = await org.post(`/admin/calls/${AWARD}/rounds`, {
        title: { zh: '矩阵轮次', en: 'Matrix round' }, reviews_per_entry: 3,
        deadline: new Date(Date.now() + 30 * 86400_000).toISOString().replace(/\.\d{3}Z$/, 'Z'), entries: [o.submitted],
      });
      if (made.status !== 201) throw new Error(`POST /api/v1/admin/calls/{slug}/rounds failed: ${made.status} ${made.text.slice(0, 300)}`);
      o.round = made.body.id;
    }
    if (needs.has('review')) { // the expert's review of A's submitted entry, no conflict declared
      const org = actors.organiser.client;
      const ex = actors.expert.client;
      const made = await org.post(`/admin/rounds/${o.round}/assignments`, { submission: o.submitted, expert: actors.expert.id });
      if (made.status !== 201) throw new Error(`POST /api/v1/admin/rounds/{round}/assignments failed: ${made.status} ${made.text.slice(0, 300)}`);
      o.review = made.body.id;
      const declared = await ex.post(`/reviews/${o.review}/declare`, { conflict: false });
      if (declared.status !== 200) throw new Error(`the expert cannot declare: ${declared.status} ${declared.text.slice(0, 300)}`);
      if (needs.has('complete') || needs.has('reviewSubmitted')) { // every part filled in
        const scores = Object.fromEntries(criteria.map((c) => [c, 7]));
        const saved = await ex.patch(`/reviews/${o.review}`, { scores, recommendation: 'support', confidence: 2, comment: 'Matrix review' });
        if (saved.status !== 200) throw new Error(`the expert cannot save: ${saved.status} ${saved.text.slice(0, 300)}`);
      }
      if (needs.has('reviewSubmitted')) {
        const sent = await ex.post(`/reviews/${o.review}/submit`, {});
        if (sent.status !== 200) throw new Error(`the expert cannot submit: ${sent.status} ${sent.text.slice(0, 300)}`);
      }
    }
    if (needs.has('proposal')) { // a stored proposal of the round (not applied)
      const p = await actors.organiser.client.post(`/admin/rounds/${o.round}/assignment/proposal`, {});
      if (p.status !== 200) throw new Error(`POST /api/v1/admin/rounds/{round}/assignment/proposal failed: ${p.status} ${p.text.slice(0, 300)}`);
      o.proposal = p.body.id;
    }
    if (needs.has('conflict')) { // the organiser's conflict between the expert and A's submitted entry
      const k = await actors.organiser.client.post(`/admin/rounds/${o.round}/conflicts`,
        { expert: actors.expert.id, submission: o.submitted, reason: 'Matrix conflict' });
      if (k.status !== 201) throw new Error(`POST /api/v1/admin/rounds/{round}/conflicts failed: ${k.status} ${k.text.slice(0, 300)}`);
    }
    if (needs.has('unit')) { // U: made by the organiser, the recommender invited as its manager and accepting
      const org = actors.organiser.client;
      const rec = actors.recommender.client;
      const made = await org.post('/admin/units', { name_zh: '矩阵单位', name_en: 'Matrix unit', kind: 'university', parent: null });
      if (made.status !== 201) throw new Error(`POST /api/v1/admin/units failed: ${made.status} ${made.text.slice(0, 300)}`);
      const inv = await org.post(`/units/${made.body.id}/invitations`, { email: actors.recommender.email, role: 'manager' });
      if (inv.status !== 201) throw new Error(`POST /api/v1/units/{id}/invitations failed: ${inv.status} ${inv.text.slice(0, 300)}`);
      const acc = await rec.post(`/invitations/${inv.body.token}/accept`, {});
      if (acc.status !== 200) throw new Error(`the recommender cannot accept: ${acc.status} ${acc.text.slice(0, 300)}`);
      o.unit = made.body.id;
    }
    return o;
  }

  /** Which of A's objects a route's path parameter stands for (null: the test does not know). */
  function paramObject(method, pattern, name) {
    if (name === 'slug' || name === 'code' || name === 'file' || name === 'token') return name;
    if (name === 'round') return 'round'; // a round over A's submitted entry
    if (name !== 'id') return null;
    // Expert review (API and pages): {id} of the expert's review, of A's entry ranked in a round,
    // of the expert in the pool.
    if (/^\/(api\/v1\/)?(admin\/)?reviews\/\{id\}/.test(pattern)) return 'review';
    if (/^\/(api\/v1\/)?admin\/rounds\/\{round\}\/[a-z-]+\/\{id\}/.test(pattern)) return 'submitted';
    if (/^\/(api\/v1\/)?(admin\/)?experts?\/\{id\}/.test(pattern)) return 'expert';
    if (/^\/(api\/v1\/)?admin\/mail\/\{id\}/.test(pattern)) return 'mail';
    if (pattern.startsWith('/uploads/')) return 'upload';
    if (/^\/(api\/v1\/)?account\/sessions\/\{id\}/.test(pattern)) return 'session';
    if (pattern.startsWith('/api/v1/materials/')) return 'material';
    // Recommending units (API and pages): {id} of a unit, and of the unit honoured in a call.
    if (/^\/(api\/v1\/)?(admin\/)?units\/\{id\}/.test(pattern)) return 'unit';
    if (/^\/(api\/v1\/)?admin\/calls\/\{slug\}\/honours\/\{id\}/.test(pattern)) return 'unit';
    if (/^\/(api\/v1\/submissions|entries)\/\{id\}\/withdraw$/.test(pattern)) return 'submitted';
    if (/^\/(api\/v1\/submissions|entries)\/\{id\}/.test(pattern)) return 'draft';
    return null;
  }

  function needsOf(route) {
    const needs = new Set();
    if (route.method === 'POST' && route.pattern === '/uploads/') needs.add('draft'); // named in Upload-Metadata
    if (/endorse/.test(route.pattern)) needs.add('submitted'); // the receipt of A's submitted entry
    for (const [, name] of route.pattern.matchAll(/\{([^}]+)\}/g)) {
      const what = paramObject(route.method, route.pattern, name);
      if (what === null) throw new Error(`the matrix test does not know what {${name}} stands for in ${route.pattern}: teach paramObject()`);
      needs.add(what);
    }
    // A round is over A's submitted entry, a review in a round; what a change needs to be well-formed.
    if (needs.has('review')) needs.add('round');
    if (needs.has('round')) needs.add('submitted');
    if (!SAFE.has(route.method)) {
      if (/\/reviews\/\{id\}\/submit$/.test(route.pattern)) needs.add('complete');
      if (/\/admin\/reviews\/\{id\}\/reopen$/.test(route.pattern)) needs.add('reviewSubmitted');
      if (/\/rounds\/\{round\}\/(assignment\/)?apply$/.test(route.pattern)) needs.add('proposal');
      if (/\/rounds\/\{round\}\/conflicts\/lift$/.test(route.pattern)) needs.add('conflict');
    }
    return needs;
  }

  function pathOf(route, o) {
    return route.pattern.replace(/\{([^}]+)\}/g, (_, name) => {
      const what = paramObject(route.method, route.pattern, name);
      if (what === 'slug') return AWARD;
      if (what === 'code') return 'en';
      if (what === 'file') return route.pattern.startsWith('/static/vendor/') ? 'tus.min.js' : 'app.css';
      if (what === 'upload') return o.upload.slice('/uploads/'.length);
      if (what === 'token') return 'made-up-token-0123456789'; // no such link: 410 for everyone
      if (what === 'expert') return actors.expert.id;
      return o[what];
    });
  }

  /** The body and headers of a well-formed request to the route (JSON for the API, a form for pages). */
  function requestOf(route, o, csrf) {
    const key = `${route.method} ${route.pattern}`;
    const headers = {};
    const json = (v) => { headers['Content-Type'] = 'application/json'; return JSON.stringify(v); };
    const form = (fields) => {
      headers['Content-Type'] = 'application/x-www-form-urlencoded';
      return new URLSearchParams({ _csrf: csrf, ...fields }).toString();
    };
    if (route.pattern.startsWith('/uploads')) headers['Tus-Resumable'] = TUS;
    let body;
    switch (key) {
      case 'POST /api/v1/accounts': body = json(accountBody()); break;
      case 'POST /api/v1/session': body = json({ email: actors.owner.email, password: actors.owner.password }); break;
      case 'POST /api/v1/account/password': // A's password, whoever sends it; the owner's change is kept
        body = json({ old_password: actors.owner.password, new_password: o.newPassword });
        break;
      case 'POST /account/password':
        body = form({ old_password: actors.owner.password, new_password: o.newPassword, new_password2: o.newPassword });
        break;
      case 'POST /api/v1/calls/{slug}/submissions': body = json({ category, fields: { title_en: 'Matrix entry' } }); break;
      case 'PATCH /api/v1/submissions/{id}': body = json({ fields: { title_en: 'Edited by the matrix test' } }); break;
      case 'POST /api/v1/admin/calls': {
        const n = Math.random().toString(36).slice(2, 8);
        headers['Content-Type'] = 'application/toml';
        body = callToml({
          slug: `matrix-${n}`, prefix: 'MX25', code: 'MX',
          deadline: shanghaiLocal(new Date(Date.now() + 60 * 86400_000)).slice(0, 16),
        });
        break;
      }
      case 'PUT /api/v1/account/mail-preferences': body = json({ optional_mail: true }); break;
      case 'PATCH /api/v1/materials/{id}': body = json({ caption: { zh: '说明', en: 'Caption' } }); break;
      case 'PUT /api/v1/submissions/{id}/materials/order': body = json({ order: [...o.draftMaterials].reverse() }); break;
      case 'POST /uploads/':
        headers['Upload-Length'] = String(pngBytes(40, 30, 9).length);
        headers['Upload-Metadata'] = encodeMetadata({ submission: o.draft, kind: 'image', filename: 'new.png' });
        break;
      case 'PATCH /uploads/{id}':
        headers['Content-Type'] = OCTETS;
        headers['Upload-Offset'] = '0';
        body = o.uploadBytes;
        break;
      case 'POST /register': {
        const acc = accountBody();
        body = form({
          email: uniqueEmail('matrix'), password: acc.password, password2: acc.password,
          contact_name: acc.contact_name, phone: acc.phone, name_zh: acc.organization.name_zh,
          name_en: acc.organization.name_en, type: acc.organization.type, country: acc.organization.country,
        });
        break;
      }
      case 'POST /login': body = form({ email: actors.owner.email, password: actors.owner.password, next: '/entries' }); break;
      case 'POST /calls/{slug}/entries': body = form({ category }); break;
      case 'POST /entries/{id}': body = form({ title_en: 'Saved by the matrix test', action: 'save' }); break;
      case 'POST /api/v1/admin/units': body = json({ name_zh: '矩阵单位', name_en: 'Matrix unit', kind: 'other', parent: null }); break;
      case 'PATCH /api/v1/admin/units/{id}': body = json({ name_en: 'Renamed by the matrix test' }); break;
      case 'POST /api/v1/units/{id}/units': body = json({ name_zh: '矩阵子单位', name_en: 'Matrix sub-unit', kind: 'department' }); break;
      case 'POST /api/v1/units/{id}/invitations': body = json({ email: uniqueEmail('invitee'), role: 'member' }); break;
      case 'POST /api/v1/units/{id}/codes': body = json({ call: AWARD, expires_at: null, max_uses: null }); break;
      case 'POST /api/v1/units/{id}/endorsements': body = json({ receipt: o.receipt, text: 'Endorsed by the matrix test' }); break;
      case 'POST /api/v1/units/{id}/reminders/preview':
      case 'POST /api/v1/units/{id}/reminders': body = json({ call: AWARD }); break;
      // Expert review (issue 13): the expert is the one of the test, the entry A's submitted one.
      case 'POST /api/v1/admin/experts': body = json({ email: uniqueEmail('invited-expert'), name: 'Invited Expert' }); break;
      case 'POST /api/v1/admin/experts.csv':
        headers['Content-Type'] = 'text/csv';
        body = `email,name\n${uniqueEmail('csv-expert')},CSV Expert\n`;
        break;
      case 'POST /api/v1/admin/experts.xlsx':
        headers['Content-Type'] = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
        body = xlsxOf([['email', 'name'], [uniqueEmail('xlsx-expert'), 'XLSX Expert']]);
        break;
      case 'PATCH /api/v1/expert/profile': body = json({ bio: 'Edited by the matrix test' }); break;
      case 'POST /admin/experts/import': body = form({ csv: `email,name\n${uniqueEmail('page-import')},Imported Expert\n` }); break;
      case 'POST /admin/calls/{slug}/committees': body = form({ category, name_en: 'Matrix committee (page)' }); break;
      case 'POST /api/v1/admin/calls/{slug}/committees': // with the expert, who stays eligible for the category
        body = json({ category, name_zh: '矩阵委员会', name_en: 'Matrix committee', experts: [actors.expert.id] });
        break;
      case 'POST /api/v1/admin/calls/{slug}/rounds':
        body = json({ title: { zh: '矩阵轮次', en: 'Matrix round' }, reviews_per_entry: 1,
          deadline: new Date(Date.now() + 30 * 86400_000).toISOString().replace(/\.\d{3}Z$/, 'Z'), entries: 'submitted' });
        break;
      case 'POST /api/v1/admin/rounds/{round}/conflicts':
      case 'POST /api/v1/admin/rounds/{round}/conflicts/lift':
        body = json({ expert: actors.expert.id, submission: o.submitted, reason: 'Matrix reason' });
        break;
      case 'PUT /api/v1/admin/rounds/{round}/bids': body = json({ expert: actors.expert.id, submission: o.submitted, bid: 'eager' }); break;
      case 'POST /api/v1/admin/rounds/{round}/assignment/apply': body = json({ proposal: o.proposal }); break;
      case 'POST /api/v1/admin/rounds/{round}/assignments': body = json({ submission: o.submitted, expert: actors.expert.id }); break;
      case 'POST /api/v1/admin/rounds/{round}/assignments.csv':
        headers['Content-Type'] = 'text/csv';
        body = `receipt,email\n${o.receipt},${actors.expert.email}\n`;
        break;
      case 'POST /api/v1/reviews/{id}/declare': body = json({ conflict: false }); break;
      case 'PATCH /api/v1/reviews/{id}': body = json({ scores: { [criteria[0]]: 7 }, comment: 'Saved by the matrix test' }); break;
      default:
        if (SAFE.has(route.method)) break;
        if (route.pattern.startsWith('/api/')) body = json({});
        else if (/^\/(admin\/)?units(\/|$)|^\/admin\/calls\/\{slug\}\/honours/.test(route.pattern)) {
          // Unit pages (web/unit_pages.cpp): the fields of the API under the same names, so that a
          // form of any of them is well-formed (a page ignores the fields it does not take).
          body = form({
            name_zh: '矩阵单位', name_en: 'Matrix unit', kind: 'other', email: uniqueEmail('invitee'), role: 'member',
            call: AWARD, expires_at: '', max_uses: '', receipt: o.receipt || '', text: 'Endorsed by the matrix test',
          });
        } else if (/^\/(expert|reviews)(\/|$)|^\/admin\/(experts|rounds|reviews)(\/|$)|^\/admin\/calls\/\{slug\}\/(rounds|committees)/.test(route.pattern)) {
          // Review pages (web/review_pages.cpp): the fields of the API and of the pages' forms
          // (entries by receipt, the deadline in the call's zone), each page taking its own.
          body = form({
            email: uniqueEmail('invited-expert'), name: 'Matrix Expert', organization: 'Matrix Review Lab', country: 'GB',
            expertise: 'routing', bio: '', max_load: '10', title_zh: '矩阵轮次', title_en: 'Matrix round',
            reviews_per_entry: '1', deadline: shanghaiLocal(new Date(Date.now() + 30 * 86400_000)).slice(0, 16).replace(' ', 'T'),
            visibility: 'after_submit', scale_min: '1', scale_max: '10', entries: 'submitted', expert: actors.expert.id,
            submission: o.submitted || '', receipt: o.receipt || '', reason: 'Matrix reason', bid: 'eager',
            proposal: o.proposal || '', conflict: '0', csv: `${o.receipt || ''},${actors.expert.email}`,
            comment: 'Saved by the matrix test',
          });
        } else body = form({});
    }
    const changesPassword = /password/.test(route.pattern) && typeof body === 'string' && body.includes(o.newPassword);
    return { path: pathOf(route, o), headers, body, changesPassword };
  }

  /** Sends as the role without changing the role's cookies (a login route must not switch accounts). */
  async function send(role, route, o) {
    const { client } = actors[role];
    const { path, headers, body, changesPassword } = requestOf(route, o, client.csrf);
    if (client.cookies.size > 0) headers.Cookie = client.cookieHeader();
    if (!SAFE.has(route.method) && role !== 'anonymous') headers['X-CSRF-Token'] = client.csrf;
    const res = await fetch(server.url + path, { method: route.method, headers, body, redirect: 'manual' });
    const text = await res.text();
    if (changesPassword && role === 'owner' && res.status < 400) actors.owner.password = o.newPassword;
    return { status: res.status, text, path };
  }

  /** Logs the role in again if a route ended its session. */
  async function keepSession(role) {
    if (role === 'anonymous') return;
    const { client, email, password } = actors[role];
    const res = await client.get('/submissions');
    if (res.status === 200) return;
    const login = await client.login(email, password);
    if (login.status !== 200) throw new Error(`${role} cannot log in again: ${login.status} ${login.text.slice(0, 200)}`);
  }

  it('every route declares the status each role gets', () => {
    assert.ok(table.length > 0, 'laurel routes --json listed no routes');
    const problems = declarationProblems(table);
    assert.deepEqual(problems, [], `undeclared:\n  ${problems.join('\n  ')}`);
  });

  it('every route answers each role as declared, on applicant A\'s objects', async () => {
    const failures = [];
    const declared = table.filter((r) => r.access && ROLES.every((role) => Number.isInteger(r.access[role])));
    // Reads first (on the shared objects), then each change on objects of its own.
    const ordered = [...declared.filter((r) => SAFE.has(r.method)), ...declared.filter((r) => !SAFE.has(r.method))];
    let sent = 0;
    for (const route of ordered) {
      let o;
      try {
        o = SAFE.has(route.method) ? shared : await objects(needsOf(route));
        if (SAFE.has(route.method)) needsOf(route);
      } catch (e) {
        failures.push({ route, role: '-', expected: '-', got: '-', note: e.message });
        continue;
      }
      for (const role of ROLES) {
        const expected = route.access[role];
        const res = await send(role, route, o);
        sent += 1;
        if (res.status !== expected) {
          failures.push({ route, role, expected, got: res.status, note: `${res.path} ${res.text.replace(/\s+/g, ' ').slice(0, 140)}` });
        }
        if (!SAFE.has(route.method)) await keepSession(role);
      }
    }
    const rows = failures.map((f) => `${`${f.route.method} ${f.route.pattern}`.padEnd(52)} ${String(f.role).padEnd(10)} ` +
      `declared ${f.expected}  got ${f.got}   ${f.note}`);
    assert.ok(sent > 0, 'no request was sent');
    assert.equal(failures.length, 0, `${failures.length} of ${sent} answers differ from the declarations:\n${rows.join('\n')}`);
  });
});
