// Organiser (admin) routes: call loading, entry lists, CSV export, and access control.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startServer, newApplicant, adminClient, expectStatus, expectError, createDraft,
  fullAwardFields, fullCaseFields, callToml, shanghaiLocal, AWARD, CASE,
} from './harness.mjs';
import { attachRequired } from './tus.mjs';

function postToml(client, toml, opts = {}) {
  return client.api('POST', '/admin/calls', {
    body: toml,
    headers: { 'Content-Type': 'application/toml' },
    ...opts,
  });
}

function futureDeadline(days = 60) {
  return shanghaiLocal(new Date(Date.now() + days * 86400_000)).slice(0, 16);
}

function lineOf(text, needle) {
  const i = text.split('\n').findIndex((l) => l.includes(needle));
  assert.ok(i >= 0, `needle ${needle} in generated TOML`);
  return i + 1;
}

describe('admin', () => {
  let server;
  let admin;
  let alice;
  let bob;
  let submittedReceipt;
  let aliceAward;
  let bobAward;
  let aliceCase;

  before(async () => {
    server = await startServer();
    admin = await adminClient(server);
    alice = await newApplicant(server);
    bob = await newApplicant(server, { organization: { type: 'enterprise', country: 'DE', overseas: true } });
    aliceAward = await createDraft(alice, AWARD, 'basic-research', await fullAwardFields(alice, 'basic-research'));
    bobAward = await createDraft(bob, AWARD, 'key-technology', await fullAwardFields(bob, 'key-technology'));
    // Entries need their required materials to be submitted (docs/uploads.md).
    await Promise.all([attachRequired(alice, aliceAward, AWARD), attachRequired(bob, bobAward, AWARD)]);
    expectStatus(assert, await bob.post(`/submissions/${bobAward}/submit`, {}), 200);
    aliceCase = await createDraft(alice, CASE, 'cybersecurity', await fullCaseFields(alice, 'cybersecurity'));
    const sub = await alice.post(`/submissions/${aliceAward}/submit`, {});
    expectStatus(assert, sub, 200);
    submittedReceipt = sub.body.receipt;
  });
  after(async () => { if (server) await server.stop(); });

  it("GET /admin/calls/{slug}/submissions lists all applicants' entries of that call only", async () => {
    const res = await admin.get(`/admin/calls/${AWARD}/submissions`);
    expectStatus(assert, res, 200);
    const ids = res.body.submissions.map((s) => String(s.id));
    assert.ok(ids.includes(String(aliceAward)), `alice's entry in ${ids}`);
    assert.ok(ids.includes(String(bobAward)), `bob's entry in ${ids}`);
    assert.ok(!ids.includes(String(aliceCase)), 'an entry of the other call is not listed');
  });

  it('the entries CSV starts with a UTF-8 BOM, has a header line and lists submitted receipts', async () => {
    const res = await admin.request('GET', `/admin/calls/${AWARD}/entries.csv`);
    expectStatus(assert, res, 200);
    assert.deepEqual([...res.bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf], 'UTF-8 BOM');
    const text = new TextDecoder('utf-8', { ignoreBOM: false }).decode(res.bytes);
    const lines = text.split(/\r?\n/);
    assert.ok(lines[0].length > 0 && lines[0].includes(','), `header line: ${lines[0]}`);
    assert.ok(text.includes(submittedReceipt), `receipt ${submittedReceipt} in CSV`);
  });

  it('an applicant gets 403 forbidden on admin routes', async () => {
    expectError(assert, await alice.get(`/admin/calls/${AWARD}/submissions`), 403, 'forbidden');
    const toml = callToml({ slug: 'sneaky-call', deadline: futureDeadline() });
    expectError(assert, await postToml(alice, toml), 403, 'forbidden');
    expectError(assert, await alice.get('/calls/sneaky-call'), 404, 'not_found');
    const csv = await alice.request('GET', `/admin/calls/${AWARD}/entries.csv`);
    expectStatus(assert, csv, 403);
  });

  it('an admin can load a call file with POST /admin/calls', async () => {
    const toml = callToml({ slug: 'admin-loaded', prefix: 'AL26', deadline: futureDeadline() });
    const res = await postToml(admin, toml);
    expectStatus(assert, res, 200);
    assert.deepEqual(res.body.calls, ['admin-loaded']);
    const got = await alice.get('/calls/admin-loaded');
    expectStatus(assert, got, 200);
    assert.deepEqual(got.body.categories.map((c) => c.slug), ['only']);
    assert.deepEqual(got.body.categories[0].criteria.map((c) => c.slug), ['merit']);
  });

  it('POST /admin/calls without X-CSRF-Token returns 403 csrf', async () => {
    const toml = callToml({ slug: 'no-csrf-call', deadline: futureDeadline() });
    expectError(assert, await postToml(admin, toml, { csrf: false }), 403, 'csrf');
  });

  it('a TOML syntax error returns 422 invalid_call_file naming the line', async () => {
    const toml = callToml({ slug: 'broken-syntax', deadline: futureDeadline() })
      .replace('kind = "award"', 'kind = "award');
    const line = lineOf(toml, 'kind = "award');
    const res = await postToml(admin, toml);
    expectError(assert, res, 422, 'invalid_call_file');
    assert.match(res.body.error.message, new RegExp(`\\b${line}\\b`),
      `message names line ${line}: ${res.body.error.message}`);
    expectError(assert, await admin.get('/calls/broken-syntax'), 404, 'not_found');
  });

  it('an invalid value returns 422 invalid_call_file naming its line', async () => {
    const toml = callToml({ slug: 'broken-kind', deadline: futureDeadline() })
      .replace('kind = "award"', 'kind = "lottery"');
    const line = lineOf(toml, 'kind = "lottery"');
    const res = await postToml(admin, toml);
    expectError(assert, res, 422, 'invalid_call_file');
    assert.match(res.body.error.message, new RegExp(`\\b${line}\\b`),
      `message names line ${line}: ${res.body.error.message}`);
  });

  it('a file with one broken call loads nothing of it', async () => {
    const good = callToml({ slug: 'atomic-good', prefix: 'AG26', deadline: futureDeadline() });
    const bad = callToml({ slug: 'atomic-bad', prefix: 'AB26', deadline: 'next tuesday' });
    const res = await postToml(admin, `${good}\n${bad}`);
    expectError(assert, res, 422, 'invalid_call_file');
    expectError(assert, await admin.get('/calls/atomic-good'), 404, 'not_found');
    expectError(assert, await admin.get('/calls/atomic-bad'), 404, 'not_found');
  });
});
