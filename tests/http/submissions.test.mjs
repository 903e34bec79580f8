// Calls and submissions: drafts, validation, receipts, edit, withdraw, isolation.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startServer, newApplicant, expectStatus, expectError, errorFields, getCall, criteriaSlugs,
  fullAwardFields, fullCaseFields, createDraft, receiptNumber, rawRequestWithBody, statusOfRaw,
  parseRawResponse,
  AWARD, CASE, RECEIPT_RE,
} from './harness.mjs';
import { attachRequired } from './tus.mjs';

const AWARD_CATEGORIES = ['basic-research', 'key-technology', 'engineering-rd'];
const CASE_CATEGORIES = ['network-infrastructure', 'cultural-exchange', 'digital-economy',
  'cybersecurity', 'cyberspace-governance'];

function sortedKeys(o) { return Object.keys(o).sort(); }

/**
 * A draft with the materials its call requires (docs/uploads.md), so that submitting it
 * tests the entry's fields only.
 */
async function createEntry(client, callSlug, category, fields) {
  const id = await createDraft(client, callSlug, category, fields);
  await attachRequired(client, id, callSlug);
  return id;
}

describe('calls and submissions', () => {
  let server;
  let alice; // university, CN
  let bob; // enterprise, KE
  before(async () => {
    server = await startServer();
    alice = await newApplicant(server);
    bob = await newApplicant(server, { organization: { type: 'enterprise', country: 'KE', overseas: true, name_en: 'Nairobi Networks Ltd', name_zh: '内罗毕网络公司' } });
  });
  after(async () => { if (server) await server.stop(); });

  // ---- calls ------------------------------------------------------------------------

  it('GET /calls lists both WIC 2025 calls with bilingual titles', async () => {
    const res = await server.client().get('/calls');
    expectStatus(assert, res, 200);
    const slugs = res.body.calls.map((c) => c.slug);
    assert.ok(slugs.includes(AWARD), slugs.join(','));
    assert.ok(slugs.includes(CASE), slugs.join(','));
    for (const c of res.body.calls) {
      assert.equal(typeof c.title.zh, 'string');
      assert.equal(typeof c.title.en, 'string');
      assert.equal(typeof c.deadline, 'string');
      assert.equal(typeof c.time_zone, 'string');
      assert.equal(typeof c.status, 'string');
    }
  });

  it('GET /calls/{slug} gives categories with criteria and a demo-shifted future deadline in +08:00', async () => {
    const res = await server.client().get(`/calls/${AWARD}`);
    expectStatus(assert, res, 200);
    const call = res.body;
    assert.equal(call.slug, AWARD);
    assert.equal(call.time_zone, 'Asia/Shanghai');
    assert.match(call.deadline, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+08:00$/);
    assert.ok(Date.parse(call.deadline) > Date.now(), `deadline ${call.deadline} is in the future (demo)`);
    assert.deepEqual(call.categories.map((c) => c.slug).sort(), [...AWARD_CATEGORIES].sort());
    for (const cat of call.categories) {
      assert.ok(cat.criteria.length >= 1, `${cat.slug} has criteria`);
      for (const cr of cat.criteria) {
        assert.match(cr.slug, /^[a-z0-9-]+$/);
        assert.equal(typeof cr.title.zh, 'string');
        assert.equal(typeof cr.title.en, 'string');
      }
      assert.ok(Array.isArray(cat.fields) && cat.fields.every((f) => typeof f.key === 'string'));
    }
    const cases = await server.client().get(`/calls/${CASE}`);
    expectStatus(assert, cases, 200);
    assert.deepEqual(cases.body.categories.map((c) => c.slug).sort(), [...CASE_CATEGORIES].sort());
  });

  it('GET /calls/{unknown} returns 404 not_found', async () => {
    expectError(assert, await server.client().get('/calls/no-such-call-2099'), 404, 'not_found');
  });

  // ---- drafts -----------------------------------------------------------------------

  it('a draft can be created with partial fields (201, status draft)', async () => {
    const res = await alice.post(`/calls/${AWARD}/submissions`,
      { category: 'basic-research', fields: { title_en: 'Half-written idea' } });
    expectStatus(assert, res, 201);
    assert.ok(res.body.id !== undefined && res.body.id !== null);
    assert.equal(res.body.status, 'draft');
    const got = await alice.get(`/submissions/${res.body.id}`);
    expectStatus(assert, got, 200);
    assert.equal(String(got.body.id), String(res.body.id));
    assert.equal(got.body.status, 'draft');
    assert.equal(got.body.category, 'basic-research');
    assert.equal(got.body.fields.title_en, 'Half-written idea');
    assert.ok(!got.body.receipt, 'a draft has no receipt');
  });

  it('a draft can be created with empty fields', async () => {
    const res = await alice.post(`/calls/${CASE}/submissions`,
      { category: 'digital-economy', fields: {} });
    expectStatus(assert, res, 201);
    assert.equal(res.body.status, 'draft');
  });

  it('PATCH replaces only the given field keys and keeps the others', async () => {
    const id = await createDraft(alice, AWARD, 'key-technology',
      { title_zh: '原标题', title_en: 'Original title', organizations: ['Tsinghua University'] });
    const res = await alice.patch(`/submissions/${id}`, { fields: { title_en: 'New title' } });
    expectStatus(assert, res, 200);
    const got = await alice.get(`/submissions/${id}`);
    expectStatus(assert, got, 200);
    assert.equal(got.body.fields.title_en, 'New title');
    assert.equal(got.body.fields.title_zh, '原标题');
    assert.deepEqual(got.body.fields.organizations, ['Tsinghua University']);
  });

  it('GET /submissions lists only my own entries', async () => {
    const mine = await createDraft(alice, AWARD, 'basic-research', { title_en: 'Alice entry' });
    const theirs = await createDraft(bob, AWARD, 'basic-research', { title_en: 'Bob entry' });
    const a = await alice.get('/submissions');
    expectStatus(assert, a, 200);
    const aIds = a.body.submissions.map((s) => String(s.id));
    assert.ok(aIds.includes(String(mine)));
    assert.ok(!aIds.includes(String(theirs)));
    const b = await bob.get('/submissions');
    const bIds = b.body.submissions.map((s) => String(s.id));
    assert.ok(bIds.includes(String(theirs)));
    assert.ok(!bIds.includes(String(mine)));
  });

  // ---- validation on submit ------------------------------------------------------------

  it('submitting an incomplete award entry returns 422 with title, summary, criteria.<slug> and organizations errors', async () => {
    const call = await getCall(alice, AWARD);
    const slugs = criteriaSlugs(call, 'engineering-rd');
    assert.ok(slugs.length >= 2, 'engineering-rd has at least two criteria');
    const criteria = {};
    for (const s of slugs.slice(0, -1)) criteria[s] = `Statement for ${s}`;
    const missing = slugs[slugs.length - 1];
    const id = await createDraft(alice, AWARD, 'engineering-rd', { criteria, organizations: [] });
    const res = await alice.post(`/submissions/${id}/submit`, {});
    expectError(assert, res, 422, 'invalid');
    const f = errorFields(res);
    for (const key of ['title', 'summary', `criteria.${missing}`, 'organizations']) {
      assert.equal(typeof f[key], 'string', `error.fields[${key}] in ${res.text}`);
    }
    assert.equal(f[`criteria.${slugs[0]}`], undefined, 'a given criterion is not flagged');
    const got = await alice.get(`/submissions/${id}`);
    assert.equal(got.body.status, 'draft');
    assert.ok(!got.body.receipt);
  });

  it('an award entry missing only the summary gets exactly one field error: summary', async () => {
    const fields = await fullAwardFields(alice, 'basic-research');
    delete fields.summary_zh;
    delete fields.summary_en;
    const id = await createEntry(alice, AWARD, 'basic-research', fields);
    const res = await alice.post(`/submissions/${id}/submit`, {});
    expectError(assert, res, 422, 'invalid');
    assert.deepEqual(sortedKeys(errorFields(res)), ['summary']);
  });

  it('a case started 2014-12-31 with one country gets started_on and countries errors', async () => {
    const fields = { ...(await fullCaseFields(alice, 'network-infrastructure')),
      started_on: '2014-12-31', countries: ['CN'] };
    const id = await createEntry(alice, CASE, 'network-infrastructure', fields);
    const res = await alice.post(`/submissions/${id}/submit`, {});
    expectError(assert, res, 422, 'invalid');
    assert.deepEqual(sortedKeys(errorFields(res)), ['countries', 'started_on']);
  });

  it('a case with countries ["CN","CN"] still gets a countries error (distinct codes), and 2015-01-01 is accepted', async () => {
    const fields = { ...(await fullCaseFields(alice, 'network-infrastructure')),
      started_on: '2015-01-01', countries: ['CN', 'CN'] };
    const id = await createEntry(alice, CASE, 'network-infrastructure', fields);
    const res = await alice.post(`/submissions/${id}/submit`, {});
    expectError(assert, res, 422, 'invalid');
    assert.deepEqual(sortedKeys(errorFields(res)), ['countries']);
    // Fixing the countries makes it valid; the boundary date is allowed.
    expectStatus(assert, await alice.patch(`/submissions/${id}`,
      { fields: { countries: ['CN', 'KE'] } }), 200);
    const ok = await alice.post(`/submissions/${id}/submit`, {});
    expectStatus(assert, ok, 200);
    assert.equal(ok.body.status, 'submitted');
    assert.match(ok.body.receipt, /^PC25-[A-Z]{2}-\d{4}$/);
  });

  it('a case with an impossible date, no countries and no form gets started_on, countries and form errors', async () => {
    const fields = await fullCaseFields(alice, 'cultural-exchange');
    fields.started_on = '2019-02-30';
    delete fields.countries;
    delete fields.form;
    const id = await createEntry(alice, CASE, 'cultural-exchange', fields);
    const res = await alice.post(`/submissions/${id}/submit`, {});
    expectError(assert, res, 422, 'invalid');
    assert.deepEqual(sortedKeys(errorFields(res)), ['countries', 'form', 'started_on']);
  });

  it('a case with no started_on gets a started_on error', async () => {
    const fields = await fullCaseFields(alice, 'cultural-exchange');
    delete fields.started_on;
    const id = await createEntry(alice, CASE, 'cultural-exchange', fields);
    const res = await alice.post(`/submissions/${id}/submit`, {});
    expectError(assert, res, 422, 'invalid');
    assert.deepEqual(sortedKeys(errorFields(res)), ['started_on']);
  });

  // ---- submit and receipts -------------------------------------------------------------

  it('a complete award entry submits: 200, status submitted, receipt LT25-XX-NNNN', async () => {
    const fields = await fullAwardFields(alice, 'basic-research');
    const id = await createEntry(alice, AWARD, 'basic-research', fields);
    const res = await alice.post(`/submissions/${id}/submit`, {});
    expectStatus(assert, res, 200);
    assert.equal(res.body.status, 'submitted');
    assert.match(res.body.receipt, RECEIPT_RE);
    assert.match(res.body.receipt, /^LT25-[A-Z]{2}-\d{4}$/);
    const got = await alice.get(`/submissions/${id}`);
    assert.equal(got.body.status, 'submitted');
    assert.equal(got.body.receipt, res.body.receipt);
  });

  it('a complete case entry submits with a PC25 receipt', async () => {
    const id = await createEntry(alice, CASE, 'digital-economy',
      await fullCaseFields(alice, 'digital-economy'));
    const res = await alice.post(`/submissions/${id}/submit`, {});
    expectStatus(assert, res, 200);
    assert.equal(res.body.status, 'submitted');
    assert.match(res.body.receipt, /^PC25-[A-Z]{2}-\d{4}$/);
  });

  it('two entries in the same category get consecutive receipts (also across applicants)', async () => {
    const a = await createEntry(alice, AWARD, 'key-technology', await fullAwardFields(alice, 'key-technology'));
    const b = await createEntry(bob, AWARD, 'key-technology', await fullAwardFields(bob, 'key-technology'));
    const ra = await alice.post(`/submissions/${a}/submit`, {});
    const rb = await bob.post(`/submissions/${b}/submit`, {});
    expectStatus(assert, ra, 200);
    expectStatus(assert, rb, 200);
    const pa = ra.body.receipt.slice(0, ra.body.receipt.lastIndexOf('-'));
    const pb = rb.body.receipt.slice(0, rb.body.receipt.lastIndexOf('-'));
    assert.equal(pa, pb, 'same call+category prefix');
    assert.equal(receiptNumber(rb.body.receipt), receiptNumber(ra.body.receipt) + 1,
      `${ra.body.receipt} then ${rb.body.receipt}`);
  });

  it('different categories have different receipt codes', async () => {
    const a = await createEntry(alice, AWARD, 'basic-research', await fullAwardFields(alice, 'basic-research'));
    const b = await createEntry(alice, AWARD, 'engineering-rd', await fullAwardFields(alice, 'engineering-rd'));
    const ra = (await alice.post(`/submissions/${a}/submit`, {})).body.receipt;
    const rb = (await alice.post(`/submissions/${b}/submit`, {})).body.receipt;
    assert.match(ra, RECEIPT_RE);
    assert.match(rb, RECEIPT_RE);
    assert.notEqual(ra.split('-')[1], rb.split('-')[1]);
  });

  it('the first receipt of a category is 0001 and a failed submit does not use up a number', async () => {
    // cyberspace-governance is used by no other test in this file.
    const bad = await createEntry(bob, CASE, 'cyberspace-governance',
      { ...(await fullCaseFields(bob, 'cyberspace-governance')), countries: ['KE'] });
    expectError(assert, await bob.post(`/submissions/${bad}/submit`, {}), 422, 'invalid');
    const good = await createEntry(bob, CASE, 'cyberspace-governance',
      await fullCaseFields(bob, 'cyberspace-governance'));
    const res = await bob.post(`/submissions/${good}/submit`, {});
    expectStatus(assert, res, 200);
    assert.match(res.body.receipt, /^PC25-[A-Z]{2}-0001$/);
    // Fixing the first one gives 0002.
    expectStatus(assert, await bob.patch(`/submissions/${bad}`, { fields: { countries: ['KE', 'CN'] } }), 200);
    const res2 = await bob.post(`/submissions/${bad}/submit`, {});
    expectStatus(assert, res2, 200);
    assert.match(res2.body.receipt, /^PC25-[A-Z]{2}-0002$/);
  });

  it('editing a submitted entry keeps it submitted with the same receipt', async () => {
    const id = await createEntry(alice, AWARD, 'basic-research', await fullAwardFields(alice, 'basic-research'));
    const sub = await alice.post(`/submissions/${id}/submit`, {});
    expectStatus(assert, sub, 200);
    const res = await alice.patch(`/submissions/${id}`, { fields: { title_en: 'Improved title' } });
    expectStatus(assert, res, 200);
    const got = await alice.get(`/submissions/${id}`);
    expectStatus(assert, got, 200);
    assert.equal(got.body.status, 'submitted');
    assert.equal(got.body.receipt, sub.body.receipt);
    assert.equal(got.body.fields.title_en, 'Improved title');
  });

  it('withdraw returns status withdrawn and resubmitting keeps the same receipt', async () => {
    const id = await createEntry(alice, AWARD, 'engineering-rd', await fullAwardFields(alice, 'engineering-rd'));
    const sub = await alice.post(`/submissions/${id}/submit`, {});
    expectStatus(assert, sub, 200);
    const wd = await alice.post(`/submissions/${id}/withdraw`, {});
    expectStatus(assert, wd, 200);
    assert.equal(wd.body.status, 'withdrawn');
    const got = await alice.get(`/submissions/${id}`);
    assert.equal(got.body.status, 'withdrawn');
    // A new entry in the same category must not reuse the withdrawn receipt.
    const other = await createEntry(alice, AWARD, 'engineering-rd', await fullAwardFields(alice, 'engineering-rd'));
    const otherSub = await alice.post(`/submissions/${other}/submit`, {});
    expectStatus(assert, otherSub, 200);
    assert.notEqual(otherSub.body.receipt, sub.body.receipt);
    const again = await alice.post(`/submissions/${id}/submit`, {});
    expectStatus(assert, again, 200);
    assert.equal(again.body.status, 'submitted');
    assert.equal(again.body.receipt, sub.body.receipt);
  });

  // ---- isolation and not found -----------------------------------------------------------

  it("another applicant's entry is 404 on GET, PATCH, submit and withdraw", async () => {
    const id = await createEntry(alice, AWARD, 'basic-research', await fullAwardFields(alice, 'basic-research'));
    expectError(assert, await bob.get(`/submissions/${id}`), 404);
    expectError(assert, await bob.patch(`/submissions/${id}`, { fields: { title_en: 'Hijacked' } }), 404);
    expectError(assert, await bob.post(`/submissions/${id}/submit`, {}), 404);
    expectError(assert, await bob.post(`/submissions/${id}/withdraw`, {}), 404);
    const got = await alice.get(`/submissions/${id}`);
    expectStatus(assert, got, 200);
    assert.equal(got.body.status, 'draft', 'bob could not submit it');
    assert.notEqual(got.body.fields.title_en, 'Hijacked');
    // And once submitted, bob still cannot withdraw it.
    expectStatus(assert, await alice.post(`/submissions/${id}/submit`, {}), 200);
    expectError(assert, await bob.post(`/submissions/${id}/withdraw`, {}), 404);
    assert.equal((await alice.get(`/submissions/${id}`)).body.status, 'submitted');
  });

  it('an unknown submission id returns 404', async () => {
    expectError(assert, await alice.get('/submissions/987654321'), 404);
    expectError(assert, await alice.patch('/submissions/987654321', { fields: {} }), 404);
    expectError(assert, await alice.post('/submissions/987654321/submit', {}), 404);
  });

  it('creating an entry in an unknown call or category returns 404', async () => {
    expectError(assert, await alice.post('/calls/no-such-call-2099/submissions',
      { category: 'basic-research', fields: {} }), 404);
    expectError(assert, await alice.post(`/calls/${AWARD}/submissions`,
      { category: 'no-such-category', fields: {} }), 404);
    // A category of the other call is unknown in this one.
    expectError(assert, await alice.post(`/calls/${AWARD}/submissions`,
      { category: 'cybersecurity', fields: {} }), 404);
  });

  it('a think-tank cannot enter the Leading Technology Award: 403 not_eligible', async () => {
    const tank = await newApplicant(server, { organization: { type: 'think-tank', name_en: 'Policy Think Tank', name_zh: '政策智库' } });
    const res = await tank.post(`/calls/${AWARD}/submissions`, { category: 'basic-research', fields: {} });
    expectError(assert, res, 403, 'not_eligible');
    // …but may enter the practice cases.
    const ok = await tank.post(`/calls/${CASE}/submissions`, { category: 'cybersecurity', fields: {} });
    expectStatus(assert, ok, 201);
  });

  it('an innovation team cannot enter the practice cases: 403 not_eligible', async () => {
    const team = await newApplicant(server, { organization: { type: 'innovation-team', name_en: 'Startup Team', name_zh: '创新团队' } });
    const res = await team.post(`/calls/${CASE}/submissions`, { category: 'cybersecurity', fields: {} });
    expectError(assert, res, 403, 'not_eligible');
    expectStatus(assert, await team.post(`/calls/${AWARD}/submissions`,
      { category: 'engineering-rd', fields: {} }), 201);
  });

  // ---- bad requests ----------------------------------------------------------------------

  it('a field of the wrong JSON type returns 400 bad_request', async () => {
    expectError(assert, await alice.post(`/calls/${AWARD}/submissions`,
      { category: 'basic-research', fields: { organizations: 'Tsinghua University' } }), 400, 'bad_request');
    expectError(assert, await alice.post(`/calls/${AWARD}/submissions`,
      { category: 'basic-research', fields: { title_en: 42 } }), 400, 'bad_request');
    const id = await createDraft(alice, AWARD, 'basic-research', { title_en: 'Typed' });
    expectError(assert, await alice.patch(`/submissions/${id}`,
      { fields: { criteria: 'not an object' } }), 400, 'bad_request');
    const slug = criteriaSlugs(await getCall(alice, AWARD), 'basic-research')[0];
    expectError(assert, await alice.patch(`/submissions/${id}`,
      { fields: { criteria: { [slug]: 7 } } }), 400, 'bad_request');
    const caseId = await createDraft(alice, CASE, 'cybersecurity', {});
    expectError(assert, await alice.patch(`/submissions/${caseId}`,
      { fields: { countries: 'CN,KE' } }), 400, 'bad_request');
    expectError(assert, await alice.patch(`/submissions/${caseId}`,
      { fields: { started_on: 20190501 } }), 400, 'bad_request');
  });

  it('malformed JSON on PATCH returns 400 bad_request', async () => {
    const id = await createDraft(alice, AWARD, 'basic-research', {});
    const res = await alice.api('PATCH', `/submissions/${id}`, {
      body: '{"fields": {"title_en": "unterminated}',
      headers: { 'Content-Type': 'application/json' },
    });
    expectError(assert, res, 400, 'bad_request');
  });

  it('a body over 1 MiB returns 413 too_large', async () => {
    const big = JSON.stringify({ category: 'basic-research',
      fields: { summary_en: 'a'.repeat(1536 * 1024) } });
    const head = [
      `POST /api/v1/calls/${AWARD}/submissions HTTP/1.1`,
      `Host: 127.0.0.1:${server.port}`,
      'Content-Type: application/json',
      `Content-Length: ${Buffer.byteLength(big)}`,
      `Cookie: ${alice.cookieHeader()}`,
      `X-CSRF-Token: ${alice.csrf}`,
      'Connection: close',
      '', '',
    ].join('\r\n');
    const out = await rawRequestWithBody(server.host, server.port, head, big);
    const text = out.toString('utf8');
    assert.equal(statusOfRaw(out), 413, `response: ${text.slice(0, 500)}`);
    const parsed = parseRawResponse(out);
    let json = null;
    try { json = JSON.parse(parsed.body); } catch { /* reported below */ }
    assert.equal(json && json.error && json.error.code, 'too_large', text.slice(0, 500));
    // The server is still fine afterwards.
    expectStatus(assert, await alice.get('/submissions'), 200);
  });

  it('a body just under 1 MiB is not refused as too large', async () => {
    const body = JSON.stringify({ category: 'basic-research',
      fields: { summary_en: 'b'.repeat(1000 * 1000) } });
    assert.ok(Buffer.byteLength(body) < 1024 * 1024);
    const res = await alice.api('POST', `/calls/${AWARD}/submissions`,
      { body, headers: { 'Content-Type': 'application/json' } });
    assert.notEqual(res.status, 413, res.text.slice(0, 300));
  });
});
